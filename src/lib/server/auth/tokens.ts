/**
 * Single-use tokens (magic links). 32 random bytes go to the user; only their SHA-256 is stored,
 * so a database leak cannot be replayed. The lookup is by that hash: a guess must match a
 * 256-bit preimage, so timing reveals nothing. Using one is an atomic update, so it works once.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { oneTimeTokensTable } from '../../../../db/schema.ts';
import type { Executor } from '../audit/audit.ts';
import { sha256 } from '../platform/crypto.ts';

export const MAGIC_LINK_TTL_MS = 30 * 60 * 1000;

export type TokenPurpose = 'verify-email';

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

export type ConsumeTokenResult =
	{ ok: true; requestId: number } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** Marks the token used if it is valid; a second call for the same token gets `used`. */
export async function consumeOneTimeToken(
	tx: Executor,
	token: string,
	purpose: TokenPurpose,
	now = new Date(),
): Promise<ConsumeTokenResult> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'invalid' };
	const hash = sha256(token);
	const [row] = await tx
		.select()
		.from(oneTimeTokensTable)
		.where(and(eq(oneTimeTokensTable.tokenHash, hash), eq(oneTimeTokensTable.purpose, purpose)));
	if (!row || row.requestId === null) return { ok: false, reason: 'invalid' };
	if (row.usedAt) return { ok: false, reason: 'used' };
	if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
	const used = await tx
		.update(oneTimeTokensTable)
		.set({ usedAt: now })
		.where(and(eq(oneTimeTokensTable.id, row.id), isNull(oneTimeTokensTable.usedAt)))
		.returning({ id: oneTimeTokensTable.id });
	// Lost a race with a concurrent use of the same token.
	if (used.length === 0) return { ok: false, reason: 'used' };
	return { ok: true, requestId: row.requestId };
}

/** Whether a token would be accepted now, without using it (the GET of a magic link). */
export async function peekOneTimeToken(
	tx: Executor,
	token: string,
	purpose: TokenPurpose,
	now = new Date(),
): Promise<ConsumeTokenResult> {
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
	return { ok: true, requestId: row.requestId };
}
