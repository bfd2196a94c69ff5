/** The sender: delivers stored emails with retries and exponential backoff, one claim at a time. */
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { emailsTable } from '../../../../db/schema.ts';
import type { Config } from '../platform/config.ts';
import { isDatabaseUnavailable } from '../platform/database.ts';
import type { StoredEmail } from './outbox.ts';
import { createTransport, errorText, type SendOutcome } from './transports.ts';

/** After this many failed attempts an email is marked failed (the backoff spans about 3.7 h). */
export const MAX_EMAIL_ATTEMPTS = 8;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 60 * 60_000;
/** A claimed email is not due again for this long; it must outlast one send, timeout included. */
const CLAIM_LEASE_MS = 2 * 60_000;
const DEFAULT_BATCH = 50;

/** Delivers due emails (status pending, nextAttemptAt <= now), with retries and exponential backoff. */
export async function deliverPendingEmails(
	db: Database,
	config: Config,
	options: { now?: Date; limit?: number } = {},
): Promise<{ sent: number; retrying: number; failed: number }> {
	const now = options.now ?? new Date();
	const limit = options.limit ?? DEFAULT_BATCH;
	const transport = createTransport(config);
	const result = { sent: 0, retrying: 0, failed: 0 };
	// One email per claim, so a lease only has to outlast one send.
	for (let i = 0; i < limit; i++) {
		const email = await claimNextEmail(db, now);
		if (!email) break;
		let outcome: SendOutcome;
		try {
			outcome = await transport(email);
		} catch (error) {
			outcome = { ok: false, error: errorText(error), permanent: false };
		}
		result[await recordOutcome(db, email, outcome, now)]++;
	}
	return result;
}

/** A background loop for the server process; `kick()` delivers soon after a new email. */
export function startEmailSender(
	db: Database,
	config: Config,
	options: { intervalMs?: number } = {},
): { kick(): void; stop(): Promise<void> } {
	const intervalMs = options.intervalMs ?? 15_000;
	let stopped = false;
	let running: Promise<void> | null = null;
	let again = false;
	let timer: NodeJS.Timeout | undefined;
	let lastOutageReport = 0;

	const schedule = (delayMs: number) => {
		clearTimeout(timer);
		timer = setTimeout(run, delayMs);
		// The loop never keeps a process alive on its own.
		timer.unref();
	};
	const run = () => {
		if (stopped) return;
		if (running) {
			again = true;
			return;
		}
		running = (async () => {
			try {
				do {
					again = false;
					const { sent, retrying, failed } = await deliverPendingEmails(db, config, {
						limit: DEFAULT_BATCH,
					});
					// A full batch means more may be waiting.
					if (sent + retrying + failed === DEFAULT_BATCH) again = true;
				} while (again && !stopped);
			} catch (error) {
				// While the database is away every pass fails: say so once a minute, not every pass.
				if (!isDatabaseUnavailable(error) || Date.now() - lastOutageReport > 60_000) {
					if (isDatabaseUnavailable(error)) lastOutageReport = Date.now();
					console.error(`Email sender: delivery failed, retrying later: ${errorText(error)}`);
				}
			} finally {
				running = null;
				if (!stopped) schedule(intervalMs);
			}
		})();
	};

	schedule(0);
	return {
		kick() {
			if (stopped) return;
			if (running) again = true;
			// A short delay lets several emails from one request go out in one pass.
			else schedule(50);
		},
		async stop() {
			stopped = true;
			clearTimeout(timer);
			await running;
		},
	};
}

/**
 * Claims the oldest due email by pushing its next attempt past a lease. SKIP LOCKED lets two
 * senders claim different rows at once instead of both taking (and sending) the same one.
 */
async function claimNextEmail(db: Database, now: Date): Promise<StoredEmail | null> {
	const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS);
	return db.transaction(async (tx) => {
		const [due] = await tx
			.select()
			.from(emailsTable)
			.where(and(eq(emailsTable.status, 'pending'), lte(emailsTable.nextAttemptAt, now)))
			.orderBy(asc(emailsTable.nextAttemptAt), asc(emailsTable.id))
			.limit(1)
			.for('update', { skipLocked: true });
		if (!due) return null;
		// Counted at claim time, so an email that crashes the sender cannot be retried forever.
		const [claimed] = await tx
			.update(emailsTable)
			.set({ attempts: sql`${emailsTable.attempts} + 1`, nextAttemptAt: leaseUntil })
			.where(eq(emailsTable.id, due.id))
			.returning();
		return claimed ?? null;
	});
}

async function recordOutcome(
	db: Database,
	email: StoredEmail,
	outcome: SendOutcome,
	now: Date,
): Promise<'sent' | 'retrying' | 'failed'> {
	// Only while our lease holds: if it ran out and another sender took over, its result stands.
	const stillOurs = and(
		eq(emailsTable.id, email.id),
		eq(emailsTable.status, 'pending'),
		eq(emailsTable.nextAttemptAt, email.nextAttemptAt),
	);
	if (outcome.ok) {
		await db
			.update(emailsTable)
			.set({ status: 'sent', sentAt: now, providerId: outcome.providerId, lastError: null })
			.where(stillOurs);
		return 'sent';
	}
	const giveUp = outcome.permanent || email.attempts >= MAX_EMAIL_ATTEMPTS;
	const delayMs = Math.max(retryDelayMs(email.attempts), outcome.retryAfterMs ?? 0);
	const nextAttemptAt = new Date(now.getTime() + Math.min(delayMs, MAX_RETRY_MS));
	await db
		.update(emailsTable)
		.set(
			giveUp
				? { status: 'failed', lastError: outcome.error }
				: { lastError: outcome.error, nextAttemptAt },
		)
		.where(stillOurs);
	console.error(
		`Email ${email.id} (${email.template}) to ${email.to}: attempt ${email.attempts} failed: ${outcome.error}; ` +
			(giveUp
				? outcome.permanent
					? 'not retrying (the provider refused this email)'
					: `giving up after ${email.attempts} attempts`
				: `retrying at ${nextAttemptAt.toISOString()}`),
	);
	return giveUp ? 'failed' : 'retrying';
}

/** 30 s, 2 min, 8 min, 32 min, then hourly. */
function retryDelayMs(attempts: number): number {
	return Math.min(FIRST_RETRY_MS * 4 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}
