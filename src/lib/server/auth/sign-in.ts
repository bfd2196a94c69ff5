/**
 * Staff sign-in: one answer for every failure, every attempt counted (per account and per client
 * address, in the database) and logged without the password typed, a new session each time, and
 * a second step for staff with TOTP.
 */
import { eq } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { consumeStaffSignInLimits, forgiveStaffSignIn } from '../platform/rate-limit.ts';
import { createSession } from './auth-session.ts';
import {
	countSignInChallengeAttempt,
	createSignInChallenge,
	getSignInChallenge,
	invalidateSignInChallenge,
} from './sign-in-challenge.ts';
import { useTotpCode } from './totp.ts';
import { getUser, normalizeEmail, validateUserPassword, type User } from './users.ts';

export interface SignInLimits {
	perAccount: number;
	perIp: number;
}

export type SignInResult =
	| { ok: true; step: 'session'; user: User; sessionToken: string }
	/** The password was right; the person must now type a TOTP code (see submitSignInCode). */
	| { ok: true; step: 'code'; challengeToken: string }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

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
	limits: SignInLimits,
	now = new Date(),
): Promise<SignInResult> {
	if (!values.email || !values.password) return { ok: false, reason: 'invalid' };
	const who = { ip: meta.ip, email: normalizeEmail(values.email) };
	// Counted before the password is checked, keyed on the typed email whether or not it exists:
	// a locked unknown address and a locked real one look the same.
	const limited = await consumeStaffSignInLimits(db, limits, who);
	if (!limited.ok) {
		await logFailure(db, who, 'rate_limited');
		return { ok: false, reason: 'rate_limited', retryAfterSeconds: limited.retryAfterSeconds };
	}
	// Unknown emails run argon2 against a dummy hash, so both failures take as long.
	const result = await validateUserPassword(db, values.email, values.password);
	if (!result.ok) {
		await logFailure(db, who, 'password');
		return { ok: false, reason: 'invalid' };
	}
	await forgiveStaffSignIn(db, limits, who);
	if (result.user.totpEnabled) {
		const challengeToken = await createSignInChallenge(db, result.user.id, now);
		return { ok: true, step: 'code', challengeToken };
	}
	const sessionToken = await db.transaction((tx) =>
		openSession(tx, result.user, meta, 'password', now),
	);
	return { ok: true, step: 'session', user: result.user, sessionToken };
}

export type SignInCodeResult =
	| { ok: true; user: User; sessionToken: string }
	| { ok: false; reason: 'expired' | 'wrong_code' }
	| { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/** The second step's POST: a right TOTP code turns the challenge (used once) into a session. */
export async function submitSignInCode(
	db: Database,
	challengeToken: string,
	code: string,
	meta: { ip: string | null },
	limits: SignInLimits,
	now = new Date(),
): Promise<SignInCodeResult> {
	const challenge = await getSignInChallenge(db, challengeToken, now);
	const user = challenge && (await getUser(db, challenge.userId));
	if (!challenge || !user || user.disabledAt) return { ok: false, reason: 'expired' };
	const who = { ip: meta.ip, email: user.email };
	// Codes count against the same limits as passwords: six digits must not be guessable in bulk.
	const limited = await consumeStaffSignInLimits(db, limits, who);
	if (!limited.ok) {
		await logFailure(db, who, 'rate_limited');
		return { ok: false, reason: 'rate_limited', retryAfterSeconds: limited.retryAfterSeconds };
	}
	const outcome = await db.transaction(async (tx) => {
		if (!(await useTotpCode(tx, user.id, code.slice(0, 20), now))) {
			await countSignInChallengeAttempt(tx, challenge.id);
			return { ok: false, reason: 'wrong_code' } as const;
		}
		// Single use: of two requests with the same challenge, only the one that deletes it goes on.
		if (!(await invalidateSignInChallenge(tx, challenge.id)))
			return { ok: false, reason: 'expired' } as const;
		return { ok: true, sessionToken: await openSession(tx, user, meta, 'totp', now) } as const;
	});
	if (!outcome.ok) {
		if (outcome.reason === 'wrong_code') await logFailure(db, who, 'code');
		return outcome;
	}
	await forgiveStaffSignIn(db, limits, who);
	const { lastSignInAt: _l, disabledAt: _d, createdAt: _c, ...signedIn } = user;
	return { ok: true, user: signedIn, sessionToken: outcome.sessionToken };
}

/** The user a second-step cookie belongs to, for the code page's GET; null when it is no good. */
export async function getSignInChallengeUser(
	db: Database,
	challengeToken: string,
): Promise<User | null> {
	const challenge = await getSignInChallenge(db, challengeToken);
	return challenge ? await getUser(db, challenge.userId) : null;
}

// A new session on every sign-in, so a session id planted before sign-in is worth nothing.
async function openSession(
	tx: Executor,
	user: User,
	meta: { ip: string | null },
	method: 'password' | 'totp',
	now: Date,
): Promise<string> {
	const { token } = await createSession(tx, user.id, now);
	await tx.update(usersTable).set({ lastSignInAt: now }).where(eq(usersTable.id, user.id));
	await appendAuditEvent(tx, {
		type: 'staff.signed_in',
		actor: `user:${user.id}`,
		data: { ip: meta.ip, method },
	});
	return token;
}

// The typed email is kept (to spot attacks on an account); the password never is.
async function logFailure(
	db: Database,
	who: { ip: string | null; email: string },
	reason: 'password' | 'code' | 'rate_limited',
): Promise<void> {
	await db.transaction((tx) =>
		appendAuditEvent(tx, {
			type: 'staff.sign_in_failed',
			actor: 'anonymous',
			data: { email: who.email, ip: who.ip, reason },
		}),
	);
}
