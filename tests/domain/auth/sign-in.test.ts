/**
 * Staff sign-in on PGlite and PostgreSQL: one answer for an unknown email and a wrong password (in
 * similar time), limits per account and per address counted in the database, failures logged
 * without the password, and a new session on every sign-in.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { auditEventsTable, authSessionsTable, rateLimitsTable } from '../../../db/schema.ts';
import { createSession, validateSessionToken } from '../../../src/lib/server/auth/auth-session.ts';
import { submitSignInForm, type SignInLimits } from '../../../src/lib/server/auth/sign-in.ts';
import { createUser } from '../../../src/lib/server/auth/users.ts';
import { databases } from '../../helpers/db.ts';

const ROOMY: SignInLimits = { perAccount: 1000, perIp: 1000 };

describe.each(databases())('staff sign-in on %s', (backend) => {
	let handle: DatabaseHandle;
	let password: string;
	let userId: number;
	const signIn = (email: string, pw: string, ip = '192.0.2.1', limits = ROOMY) =>
		submitSignInForm(handle.db, { email, password: pw }, { ip }, limits);

	beforeAll(async () => {
		handle = await backend.open();
		const created = await createUser(
			handle.db,
			{ email: 'ada@example.com', name: 'Ada', role: 'admin' },
			'test',
		);
		if (!created.ok) throw new Error(created.reason);
		password = created.password;
		userId = created.user.id;
	});
	afterAll(() => handle.close());

	it('opens a session with the right password', async () => {
		const result = await signIn('ADA@example.com', password);
		expect(result).toMatchObject({ ok: true, step: 'session', user: { id: userId } });
		const token = result.ok && result.step === 'session' ? result.sessionToken : '';
		expect((await validateSessionToken(handle.db, token)).user?.id).toBe(userId);
	});

	it('gives an unknown email and a wrong password the same answer', async () => {
		expect(await signIn('nobody@example.com', password)).toEqual({ ok: false, reason: 'invalid' });
		expect(await signIn('ada@example.com', `${password}x`)).toEqual({
			ok: false,
			reason: 'invalid',
		});
	});

	it('takes about as long for an unknown email as for a wrong password', async () => {
		const runs: Record<'unknown' | 'wrong', number[]> = { unknown: [], wrong: [] };
		const time = async (kind: 'unknown' | 'wrong') => {
			const start = performance.now();
			await signIn(kind === 'unknown' ? 'nobody@example.com' : 'ada@example.com', 'a wrong guess');
			runs[kind].push(performance.now() - start);
		};
		// Interleaved, so a busy machine slows both alike; medians of seven.
		for (let i = 0; i < 7; i++) {
			await time('unknown');
			await time('wrong');
		}
		const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[3]!;
		const ratio = median(runs.unknown) / median(runs.wrong);
		// Both run argon2 (the unknown email against a dummy hash). Without it an unknown email
		// would answer in a fraction of the time (a lookup against a 19 MiB hash).
		expect(ratio, JSON.stringify(runs)).toBeGreaterThan(0.33);
		expect(ratio, JSON.stringify(runs)).toBeLessThan(3);
	});

	it('logs a failure with the typed email, never the typed password', async () => {
		const typed = 'my-secret-guess-4711';
		await signIn('ada@example.com', typed, '198.51.100.7');
		const events = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.type, 'staff.sign_in_failed'));
		const last = events.at(-1)!;
		expect(last.data).toEqual({ email: 'ada@example.com', ip: '198.51.100.7', reason: 'password' });
		expect(JSON.stringify(events)).not.toContain(typed);
	});

	it('opens a new session on every sign-in; one planted before is not reused', async () => {
		const planted = await createSession(handle.db, userId);
		const first = await signIn('ada@example.com', password);
		const second = await signIn('ada@example.com', password);
		const tokens = [
			planted.token,
			first.ok && 'sessionToken' in first ? first.sessionToken : '',
			second.ok && 'sessionToken' in second ? second.sessionToken : '',
		];
		expect(new Set(tokens.map((t) => t.split('.')[0])).size).toBe(3);
	});

	it('stores only hashes: no session token appears in the table', async () => {
		const result = await signIn('ada@example.com', password);
		const token = result.ok && result.step === 'session' ? result.sessionToken : '';
		const rows = await handle.db.select().from(authSessionsTable);
		expect(JSON.stringify(rows)).not.toContain(token.split('.')[1]);
	});

	describe('limits', () => {
		const limits: SignInLimits = { perAccount: 3, perIp: 5 };

		it('locks an account after its limit of failures, even for the right password', async () => {
			for (let i = 0; i < 3; i++)
				expect(await signIn('ada@example.com', 'wrong', `203.0.113.${i}`, limits)).toEqual({
					ok: false,
					reason: 'invalid',
				});
			const locked = await signIn('ada@example.com', password, '203.0.113.99', limits);
			expect(locked).toMatchObject({ ok: false, reason: 'rate_limited' });
			expect(
				!locked.ok && 'retryAfterSeconds' in locked && locked.retryAfterSeconds,
			).toBeGreaterThan(60);
		});

		it('locks an unknown email the same way, so the lock reveals no account', async () => {
			for (let i = 0; i < 3; i++)
				await signIn('ghost@example.com', 'wrong', `203.0.113.${i}`, limits);
			expect(await signIn('ghost@example.com', 'wrong', '203.0.113.99', limits)).toMatchObject({
				ok: false,
				reason: 'rate_limited',
			});
		});

		it('limits one address trying many accounts', async () => {
			for (let i = 0; i < 5; i++)
				expect(await signIn(`user${i}@example.com`, 'wrong', '192.0.2.200', limits)).toEqual({
					ok: false,
					reason: 'invalid',
				});
			expect(await signIn('other@example.com', 'wrong', '192.0.2.200', limits)).toMatchObject({
				ok: false,
				reason: 'rate_limited',
			});
			// Another address is not affected.
			expect(await signIn('other@example.com', 'wrong', '192.0.2.201', limits)).toEqual({
				ok: false,
				reason: 'invalid',
			});
		});

		it('keeps the counts in the database, with no email in the keys', async () => {
			const keys = (await handle.db.select().from(rateLimitsTable)).map((r) => r.key);
			expect(keys.some((k) => k.startsWith('staff-account'))).toBe(true);
			expect(keys.some((k) => k.startsWith('staff-ip:192.0.2.200'))).toBe(true);
			expect(keys.join(' ')).not.toContain('@');
		});

		it('forgives the failures of an account once its owner signs in', async () => {
			const own: SignInLimits = { perAccount: 3, perIp: 100 };
			const created = await createUser(
				handle.db,
				{ email: 'bo@example.com', name: 'Bo', role: 'sales' },
				'test',
			);
			if (!created.ok) throw new Error(created.reason);
			await signIn('bo@example.com', 'wrong', '192.0.2.50', own);
			await signIn('bo@example.com', 'wrong', '192.0.2.50', own);
			expect((await signIn('bo@example.com', created.password, '192.0.2.50', own)).ok).toBe(true);
			await signIn('bo@example.com', 'wrong', '192.0.2.50', own);
			await signIn('bo@example.com', 'wrong', '192.0.2.50', own);
			expect((await signIn('bo@example.com', created.password, '192.0.2.50', own)).ok).toBe(true);
		});
	});
});
