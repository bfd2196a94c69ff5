/**
 * An admin's changes to staff accounts: role, disable, enable. A new role or disabling ends every
 * session of the account, so the change holds from the next request. The last active admin can be
 * neither demoted nor disabled: someone must be able to manage the trust center.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { invalidateUserSessions } from './auth-session.ts';
import { ROLES, type Role, type User } from './users.ts';

export type UserChangeResult =
	{ ok: true } | { ok: false; reason: 'not_found' | 'last_admin' | 'invalid_role' | 'unchanged' };

/** Locks the active admins' rows, so two admins demoting each other at once cannot both win. */
async function otherActiveAdmins(tx: Executor, userId: number): Promise<number> {
	const admins = await tx
		.select({ id: usersTable.id })
		.from(usersTable)
		.where(and(eq(usersTable.role, 'admin'), isNull(usersTable.disabledAt)))
		.for('update');
	return admins.filter((admin) => admin.id !== userId).length;
}

async function lockUser(tx: Executor, userId: number) {
	const [row] = await tx.select().from(usersTable).where(eq(usersTable.id, userId)).for('update');
	return row ?? null;
}

export async function changeUserRole(
	db: Database,
	actor: User,
	userId: number,
	roleInput: string,
): Promise<UserChangeResult> {
	if (!ROLES.includes(roleInput as Role)) return { ok: false, reason: 'invalid_role' };
	const role = roleInput as Role;
	return db.transaction(async (tx) => {
		const others = await otherActiveAdmins(tx, userId);
		const row = await lockUser(tx, userId);
		if (!row) return { ok: false, reason: 'not_found' } as const;
		if (row.role === role) return { ok: false, reason: 'unchanged' } as const;
		if (row.role === 'admin' && !row.disabledAt && others === 0)
			return { ok: false, reason: 'last_admin' } as const;
		await tx.update(usersTable).set({ role }).where(eq(usersTable.id, userId));
		// Sessions carry no role, but ending them makes the person sign in again and see the change.
		await invalidateUserSessions(tx, userId);
		await appendAuditEvent(tx, {
			type: 'user.role_changed',
			actor: `user:${actor.id}`,
			subject: `user:${userId}`,
			data: { from: row.role, to: role },
		});
		return { ok: true } as const;
	});
}

export async function setUserDisabled(
	db: Database,
	actor: User,
	userId: number,
	disabled: boolean,
	now = new Date(),
): Promise<UserChangeResult> {
	return db.transaction(async (tx) => {
		const others = await otherActiveAdmins(tx, userId);
		const row = await lockUser(tx, userId);
		if (!row) return { ok: false, reason: 'not_found' } as const;
		if (Boolean(row.disabledAt) === disabled) return { ok: false, reason: 'unchanged' } as const;
		if (disabled && row.role === 'admin' && others === 0)
			return { ok: false, reason: 'last_admin' } as const;
		await tx
			.update(usersTable)
			.set({ disabledAt: disabled ? now : null })
			.where(eq(usersTable.id, userId));
		if (disabled) await invalidateUserSessions(tx, userId);
		await appendAuditEvent(tx, {
			type: disabled ? 'user.disabled' : 'user.enabled',
			actor: `user:${actor.id}`,
			subject: `user:${userId}`,
		});
		return { ok: true } as const;
	});
}
