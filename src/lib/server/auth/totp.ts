/**
 * Optional TOTP (RFC 6238: 6 digits, 30 s) as a second sign-in step: enrolment shows a key, a
 * code from the authenticator confirms it, and each code is accepted once. An admin may require
 * it of every staff member.
 */
import { randomBytes } from 'node:crypto';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';
import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { constantTimeEqual } from '../platform/crypto.ts';
import { getSetting, setSetting } from '../platform/settings.ts';
import { invalidateUserSessions } from './auth-session.ts';
import { verifyPasswordHash } from './password.ts';
import type { User } from './users.ts';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side: a phone clock a little off, or a code typed as it turns over. */
const WINDOW_STEPS = 1;

export const TOTP_REQUIRED = 'staff.require_totp';

/** Which time step a code belongs to, if it is right and newer than the last one used; else null. */
export function verifyTotpCode(
	key: Uint8Array,
	code: string,
	lastCounter: number | null,
	now = new Date(),
): number | null {
	const typed = code.replace(/\s+/g, '');
	if (!/^\d{6}$/.test(typed)) return null;
	const current = Math.floor(now.getTime() / 1000 / PERIOD_SECONDS);
	let matched: number | null = null;
	// Every candidate is computed and compared, in constant time, whatever matches first.
	for (let step = current - WINDOW_STEPS; step <= current + WINDOW_STEPS; step++) {
		const expected = generateHOTP(key, BigInt(step), DIGITS);
		if (constantTimeEqual(Buffer.from(expected), Buffer.from(typed))) matched = step;
	}
	// A code already used (or an older one) is refused: someone may have seen it typed.
	if (matched === null || (lastCounter !== null && matched <= lastCounter)) return null;
	return matched;
}

/** The code an authenticator shows now (tests and the enrolment check use it). */
export function generateTotpCode(key: Uint8Array, now = new Date()): string {
	return generateHOTP(key, BigInt(Math.floor(now.getTime() / 1000 / PERIOD_SECONDS)), DIGITS);
}

export interface TotpEnrolment {
	/** The key in base32, in groups of four, for typing into an authenticator. */
	secret: string;
	/** otpauth:// URI, for authenticators that take a link or a QR code made from it. */
	uri: string;
}

function enrolmentOf(key: Uint8Array, issuer: string, email: string): TotpEnrolment {
	return {
		secret: encodeBase32UpperCaseNoPadding(key).replace(/(.{4})(?!$)/g, '$1 '),
		uri: createTOTPKeyURI(issuer, email, key, PERIOD_SECONDS, DIGITS),
	};
}

/** Makes a new key for `user` to confirm; a key shown before and never confirmed is replaced. */
export async function startTotpEnrolment(
	db: Database,
	user: User,
	issuer: string,
): Promise<TotpEnrolment> {
	// 160 bits, the size RFC 4226 recommends for HMAC-SHA1.
	const key = new Uint8Array(randomBytes(20));
	await db.update(usersTable).set({ totpPendingKey: key }).where(eq(usersTable.id, user.id));
	return enrolmentOf(key, issuer, user.email);
}

/** The key waiting for confirmation, if enrolment was started. */
export async function getTotpEnrolment(
	db: Database,
	user: User,
	issuer: string,
): Promise<TotpEnrolment | null> {
	const [row] = await db
		.select({ key: usersTable.totpPendingKey })
		.from(usersTable)
		.where(eq(usersTable.id, user.id));
	return row?.key ? enrolmentOf(row.key, issuer, user.email) : null;
}

export type TotpChangeResult = { ok: true } | { ok: false; message: string };

/** Turns TOTP on once a code from the new key is right. */
export async function confirmTotpEnrolment(
	db: Database,
	user: User,
	code: string,
	now = new Date(),
): Promise<TotpChangeResult> {
	return db.transaction(async (tx) => {
		const [row] = await tx
			.select({ key: usersTable.totpPendingKey })
			.from(usersTable)
			.where(eq(usersTable.id, user.id));
		if (!row?.key)
			return { ok: false, message: 'Start again: press "Set up two-step sign-in" for a new key.' };
		const counter = verifyTotpCode(row.key, code, null, now);
		if (counter === null)
			return {
				ok: false,
				message:
					'That code is not right. Type the 6 digits your authenticator shows now for this key.',
			};
		await tx
			.update(usersTable)
			.set({ totpKey: row.key, totpPendingKey: null, totpLastCounter: counter })
			.where(eq(usersTable.id, user.id));
		await appendAuditEvent(tx, {
			type: 'staff.totp_enabled',
			actor: `user:${user.id}`,
			subject: `user:${user.id}`,
		});
		return { ok: true };
	});
}

/** Turns TOTP off, after the current password; refused while an admin requires it. */
export async function disableTotp(
	db: Database,
	user: User,
	password: string,
): Promise<TotpChangeResult> {
	if (await getTotpRequired(db))
		return {
			ok: false,
			message: 'An admin requires two-step sign-in for all staff, so it cannot be turned off.',
		};
	const [row] = await db
		.select({ passwordHash: usersTable.passwordHash })
		.from(usersTable)
		.where(eq(usersTable.id, user.id));
	if (!row || !(await verifyPasswordHash(row.passwordHash, password.slice(0, 1024))))
		return { ok: false, message: 'Your current password is not right. Type it again.' };
	await db.transaction(async (tx) => {
		await tx
			.update(usersTable)
			.set({ totpKey: null, totpPendingKey: null, totpLastCounter: null })
			.where(eq(usersTable.id, user.id));
		await appendAuditEvent(tx, {
			type: 'staff.totp_disabled',
			actor: `user:${user.id}`,
			subject: `user:${user.id}`,
		});
	});
	return { ok: true };
}

/**
 * Checks a sign-in code for `userId` and records its step, atomically: of two requests with the
 * same code, only one moves the counter on.
 */
export async function useTotpCode(
	tx: Executor,
	userId: number,
	code: string,
	now = new Date(),
): Promise<boolean> {
	const [row] = await tx
		.select({ key: usersTable.totpKey, last: usersTable.totpLastCounter })
		.from(usersTable)
		.where(eq(usersTable.id, userId));
	if (!row?.key) return false;
	const counter = verifyTotpCode(row.key, code, row.last, now);
	if (counter === null) return false;
	const moved = await tx
		.update(usersTable)
		.set({ totpLastCounter: counter })
		.where(
			and(
				eq(usersTable.id, userId),
				isNotNull(usersTable.totpKey),
				or(isNull(usersTable.totpLastCounter), lt(usersTable.totpLastCounter, counter)),
			),
		)
		.returning({ id: usersTable.id });
	return moved.length === 1;
}

export async function getTotpRequired(db: Executor): Promise<boolean> {
	return (await getSetting<boolean>(db, TOTP_REQUIRED)) === true;
}

/** The admin setting "require two-step sign-in for all staff". */
export async function setTotpRequired(db: Database, actor: User, required: boolean): Promise<void> {
	await db.transaction(async (tx) => {
		await setSetting(tx, TOTP_REQUIRED, required);
		await appendAuditEvent(tx, {
			type: 'settings.totp_required',
			actor: `user:${actor.id}`,
			data: { required },
		});
	});
}

/** An admin turns off someone's TOTP (a lost phone); their sessions end, they enrol again. */
export async function resetUserTotp(
	db: Database,
	actor: User,
	userId: number,
): Promise<{ ok: boolean }> {
	return db.transaction(async (tx) => {
		const reset = await tx
			.update(usersTable)
			.set({ totpKey: null, totpPendingKey: null, totpLastCounter: null })
			.where(and(eq(usersTable.id, userId), isNotNull(usersTable.totpKey)))
			.returning({ id: usersTable.id });
		if (reset.length === 0) return { ok: false };
		await invalidateUserSessions(tx, userId);
		await appendAuditEvent(tx, {
			type: 'staff.totp_reset',
			actor: `user:${actor.id}`,
			subject: `user:${userId}`,
		});
		return { ok: true };
	});
}
