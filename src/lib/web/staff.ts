/**
 * The staff pages' one guard: who may see or do this, asked of the permission table where the
 * resource is used. Anonymous visitors are sent to sign in; signed-in staff without the role get a
 * 403 page that says who can help.
 */
import type { APIContext } from 'astro';
import { can, type Permission } from '../server/auth/permissions.ts';
import type { User } from '../server/auth/users.ts';
import { problem, renderProblem } from './problem.ts';

export type StaffGuard =
	{ ok: true; user: User } | { ok: false; response: Promise<Response> | Response };

type Context = Pick<APIContext, 'locals' | 'url' | 'request' | 'rewrite' | 'redirect'>;

export function requireStaff(context: Context, permission: Permission): StaffGuard {
	const user = context.locals.user;
	if (!user) {
		// A form posted after the session ended cannot be replayed by a redirect: say so instead.
		if (context.request.method !== 'GET' && context.request.method !== 'HEAD')
			return {
				ok: false,
				response: renderProblem(
					context as APIContext,
					problem(
						401,
						'Sign in first',
						'Your staff session has ended. Sign in again, then repeat what you were doing.',
						{
							actions: [{ href: '/admin/login', label: 'Staff sign-in' }],
						},
					),
				),
			};
		const next = `${context.url.pathname}${context.url.search}`;
		return {
			ok: false,
			response: context.redirect(
				next === '/admin' ? '/admin/login' : `/admin/login?next=${encodeURIComponent(next)}`,
				303,
			),
		};
	}
	// Staff without TOTP, where an admin requires it, set it up before anything else.
	if (context.locals.mustEnrolTotp && permission !== 'account.manage') {
		if (context.request.method !== 'GET' && context.request.method !== 'HEAD')
			return {
				ok: false,
				response: renderProblem(
					context as APIContext,
					problem(
						403,
						'Set up two-step sign-in first',
						'An admin requires two-step sign-in (TOTP) for all staff. Set it up on your account page, then repeat what you were doing.',
						{ actions: [{ href: '/admin/account', label: 'Your account' }] },
					),
				),
			};
		return { ok: false, response: context.redirect('/admin/account?enrol=required', 303) };
	}
	if (!can(user, permission))
		return {
			ok: false,
			response: renderProblem(
				context as APIContext,
				problem(
					403,
					'This needs an admin',
					`Your role (${user.role}) cannot do this. Ask an admin of this trust center if you need it done.`,
					{ actions: [{ href: '/admin', label: 'Staff overview' }] },
				),
			),
		};
	return { ok: true, user };
}

/** Where to go after signing in: only a path on this site (never another origin). */
export function safeNext(value: string | null): string {
	return value && /^\/admin(?:[/?#]|$)/.test(value) && !value.startsWith('//') ? value : '/admin';
}
