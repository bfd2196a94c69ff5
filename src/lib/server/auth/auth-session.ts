/**
 * Staff sessions, after Lucia's design (lucia-auth.com/sessions/basic): the token is
 * `<id>.<secret>`, the database keeps only the SHA-256 of the secret, and the secret is compared in
 * constant time. A stolen database therefore yields no usable session.
 */
import { randomBytes } from 'node:crypto';
import { eq, lte, or } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { authSessionsTable, usersTable } from '../../../../db/schema.ts';
import { constantTimeEqual, sha256 } from '../platform/crypto.ts';
import type { User } from './users.ts';

/** A session ends after this long without use (STAFF_SESSION_IDLE_MINUTES)... */
export const SESSION_INACTIVITY_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** ...and in any case this long after sign-in (STAFF_SESSION_MAX_HOURS), so a stolen cookie cannot live forever. */
export const SESSION_ABSOLUTE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;

export interface SessionTimeouts {
	idleMs: number;
	maxMs: number;
}

const DEFAULT_TIMEOUTS: SessionTimeouts = {
	idleMs: SESSION_INACTIVITY_TIMEOUT_MS,
	maxMs: SESSION_ABSOLUTE_TIMEOUT_MS,
};
/** Refresh last-use at most this often, to spare a write per request. */
const ACTIVITY_CHECK_INTERVAL_MS = 5 * 60 * 1000;

export interface AuthSession {
	id: string;
	userId: number;
	createdAt: Date;
	lastVerifiedAt: Date;
}

export type SessionValidationResult =
	{ session: AuthSession; user: User } | { session: null; user: null };

/** A new random token: 120-bit id, 256-bit secret, both base32 (lower case, cookie-safe). */
export function generateSessionToken(): { id: string; secret: string; token: string } {
	const id = base32(randomBytes(15));
	const secret = base32(randomBytes(32));
	return { id, secret, token: `${id}.${secret}` };
}

/** `<id>.<secret>` → its parts, or null for anything else. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
	const [id, secret, extra] = token.split('.');
	if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 128) return null;
	return { id, secret };
}

export async function createSession(
	db: Executor,
	userId: number,
	now = new Date(),
): Promise<{ session: AuthSession; token: string }> {
	const { id, secret, token } = generateSessionToken();
	await db
		.insert(authSessionsTable)
		.values({ id, secretHash: sha256(secret), userId, createdAt: now, lastVerifiedAt: now });
	return { session: { id, userId, createdAt: now, lastVerifiedAt: now }, token };
}

/** Checks a token from a cookie; refreshes last use; deletes expired sessions it meets. */
export async function validateSessionToken(
	db: Database,
	token: string,
	now = new Date(),
	timeouts: SessionTimeouts = DEFAULT_TIMEOUTS,
): Promise<SessionValidationResult> {
	const none = { session: null, user: null } as const;
	const parts = parseSessionToken(token);
	if (!parts) return none;
	const { id, secret } = parts;
	const [row] = await db
		.select({
			id: authSessionsTable.id,
			secretHash: authSessionsTable.secretHash,
			userId: authSessionsTable.userId,
			createdAt: authSessionsTable.createdAt,
			lastVerifiedAt: authSessionsTable.lastVerifiedAt,
			email: usersTable.email,
			name: usersTable.name,
			role: usersTable.role,
			disabledAt: usersTable.disabledAt,
			totpKey: usersTable.totpKey,
		})
		.from(authSessionsTable)
		.innerJoin(usersTable, eq(usersTable.id, authSessionsTable.userId))
		.where(eq(authSessionsTable.id, id));
	if (!row) return none;
	// Compare hashes in constant time: the id is public, the secret must not leak through timing.
	if (!constantTimeEqual(sha256(secret), row.secretHash)) return none;
	const idle = now.getTime() - row.lastVerifiedAt.getTime();
	const age = now.getTime() - row.createdAt.getTime();
	if (idle >= timeouts.idleMs || age >= timeouts.maxMs || row.disabledAt) {
		await invalidateSession(db, id);
		return none;
	}
	let lastVerifiedAt = row.lastVerifiedAt;
	if (idle >= Math.min(ACTIVITY_CHECK_INTERVAL_MS, timeouts.idleMs / 10)) {
		lastVerifiedAt = now;
		await db.update(authSessionsTable).set({ lastVerifiedAt }).where(eq(authSessionsTable.id, id));
	}
	return {
		session: { id, userId: row.userId, createdAt: row.createdAt, lastVerifiedAt },
		user: {
			id: row.userId,
			email: row.email,
			name: row.name,
			role: row.role,
			totpEnabled: row.totpKey !== null,
		},
	};
}

/**
 * Deletes the staff sessions past their idle or absolute limit. Validation deletes an expired
 * session it meets; one whose cookie never comes back would otherwise stay for good, its secret's
 * hash and its user's id with it. Returns how many went.
 */
export async function deleteExpiredSessions(
	db: Executor,
	now = new Date(),
	timeouts: SessionTimeouts = DEFAULT_TIMEOUTS,
): Promise<number> {
	const gone = await db
		.delete(authSessionsTable)
		.where(
			or(
				lte(authSessionsTable.lastVerifiedAt, new Date(now.getTime() - timeouts.idleMs)),
				lte(authSessionsTable.createdAt, new Date(now.getTime() - timeouts.maxMs)),
			),
		)
		.returning({ id: authSessionsTable.id });
	return gone.length;
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
	await db.delete(authSessionsTable).where(eq(authSessionsTable.id, sessionId));
}

/** Ends every session of one user: sign-out everywhere, a new password, a new role, disabling. */
export async function invalidateUserSessions(db: Executor, userId: number): Promise<void> {
	await db.delete(authSessionsTable).where(eq(authSessionsTable.userId, userId));
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function base32(bytes: Uint8Array): string {
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += BASE32[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
	return out;
}
