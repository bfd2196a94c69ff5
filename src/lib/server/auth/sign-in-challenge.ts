/**
 * The half-signed-in state of a TOTP user between the password and the code. It is not a session:
 * it opens no page, lasts five minutes, allows five codes and is deleted when used. Same token
 * design as sessions (`<id>.<secret>`, only the secret's SHA-256 stored, constant-time check).
 */
import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import { signInChallengesTable } from '../../../../db/schema.ts';
import { constantTimeEqual, sha256 } from '../platform/crypto.ts';
import { generateSessionToken, parseSessionToken } from './auth-session.ts';

export const SIGN_IN_CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const SIGN_IN_CHALLENGE_MAX_ATTEMPTS = 5;

export async function createSignInChallenge(
	tx: Executor,
	userId: number,
	now = new Date(),
): Promise<string> {
	const { id, secret, token } = generateSessionToken();
	// One pending second step per person: an older one (another tab) stops working. Expired ones
	// of anyone are swept on the way.
	await tx
		.delete(signInChallengesTable)
		.where(or(eq(signInChallengesTable.userId, userId), lt(signInChallengesTable.expiresAt, now)));
	await tx.insert(signInChallengesTable).values({
		id,
		secretHash: sha256(secret),
		userId,
		createdAt: now,
		expiresAt: new Date(now.getTime() + SIGN_IN_CHALLENGE_TTL_MS),
	});
	return token;
}

/** The user a live challenge belongs to, or null (unknown, expired or used up). */
export async function getSignInChallenge(
	tx: Executor,
	token: string,
	now = new Date(),
): Promise<{ id: string; userId: number } | null> {
	const parts = parseSessionToken(token);
	if (!parts) return null;
	const [row] = await tx
		.select()
		.from(signInChallengesTable)
		.where(eq(signInChallengesTable.id, parts.id));
	if (!row || !constantTimeEqual(sha256(parts.secret), row.secretHash)) return null;
	if (row.expiresAt <= now || row.attempts >= SIGN_IN_CHALLENGE_MAX_ATTEMPTS) {
		await invalidateSignInChallenge(tx, row.id);
		return null;
	}
	return { id: row.id, userId: row.userId };
}

/** Deletes the challenge; true only for the one caller that deleted it (single use). */
export async function invalidateSignInChallenge(tx: Executor, id: string): Promise<boolean> {
	const deleted = await tx
		.delete(signInChallengesTable)
		.where(eq(signInChallengesTable.id, id))
		.returning({ id: signInChallengesTable.id });
	return deleted.length === 1;
}

/** Counts a wrong code against the challenge. */
export async function countSignInChallengeAttempt(tx: Executor, id: string): Promise<void> {
	await tx
		.update(signInChallengesTable)
		.set({ attempts: sql`${signInChallengesTable.attempts} + 1` })
		.where(
			and(
				eq(signInChallengesTable.id, id),
				lt(signInChallengesTable.attempts, SIGN_IN_CHALLENGE_MAX_ATTEMPTS),
			),
		);
}
