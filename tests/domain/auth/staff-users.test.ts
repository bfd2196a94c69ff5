/**
 * An admin's changes to staff accounts and a person's own, on PGlite and PostgreSQL: each ends the
 * account's sessions; the last active admin stays; sessions follow the configured timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { changePassword, signOutEverywhere } from '../../../src/lib/server/auth/account.ts';
import { createSession, validateSessionToken } from '../../../src/lib/server/auth/auth-session.ts';
import { changeUserRole, setUserDisabled } from '../../../src/lib/server/auth/user-status.ts';
import {
	createUser,
	getUser,
	validateUserPassword,
	type User,
} from '../../../src/lib/server/auth/users.ts';
import { databases } from '../../helpers/db.ts';

describe.each(databases())('staff accounts on %s', (backend) => {
	let handle: DatabaseHandle;
	const people: Record<string, { user: User; password: string }> = {};
	const make = async (key: string, role: 'admin' | 'sales') => {
		const created = await createUser(
			handle.db,
			{ email: `${key}@example.com`, name: key, role },
			'test',
		);
		if (!created.ok) throw new Error(created.reason);
		people[key] = { user: created.user, password: created.password };
		return created.user;
	};
	const alive = async (token: string) =>
		(await validateSessionToken(handle.db, token)).session !== null;

	beforeAll(async () => {
		handle = await backend.open();
		await make('ada', 'admin');
		await make('sam', 'sales');
	});
	afterAll(() => handle.close());

	it('ends every session of a user whose role changes', async () => {
		const a = await createSession(handle.db, people.sam!.user.id);
		const b = await createSession(handle.db, people.sam!.user.id);
		const mine = await createSession(handle.db, people.ada!.user.id);
		expect(await changeUserRole(handle.db, people.ada!.user, people.sam!.user.id, 'admin')).toEqual(
			{
				ok: true,
			},
		);
		expect(await alive(a.token)).toBe(false);
		expect(await alive(b.token)).toBe(false);
		expect(await alive(mine.token)).toBe(true);
		expect((await getUser(handle.db, people.sam!.user.id))?.role).toBe('admin');
		await changeUserRole(handle.db, people.ada!.user, people.sam!.user.id, 'sales');
	});

	it('ends every session of a disabled user, who can no longer sign in', async () => {
		const session = await createSession(handle.db, people.sam!.user.id);
		expect(await setUserDisabled(handle.db, people.ada!.user, people.sam!.user.id, true)).toEqual({
			ok: true,
		});
		expect(await alive(session.token)).toBe(false);
		expect(
			(await validateUserPassword(handle.db, 'sam@example.com', people.sam!.password)).ok,
		).toBe(false);
		await setUserDisabled(handle.db, people.ada!.user, people.sam!.user.id, false);
		expect(
			(await validateUserPassword(handle.db, 'sam@example.com', people.sam!.password)).ok,
		).toBe(true);
	});

	it('changes a password only after the current one, and ends the other sessions', async () => {
		const other = await createSession(handle.db, people.sam!.user.id);
		const wrong = await changePassword(handle.db, people.sam!.user, {
			current: 'not it',
			password: 'a new long passphrase',
			confirm: 'a new long passphrase',
		});
		expect(wrong).toMatchObject({
			ok: false,
			errors: { current: 'Your current password is not right. Type it again.' },
		});
		const empty = await changePassword(handle.db, people.sam!.user, {
			current: '',
			password: 'a new long passphrase',
			confirm: 'a new long passphrase',
		});
		expect(empty).toEqual({ ok: false, errors: { current: 'Type your current password' } });
		const weak = await changePassword(handle.db, people.sam!.user, {
			current: people.sam!.password,
			password: 'password1234',
			confirm: 'password1234',
		});
		expect(weak).toMatchObject({
			ok: false,
			errors: { password: expect.stringMatching(/common/) },
		});
		expect(await alive(other.token)).toBe(true);
		const changed = await changePassword(handle.db, people.sam!.user, {
			current: people.sam!.password,
			password: 'a new long passphrase',
			confirm: 'a new long passphrase',
		});
		expect(changed.ok).toBe(true);
		expect(await alive(other.token)).toBe(false);
		expect(await alive(changed.ok ? changed.sessionToken : '')).toBe(true);
		expect(
			(await validateUserPassword(handle.db, 'sam@example.com', people.sam!.password)).ok,
		).toBe(false);
		people.sam!.password = 'a new long passphrase';
	});

	it('signs out everywhere', async () => {
		const sessions = await Promise.all(
			[1, 2, 3].map(() => createSession(handle.db, people.sam!.user.id)),
		);
		await signOutEverywhere(handle.db, people.sam!.user);
		for (const s of sessions) expect(await alive(s.token)).toBe(false);
	});

	it('keeps the last active admin: neither demoted nor disabled, with the reason', async () => {
		const ada = people.ada!.user;
		expect(await changeUserRole(handle.db, ada, ada.id, 'sales')).toEqual({
			ok: false,
			reason: 'last_admin',
		});
		expect(await setUserDisabled(handle.db, ada, ada.id, true)).toEqual({
			ok: false,
			reason: 'last_admin',
		});
		// A disabled second admin does not count.
		const eve = await make('eve', 'admin');
		await setUserDisabled(handle.db, ada, eve.id, true);
		expect((await changeUserRole(handle.db, ada, ada.id, 'sales')).ok).toBe(false);
		await setUserDisabled(handle.db, ada, eve.id, false);
		expect(await changeUserRole(handle.db, ada, ada.id, 'sales')).toEqual({ ok: true });
		expect(await changeUserRole(handle.db, eve, ada.id, 'admin')).toEqual({ ok: true });
	});

	it.runIf(backend.name === 'postgres')(
		'lets only one of two admins disabling each other at once succeed (row locks)',
		async () => {
			const one = await make('one', 'admin');
			const two = await make('two', 'admin');
			// Leave exactly these two active admins.
			for (const key of ['ada', 'eve'])
				expect((await setUserDisabled(handle.db, one, people[key]!.user.id, true)).ok).toBe(true);
			const results = await Promise.all([
				setUserDisabled(handle.db, one, two.id, true),
				setUserDisabled(handle.db, two, one.id, true),
			]);
			expect(results.filter((r) => r.ok)).toHaveLength(1);
			expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'last_admin' }]);
		},
	);

	it('follows the configured inactivity and absolute timeouts', async () => {
		const start = new Date('2026-03-01T00:00:00Z');
		const timeouts = { idleMs: 10 * 60_000, maxMs: 60 * 60_000 };
		const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
		const idle = await createSession(handle.db, people.sam!.user.id, start);
		expect(
			(await validateSessionToken(handle.db, idle.token, at(9), timeouts)).session,
		).not.toBeNull();
		expect(
			(await validateSessionToken(handle.db, idle.token, at(20), timeouts)).session,
		).toBeNull();
		const busy = await createSession(handle.db, people.sam!.user.id, start);
		for (let minute = 8; minute < 60; minute += 8)
			expect(
				(await validateSessionToken(handle.db, busy.token, at(minute), timeouts)).session,
				`minute ${minute}`,
			).not.toBeNull();
		expect(
			(await validateSessionToken(handle.db, busy.token, at(60), timeouts)).session,
		).toBeNull();
	});
});
