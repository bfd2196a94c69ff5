/**
 * Requester sessions (reviewers at prospects), separate from staff sessions: their own cookie,
 * the same token design (`<id>.<secret>`, only the secret's SHA-256 stored, constant-time check).
 */
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { requesterSessionsTable, requestersTable } from '../../../../db/schema.ts';
import { generateSessionToken, parseSessionToken } from './auth-session.ts';
import { constantTimeEqual, sha256 } from '../platform/crypto.ts';

export const REQUESTER_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface Requester {
	id: number;
	email: string;
	name: string;
	company: string;
	title: string | null;
}

export async function createRequesterSession(
	tx: Executor,
	requesterId: number,
	now = new Date(),
): Promise<string> {
	const { id, secret, token } = generateSessionToken();
	await tx.insert(requesterSessionsTable).values({
		id,
		secretHash: sha256(secret),
		requesterId,
		createdAt: now,
		expiresAt: new Date(now.getTime() + REQUESTER_SESSION_TTL_MS),
	});
	return token;
}

export async function validateRequesterSessionToken(
	db: Database,
	token: string,
	now = new Date(),
): Promise<{ sessionId: string; requester: Requester } | null> {
	const parts = parseSessionToken(token);
	if (!parts) return null;
	const { id, secret } = parts;
	const [row] = await db
		.select({
			secretHash: requesterSessionsTable.secretHash,
			id: requestersTable.id,
			email: requestersTable.email,
			name: requestersTable.name,
			company: requestersTable.company,
			title: requestersTable.title,
		})
		.from(requesterSessionsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, requesterSessionsTable.requesterId))
		.where(and(eq(requesterSessionsTable.id, id), gt(requesterSessionsTable.expiresAt, now)));
	// The id is public; the secret is checked in constant time against its stored hash.
	if (!row || !constantTimeEqual(sha256(secret), row.secretHash)) return null;
	const { secretHash: _hash, ...requester } = row;
	return { sessionId: id, requester };
}

/** Deletes the reviewers' sessions past their expiry (never valid again); returns how many. */
export async function deleteExpiredRequesterSessions(
	db: Executor,
	now = new Date(),
): Promise<number> {
	const gone = await db
		.delete(requesterSessionsTable)
		.where(lte(requesterSessionsTable.expiresAt, now))
		.returning({ id: requesterSessionsTable.id });
	return gone.length;
}

export async function invalidateRequesterSession(db: Database, sessionId: string): Promise<void> {
	await db.delete(requesterSessionsTable).where(eq(requesterSessionsTable.id, sessionId));
}
