/** Staff sign-in: one answer for every failure, every attempt logged, a new session each time. */
import type { Database } from '../../../../db/client.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createSession } from './auth-session.ts';
import { validateUserPassword, type User } from './users.ts';

export type SignInResult = { ok: true; user: User; sessionToken: string } | { ok: false };

export function readSignInForm(form: FormData | null) {
	return {
		email: String(form?.get('email') ?? '').slice(0, 254),
		password: String(form?.get('password') ?? ''),
	};
}

/** The sign-in form's POST: checks the password and opens a session, logging either way. */
export async function submitSignInForm(
	db: Database,
	values: ReturnType<typeof readSignInForm>,
	meta: { ip: string | null },
): Promise<SignInResult> {
	const result =
		values.email && values.password
			? await validateUserPassword(db, values.email, values.password)
			: ({ ok: false } as const);
	if (!result.ok) {
		// The typed email is kept (to spot attacks on an account); the password never is.
		await db.transaction((tx) =>
			appendAuditEvent(tx, {
				type: 'staff.sign_in_failed',
				actor: 'anonymous',
				data: { email: values.email, ip: meta.ip },
			}),
		);
		return { ok: false };
	}
	// A new session on every sign-in, so a session id planted before sign-in is worth nothing.
	const { token } = await createSession(db, result.user.id);
	await db.transaction((tx) =>
		appendAuditEvent(tx, {
			type: 'staff.signed_in',
			actor: `user:${result.user.id}`,
			data: { ip: meta.ip },
		}),
	);
	return { ok: true, user: result.user, sessionToken: token };
}
