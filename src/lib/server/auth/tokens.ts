/**
 * Single-use tokens (magic links). 32 random bytes go to the user; only their SHA-256 is stored,
 * so a database leak cannot be replayed. The lookup is by that hash: a guess must match a
 * 256-bit preimage, so timing reveals nothing. Using one is an atomic update, so it works once.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import { accessRequestsTable, oneTimeTokensTable } from '../../../../db/schema.ts';
import { sha256 } from '../platform/crypto.ts';

export const MAGIC_LINK_TTL_MS = 30 * 60 * 1000;

/** `verify-email`: the first link, for a request; `sign-in`: a returning reviewer's link. */
export type TokenPurpose = 'verify-email' | 'sign-in';

export async function createOneTimeToken(
	tx: Executor,
	input: { purpose: TokenPurpose; requestId: number; ttlMs?: number; now?: Date },
): Promise<string> {
	const token = randomBytes(32).toString('base64url');
	const now = input.now ?? new Date();
	await tx.insert(oneTimeTokensTable).values({
		tokenHash: sha256(token),
		purpose: input.purpose,
		requestId: input.requestId,
		expiresAt: new Date(now.getTime() + (input.ttlMs ?? MAGIC_LINK_TTL_MS)),
		createdAt: now,
	});
	return token;
}

export type TokenResult =
	{ ok: true; requestId: number } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** Validates the token and marks it used, atomically: a second call for it gets `used`. */
export async function invalidateOneTimeToken(
	tx: Executor,
	token: string,
	purpose: TokenPurpose,
	now = new Date(),
): Promise<TokenResult> {
	const valid = await findOneTimeToken(tx, token, purpose, now);
	if (!valid.ok) return valid;
	const used = await tx
		.update(oneTimeTokensTable)
		.set({ usedAt: now })
		.where(and(eq(oneTimeTokensTable.id, valid.id), isNull(oneTimeTokensTable.usedAt)))
		.returning({ id: oneTimeTokensTable.id });
	// Lost a race with a concurrent use of the same token.
	if (used.length === 0) return { ok: false, reason: 'used' };
	return { ok: true, requestId: valid.requestId };
}

/** Whether a token would be accepted now, without using it (the GET of a magic link). */
export async function validateOneTimeToken(
	tx: Executor,
	token: string,
	purpose: TokenPurpose,
	now = new Date(),
): Promise<TokenResult> {
	const valid = await findOneTimeToken(tx, token, purpose, now);
	return valid.ok ? { ok: true, requestId: valid.requestId } : valid;
}

async function findOneTimeToken(
	tx: Executor,
	token: string,
	purpose: TokenPurpose,
	now: Date,
): Promise<{ ok: true; id: number; requestId: number } | Extract<TokenResult, { ok: false }>> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'invalid' };
	const [row] = await tx
		.select()
		.from(oneTimeTokensTable)
		.where(
			and(eq(oneTimeTokensTable.tokenHash, sha256(token)), eq(oneTimeTokensTable.purpose, purpose)),
		);
	if (!row || row.requestId === null) return { ok: false, reason: 'invalid' };
	if (row.usedAt) return { ok: false, reason: 'used' };
	if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
	return { ok: true, id: row.id, requestId: row.requestId };
}

/** The requester a (used or unused) magic link belongs to, or null for an unknown token. */
export async function getTokenRequester(tx: Executor, token: string): Promise<number | null> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
	const [row] = await tx
		.select({ requesterId: accessRequestsTable.requesterId })
		.from(oneTimeTokensTable)
		.innerJoin(accessRequestsTable, eq(accessRequestsTable.id, oneTimeTokensTable.requestId))
		.where(eq(oneTimeTokensTable.tokenHash, sha256(token)));
	return row?.requesterId ?? null;
}
