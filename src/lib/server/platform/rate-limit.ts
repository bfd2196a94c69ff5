/**
 * Rate limits for access requests and staff sign-in, kept in the database (rate-limiter-flexible's Drizzle store) so
 * every instance counts together. Durations are in seconds, as the library expects.
 */
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../../../../db/client.ts';
import { rateLimitsTable } from '../../../../db/schema.ts';
import { sha256Hex } from './crypto.ts';

const HOUR_SECONDS = 60 * 60;

export type RateLimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

const limiters = new WeakMap<Database, Map<string, RateLimiterDrizzle>>();

function limiter(
	db: Database,
	keyPrefix: string,
	points: number,
	duration = HOUR_SECONDS,
): RateLimiterDrizzle {
	let byKey = limiters.get(db);
	if (!byKey) limiters.set(db, (byKey = new Map()));
	const id = `${keyPrefix}:${points}:${duration}`;
	let found = byKey.get(id);
	if (!found) {
		found = new RateLimiterDrizzle({
			storeClient: db,
			schema: rateLimitsTable,
			keyPrefix,
			points,
			duration,
			// Expired rows are overwritten in place; no background timer in CLI or tests.
			clearExpiredByTimeout: false,
		});
		byKey.set(id, found);
	}
	return found;
}

/** Counts one access request against its IP and its email; both must have room. */
export function consumeRequestLimits(
	db: Database,
	limits: { perIp: number; perEmail: number },
	who: { ip: string | null; email: string },
): Promise<RateLimitResult> {
	return consumeLimits(db, 'request', limits, who);
}

/** Counts one emailed sign-in link (a returning reviewer) against its IP and its email. */
export function consumeSignInLimits(
	db: Database,
	limits: { perIp: number; perEmail: number },
	who: { ip: string | null; email: string },
): Promise<RateLimitResult> {
	return consumeLimits(db, 'sign-in', limits, who);
}

/** Staff sign-in attempts are counted over 15 minutes. */
const STAFF_SIGN_IN_WINDOW_SECONDS = 15 * 60;

/**
 * Counts one staff sign-in attempt (password or code) against the account typed and the client
 * address, before the password is checked: counting first is atomic, so parallel guesses cannot
 * slip past the limit. A success hands the points back (`forgiveStaffSignIn`).
 */
export async function consumeStaffSignInLimits(
	db: Database,
	limits: { perAccount: number; perIp: number },
	who: { ip: string | null; email: string },
): Promise<RateLimitResult> {
	try {
		// The account key is the typed email, known or not, so the limit reveals no accounts.
		await limiter(db, 'staff-account', limits.perAccount, STAFF_SIGN_IN_WINDOW_SECONDS).consume(
			sha256Hex(who.email),
		);
		if (who.ip)
			await limiter(db, 'staff-ip', limits.perIp, STAFF_SIGN_IN_WINDOW_SECONDS).consume(who.ip);
		return { ok: true };
	} catch (error) {
		if (error instanceof RateLimiterRes)
			return { ok: false, retryAfterSeconds: Math.ceil(error.msBeforeNext / 1000) };
		throw error;
	}
}

/** After a successful sign-in: the attempt no longer counts against the account or the address. */
export async function forgiveStaffSignIn(
	db: Database,
	limits: { perAccount: number; perIp: number },
	who: { ip: string | null; email: string },
): Promise<void> {
	await limiter(db, 'staff-account', limits.perAccount, STAFF_SIGN_IN_WINDOW_SECONDS).delete(
		sha256Hex(who.email),
	);
	if (who.ip)
		await limiter(db, 'staff-ip', limits.perIp, STAFF_SIGN_IN_WINDOW_SECONDS).reward(who.ip, 1);
}

async function consumeLimits(
	db: Database,
	kind: 'request' | 'sign-in',
	limits: { perIp: number; perEmail: number },
	who: { ip: string | null; email: string },
): Promise<RateLimitResult> {
	try {
		// The email is hashed so the limiter table holds no addresses.
		await limiter(db, `${kind}-email`, limits.perEmail).consume(sha256Hex(who.email));
		if (who.ip) await limiter(db, `${kind}-ip`, limits.perIp).consume(who.ip);
		return { ok: true };
	} catch (error) {
		if (error instanceof RateLimiterRes)
			return { ok: false, retryAfterSeconds: Math.ceil(error.msBeforeNext / 1000) };
		throw error;
	}
}
