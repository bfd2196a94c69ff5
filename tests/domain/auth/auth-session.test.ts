import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { authSessionsTable, requestersTable, usersTable } from '../../../db/schema.ts';
import {
	createRequesterSession,
	deleteExpiredRequesterSessions,
	validateRequesterSessionToken,
} from '../../../src/lib/server/auth/requester-session.ts';
import {
	createSession,
	deleteExpiredSessions,
	generateSessionToken,
	invalidateSession,
	invalidateUserSessions,
	SESSION_ABSOLUTE_TIMEOUT_MS,
	SESSION_INACTIVITY_TIMEOUT_MS,
	validateSessionToken,
} from '../../../src/lib/server/auth/auth-session.ts';
import { sha256 } from '../../../src/lib/server/platform/crypto.ts';
import { createUser, validateUserPassword } from '../../../src/lib/server/auth/users.ts';
import { databases } from '../../helpers/db.ts';

describe('generateSessionToken', () => {
	it('makes an id and a secret that differ every time', () => {
		const tokens = new Set(Array.from({ length: 100 }, () => generateSessionToken().token));
		expect(tokens.size).toBe(100);
		const { id, secret, token } = generateSessionToken();
		expect(token).toBe(`${id}.${secret}`);
		expect(id).toMatch(/^[a-z2-7]{24}$/);
		expect(secret).toMatch(/^[a-z2-7]{52}$/);
	});
});

describe.each(databases())('staff sessions on %s', (backend) => {
	let handle: DatabaseHandle;
	let userId: number;
	let password: string;
	beforeAll(async () => {
		handle = await backend.open();
		const created = await createUser(
			handle.db,
			{ email: 'Rep@Example.com', name: 'Rep', role: 'sales' },
			'test',
		);
		if (!created.ok) throw new Error(created.reason);
		userId = created.user.id;
		password = created.password;
	});
	afterAll(() => handle.close());

	it('stores only a hash of the secret', async () => {
		const { session, token } = await createSession(handle.db, userId);
		const [row] = await handle.db
			.select()
			.from(authSessionsTable)
			.where(eq(authSessionsTable.id, session.id));
		const secret = token.split('.')[1]!;
		expect(Buffer.from(row!.secretHash).toString('hex')).toBe(
			Buffer.from(sha256(secret)).toString('hex'),
		);
		expect(JSON.stringify(row)).not.toContain(secret);
	});

	it('validates its own token and returns the user', async () => {
		const { token } = await createSession(handle.db, userId);
		const result = await validateSessionToken(handle.db, token);
		expect(result.user).toEqual({
			id: userId,
			email: 'rep@example.com',
			name: 'Rep',
			role: 'sales',
			totpEnabled: false,
		});
	});

	it.each([
		['a wrong secret', (t: string) => `${t.split('.')[0]}.${'a'.repeat(52)}`],
		['a truncated secret', (t: string) => t.slice(0, -1)],
		['no secret', (t: string) => t.split('.')[0]!],
		['an extra part', (t: string) => `${t}.x`],
		['an unknown id', (t: string) => `zzzz.${t.split('.')[1]}`],
		['an empty string', () => ''],
	])('refuses %s', async (_name, tamper) => {
		const { token } = await createSession(handle.db, userId);
		expect(await validateSessionToken(handle.db, tamper(token))).toEqual({
			session: null,
			user: null,
		});
	});

	it('ends a session left idle too long, and deletes it', async () => {
		const start = new Date('2026-01-01T00:00:00Z');
		const { session, token } = await createSession(handle.db, userId, start);
		const later = new Date(start.getTime() + SESSION_INACTIVITY_TIMEOUT_MS);
		expect((await validateSessionToken(handle.db, token, later)).session).toBeNull();
		expect(
			await handle.db.select().from(authSessionsTable).where(eq(authSessionsTable.id, session.id)),
		).toEqual([]);
	});

	it('keeps an active session alive, but never past the absolute limit', async () => {
		const start = new Date('2026-01-01T00:00:00Z');
		const { token } = await createSession(handle.db, userId, start);
		let now = start;
		for (let hour = 6; hour < SESSION_ABSOLUTE_TIMEOUT_MS / 3_600_000; hour += 6) {
			now = new Date(start.getTime() + hour * 3_600_000);
			expect(
				(await validateSessionToken(handle.db, token, now)).session,
				`hour ${hour}`,
			).not.toBeNull();
		}
		const end = new Date(start.getTime() + SESSION_ABSOLUTE_TIMEOUT_MS);
		expect((await validateSessionToken(handle.db, token, end)).session).toBeNull();
	});

	it('sweeps the sessions past their limits whose cookies never came back, and only those', async () => {
		const start = new Date('2026-03-01T00:00:00Z');
		const hours = (n: number) => new Date(start.getTime() + n * 3_600_000);
		const timeouts = { idleMs: 2 * 3_600_000, maxMs: 10 * 3_600_000 };
		const idle = await createSession(handle.db, userId, start);
		const old = await createSession(handle.db, userId, start);
		await handle.db
			.update(authSessionsTable)
			.set({ lastVerifiedAt: hours(9.5) })
			.where(eq(authSessionsTable.id, old.session.id));
		const fresh = await createSession(handle.db, userId, hours(9));
		const now = hours(10);
		expect(await deleteExpiredSessions(handle.db, now, timeouts)).toBe(2);
		const left = await handle.db
			.select({ id: authSessionsTable.id })
			.from(authSessionsTable)
			.where(inArray(authSessionsTable.id, [idle.session.id, old.session.id, fresh.session.id]));
		expect(left).toEqual([{ id: fresh.session.id }]);
		expect(
			(await validateSessionToken(handle.db, fresh.token, now, timeouts)).session,
		).not.toBeNull();
		expect(await deleteExpiredSessions(handle.db, now, timeouts)).toBe(0);
	});

	it("sweeps reviewers' sessions past their expiry, and only those", async () => {
		const [requester] = await handle.db
			.insert(requestersTable)
			.values({ email: 'sweep@example.com', name: 'Sweep', company: 'Sweep Inc' })
			.returning({ id: requestersTable.id });
		const start = new Date('2026-03-01T00:00:00Z');
		const expired = await createRequesterSession(handle.db, requester!.id, start);
		const live = await createRequesterSession(handle.db, requester!.id);
		expect(await deleteExpiredRequesterSessions(handle.db)).toBe(1);
		expect(await validateRequesterSessionToken(handle.db, live)).not.toBeNull();
		expect(await validateRequesterSessionToken(handle.db, expired, start)).toBeNull();
		expect(await deleteExpiredRequesterSessions(handle.db)).toBe(0);
	});

	it('ends sessions on sign-out and for a disabled user', async () => {
		const one = await createSession(handle.db, userId);
		await invalidateSession(handle.db, one.session.id);
		expect((await validateSessionToken(handle.db, one.token)).session).toBeNull();
		const two = await createSession(handle.db, userId);
		await handle.db
			.update(usersTable)
			.set({ disabledAt: new Date() })
			.where(eq(usersTable.id, userId));
		expect((await validateSessionToken(handle.db, two.token)).session).toBeNull();
		await handle.db.update(usersTable).set({ disabledAt: null }).where(eq(usersTable.id, userId));
		const three = await createSession(handle.db, userId);
		await invalidateUserSessions(handle.db, userId);
		expect((await validateSessionToken(handle.db, three.token)).session).toBeNull();
	});

	it.each([
		['the right password, email in any case', 'REP@example.com', () => password, true],
		['a wrong password', 'rep@example.com', () => `${password}x`, false],
		['an unknown email', 'nobody@example.com', () => password, false],
	])('signs in with %s: %s', async (_name, email, pw, ok) => {
		expect((await validateUserPassword(handle.db, email, pw())).ok).toBe(ok);
	});
});
