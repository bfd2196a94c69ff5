/**
 * The route × role matrix over real HTTP: every staff page and action (routes.ts) as anonymous,
 * a signed-in requester, a sales rep and an admin. Anonymous visitors and requesters are sent to
 * sign in (GET) or refused with 401 (POST); a rep is refused with 403 and a message on what is
 * admin-only, direct POSTs included; the allowed role is let through.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../../src/lib/server/auth/permissions.ts';
import { databases } from '../../helpers/db.ts';
import { createStaffWithCli } from '../../helpers/staff.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';
import { acceptNdaOverHttp, formPost, signInReviewer } from '../../helpers/reviewer.ts';
import { PUBLIC_STAFF_ROUTES, STAFF_ROUTES, type StaffRoute } from './routes.ts';

/** Route patterns of the files under src/pages/admin, as Astro names them. */
function adminRoutes(dir = 'src/pages/admin'): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return adminRoutes(path);
		const route = `/${relative('src/pages', path)}`
			.replace(/\.(astro|ts)$/, '')
			.replace(/\/index$/, '');
		return [route];
	});
}

describe('the staff route table', () => {
	it('lists every page and endpoint under src/pages/admin', () => {
		const listed = new Set([...STAFF_ROUTES.map((r) => r.route), ...PUBLIC_STAFF_ROUTES]);
		expect(adminRoutes().filter((route) => !listed.has(route))).toEqual([]);
	});
});

describe.each(databases())('staff routes by role on %s', (backend) => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-matrix-'));
	let server: RunningServer;
	let close = async () => {};
	const cookies: Record<'anonymous' | 'requester' | 'sales' | 'admin', string> = {
		anonymous: '',
		requester: '',
		sales: '',
		admin: '',
	};

	beforeAll(async () => {
		let env: Record<string, string>;
		if (backend.name === 'postgres') {
			const handle = await backend.open();
			env = { DATABASE_URL: handle.url! };
			close = () => handle.close();
		} else {
			env = { PGLITE_DIR: join(tmp, 'pglite') };
		}
		env = { ...env, OUTBOX_DIR: join(tmp, 'outbox'), RATE_LIMIT_PER_IP: '1000' };
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		const passwords: Record<string, string> = {};
		for (const role of ['admin', 'sales'] as const)
			passwords[role] = await createStaffWithCli(env, {
				email: `${role}@kestrel-analytics.example`,
				name: `The ${role}`,
				role,
			});
		server = await startServer(env);
		const site = { url: server.url, outbox: env.OUTBOX_DIR! };
		for (const role of ['admin', 'sales'] as const) {
			const signedIn = await formPost(site, '/admin/login', {
				email: `${role}@kestrel-analytics.example`,
				password: passwords[role]!,
			});
			expect(signedIn.status, `${role} signs in`).toBe(303);
			cookies[role] = signedIn.headers.get('set-cookie')!.split(';')[0]!;
		}
		cookies.requester = await signInReviewer(site, 'rita@acme.example');
		await acceptNdaOverHttp(site, cookies.requester);
	});
	afterAll(async () => {
		await server?.stop();
		await close();
		rmSync(tmp, { recursive: true, force: true });
	});

	const send = (route: StaffRoute, cookie: string) =>
		route.method === 'GET'
			? fetch(`${server.url}${route.path}`, {
					redirect: 'manual',
					headers: cookie ? { Cookie: cookie } : {},
				})
			: formPost(
					{ url: server.url, outbox: '' },
					route.path,
					route.fields ?? {},
					cookie || undefined,
				);

	const rows = STAFF_ROUTES.flatMap((route) =>
		(['anonymous', 'requester', 'sales', 'admin'] as const).map((who) => ({ ...route, who })),
	);
	it.each(rows)('$method $path as $who', async ({ who, ...route }) => {
		const response = await send(route, cookies[who]);
		const body = await response.text();
		const allowed =
			who !== 'anonymous' &&
			who !== 'requester' &&
			(PERMISSIONS[route.permission] as readonly string[]).includes(who);
		if (who === 'anonymous' || who === 'requester') {
			if (route.method === 'GET') {
				expect(response.status).toBe(303);
				expect(response.headers.get('location')).toMatch(/^\/admin\/login/);
			} else {
				expect(response.status).toBe(401);
				expect(body).toContain('Sign in first');
			}
		} else if (!allowed) {
			expect(response.status).toBe(403);
			expect(body).toContain('This needs an admin');
		} else {
			expect([401, 403, 405]).not.toContain(response.status);
			expect(response.status).toBeLessThan(500);
		}
	});
});
