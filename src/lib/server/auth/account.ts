/** What staff members do to their own account: a new password, sign-out everywhere. */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createSession, invalidateUserSessions } from './auth-session.ts';
import { hashPassword, verifyPasswordHash } from './password.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import type { User } from './users.ts';

export function readPasswordChangeForm(form: FormData | null) {
	return {
		current: String(form?.get('current') ?? '').slice(0, 1024),
		password: String(form?.get('password') ?? '').slice(0, 1024),
		confirm: String(form?.get('confirm') ?? '').slice(0, 1024),
	};
}

export type PasswordChangeResult =
	{ ok: true; sessionToken: string } | { ok: false; errors: Record<string, string> };

/**
 * Sets a new password after the current one, and ends every session of the account (someone who
 * knew the old password may hold one); the browser that asked gets a fresh session.
 */
export async function changePassword(
	db: Database,
	user: User,
	values: ReturnType<typeof readPasswordChangeForm>,
): Promise<PasswordChangeResult> {
	const [row] = await db
		.select({ passwordHash: usersTable.passwordHash })
		.from(usersTable)
		.where(eq(usersTable.id, user.id));
	if (!row) throw new Error(`user ${user.id} vanished`);
	if (!values.current) return { ok: false, errors: { current: 'Type your current password' } };
	if (!(await verifyPasswordHash(row.passwordHash, values.current)))
		return {
			ok: false,
			errors: { current: 'Your current password is not right. Type it again.' },
		};
	const errors = newPasswordErrors(values, user);
	if (errors) return { ok: false, errors };
	const passwordHash = await hashPassword(values.password);
	const sessionToken = await db.transaction(async (tx) => {
		await tx.update(usersTable).set({ passwordHash }).where(eq(usersTable.id, user.id));
		await invalidateUserSessions(tx, user.id);
		await appendAuditEvent(tx, {
			type: 'staff.password_changed',
			actor: `user:${user.id}`,
			subject: `user:${user.id}`,
		});
		return (await createSession(tx, user.id)).token;
	});
	return { ok: true, sessionToken };
}

/** The new-password fields' errors (policy, and the two copies must match), or null. */
export function newPasswordErrors(
	values: { password: string; confirm: string },
	person: { email?: string | null; name?: string | null },
): Record<string, string> | null {
	const policy = checkPasswordPolicy(values.password, person);
	if (!policy.ok) return { password: policy.message };
	if (values.password !== values.confirm)
		return { confirm: 'The two passwords differ. Type the same new password twice.' };
	return null;
}

/** Ends every session of the account, this one included. */
export async function signOutEverywhere(db: Database, user: User): Promise<void> {
	await db.transaction(async (tx) => {
		await invalidateUserSessions(tx, user.id);
		await appendAuditEvent(tx, {
			type: 'staff.signed_out_everywhere',
			actor: `user:${user.id}`,
			subject: `user:${user.id}`,
		});
	});
}
