/** TOTP on PGlite and PostgreSQL: enrolment, the second sign-in step, replay, the challenge's life. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import type { DatabaseHandle } from '../../../db/client.ts';
import { validateSessionToken } from '../../../src/lib/server/auth/auth-session.ts';
import {
	submitSignInCode,
	submitSignInForm,
	type SignInLimits,
} from '../../../src/lib/server/auth/sign-in.ts';
import { SIGN_IN_CHALLENGE_TTL_MS } from '../../../src/lib/server/auth/sign-in-challenge.ts';
import {
	confirmTotpEnrolment,
	disableTotp,
	generateTotpCode,
	getTotpRequired,
	setTotpRequired,
	startTotpEnrolment,
	verifyTotpCode,
} from '../../../src/lib/server/auth/totp.ts';
import { createUser, getUser, type User } from '../../../src/lib/server/auth/users.ts';
import { databases } from '../../helpers/db.ts';

const LIMITS: SignInLimits = { perAccount: 1000, perIp: 1000 };
const META = { ip: '192.0.2.1' };

describe('verifyTotpCode', () => {
	const key = new Uint8Array(20).fill(7);
	const now = new Date('2026-06-01T12:00:10Z');
	it.each([
		['the current code', 0, true],
		['the previous step (a slow typist)', -30_000, true],
		['the next step (a fast clock)', 30_000, true],
		['a code two steps old', -60_000, false],
	])('accepts or refuses %s', (_name, offset, ok) => {
		const code = generateTotpCode(key, new Date(now.getTime() + offset));
		expect(verifyTotpCode(key, code, null, now) !== null).toBe(ok);
	});
	it('refuses a code whose step was already used, and anything not six digits', () => {
		const code = generateTotpCode(key, now);
		const step = verifyTotpCode(key, code, null, now)!;
		expect(verifyTotpCode(key, code, step, now)).toBeNull();
		expect(verifyTotpCode(key, 'abcdef', null, now)).toBeNull();
		expect(verifyTotpCode(key, `${code}1`, null, now)).toBeNull();
	});
});

describe.each(databases())('two-step sign-in on %s', (backend) => {
	let handle: DatabaseHandle;
	let user: User;
	let password: string;
	let key: Uint8Array;
	beforeAll(async () => {
		handle = await backend.open();
		const created = await createUser(
			handle.db,
			{ email: 'tess@example.com', name: 'Tess', role: 'sales' },
			'test',
		);
		if (!created.ok) throw new Error(created.reason);
		user = created.user;
		password = created.password;
	});
	afterAll(() => handle.close());

	it('enrols: shows a key and an otpauth URI, refuses a wrong code, turns on with the right one', async () => {
		const shown = await startTotpEnrolment(handle.db, user, 'Kestrel Analytics Trust Center');
		expect(shown.secret).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{4})+$/);
		expect(shown.uri).toMatch(/^otpauth:\/\/totp\/Kestrel.*tess%40example\.com\?.*secret=/);
		expect(shown.uri).toContain(`secret=${shown.secret.replace(/ /g, '')}`);
		key = decodeBase32IgnorePadding(shown.secret.replace(/ /g, ''));
		const wrong = await confirmTotpEnrolment(handle.db, user, '000000');
		expect(wrong.ok).toBe(false);
		expect((await getUser(handle.db, user.id))?.totpEnabled).toBe(false);
		// The code of the step before: the one used to confirm cannot then sign in again.
		const earlier = new Date(Date.now() - 30_000);
		expect(await confirmTotpEnrolment(handle.db, user, generateTotpCode(key, earlier))).toEqual({
			ok: true,
		});
		expect((await getUser(handle.db, user.id))?.totpEnabled).toBe(true);
	});

	it('asks for a code after the right password, with no session yet', async () => {
		const first = await submitSignInForm(handle.db, { email: user.email, password }, META, LIMITS);
		expect(first).toMatchObject({ ok: true, step: 'code' });
		expect('sessionToken' in first).toBe(false);
		const challenge = first.ok && first.step === 'code' ? first.challengeToken : '';
		// The half-signed-in token is no session.
		expect((await validateSessionToken(handle.db, challenge)).session).toBeNull();
		expect(await submitSignInCode(handle.db, challenge, '000000', META, LIMITS)).toEqual({
			ok: false,
			reason: 'wrong_code',
		});
		const signedIn = await submitSignInCode(
			handle.db,
			challenge,
			generateTotpCode(key),
			META,
			LIMITS,
		);
		expect(signedIn).toMatchObject({ ok: true, user: { id: user.id, totpEnabled: true } });
		const token = signedIn.ok ? signedIn.sessionToken : '';
		expect((await validateSessionToken(handle.db, token)).user?.id).toBe(user.id);
		// Single use: the challenge is gone.
		expect(
			await submitSignInCode(handle.db, challenge, generateTotpCode(key), META, LIMITS),
		).toEqual({ ok: false, reason: 'expired' });
	});

	it('refuses a code already used, even with a new challenge', async () => {
		const again = await submitSignInForm(handle.db, { email: user.email, password }, META, LIMITS);
		const challenge = again.ok && again.step === 'code' ? again.challengeToken : '';
		expect(
			await submitSignInCode(handle.db, challenge, generateTotpCode(key), META, LIMITS),
		).toEqual({ ok: false, reason: 'wrong_code' });
	});

	it('ends a challenge after five minutes, and after five wrong codes', async () => {
		const now = new Date();
		const late = await submitSignInForm(
			handle.db,
			{ email: user.email, password },
			META,
			LIMITS,
			now,
		);
		const lateToken = late.ok && late.step === 'code' ? late.challengeToken : '';
		const after = new Date(now.getTime() + SIGN_IN_CHALLENGE_TTL_MS);
		expect(
			await submitSignInCode(
				handle.db,
				lateToken,
				generateTotpCode(key, after),
				META,
				LIMITS,
				after,
			),
		).toEqual({ ok: false, reason: 'expired' });

		const guessed = await submitSignInForm(
			handle.db,
			{ email: user.email, password },
			META,
			LIMITS,
		);
		const token = guessed.ok && guessed.step === 'code' ? guessed.challengeToken : '';
		for (let i = 0; i < 5; i++)
			expect((await submitSignInCode(handle.db, token, '000000', META, LIMITS)).ok).toBe(false);
		expect(
			await submitSignInCode(
				handle.db,
				token,
				generateTotpCode(key, new Date(Date.now() + 30_000)),
				META,
				LIMITS,
			),
		).toEqual({ ok: false, reason: 'expired' });
	});

	it('counts wrong codes against the account limit', async () => {
		const tight: SignInLimits = { perAccount: 2, perIp: 1000 };
		// A right password forgives the earlier tests' failures.
		await submitSignInForm(handle.db, { email: user.email, password }, META, LIMITS);
		const started = await submitSignInForm(handle.db, { email: user.email, password }, META, tight);
		const token = started.ok && started.step === 'code' ? started.challengeToken : '';
		await submitSignInCode(handle.db, token, '000000', META, tight);
		await submitSignInCode(handle.db, token, '000000', META, tight);
		expect(await submitSignInCode(handle.db, token, '000000', META, tight)).toMatchObject({
			ok: false,
			reason: 'rate_limited',
		});
	});

	it('cannot be turned off while an admin requires it, nor without the password', async () => {
		const admin = { ...user, id: user.id, role: 'admin' as const };
		await setTotpRequired(handle.db, admin, true);
		expect(await getTotpRequired(handle.db)).toBe(true);
		expect((await disableTotp(handle.db, user, password)).ok).toBe(false);
		await setTotpRequired(handle.db, admin, false);
		expect((await disableTotp(handle.db, user, 'not the password')).ok).toBe(false);
		expect(await disableTotp(handle.db, user, password)).toEqual({ ok: true });
		expect(
			await submitSignInForm(handle.db, { email: user.email, password }, META, {
				perAccount: 1000,
				perIp: 1000,
			}),
		).toMatchObject({ ok: true, step: 'session' });
	});
});
