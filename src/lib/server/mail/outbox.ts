/**
 * Email through a transactional outbox: `enqueueEmail` renders a message and stores it in the
 * caller's transaction, so it exists exactly when the change it reports is committed; the sender
 * delivers stored messages through Resend (or, without RESEND_API_KEY, into the local outbox
 * folder) with retries, so a provider outage delays mail but loses none.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { render, toPlainText } from '@react-email/render';
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { createElement, type ComponentType } from 'react';
import { Resend } from 'resend';
import type { Database } from '../../../../db/client.ts';
import { emailsTable } from '../../../../db/schema.ts';
import AccessGranted, { type AccessGrantedProps } from '../../../../emails/access-granted.tsx';
import NdaReceipt, { type NdaReceiptProps } from '../../../../emails/nda-receipt.tsx';
import RequestReceived, { type RequestReceivedProps } from '../../../../emails/request-received.tsx';
import StaffReview, { type StaffReviewProps } from '../../../../emails/staff-review.tsx';
import VerifyEmail, { type VerifyEmailProps } from '../../../../emails/verify-email.tsx';
import type { Executor } from '../audit/audit.ts';
import type { Config } from '../platform/config.ts';

export type {
	AccessGrantedProps,
	NdaReceiptProps,
	RequestReceivedProps,
	StaffReviewProps,
	VerifyEmailProps,
};

export type EmailTemplate =
	'verify-email' | 'request-received' | 'access-granted' | 'nda-receipt' | 'staff-review';

export type EmailProps = {
	'verify-email': VerifyEmailProps;
	'request-received': RequestReceivedProps;
	'access-granted': AccessGrantedProps;
	'nda-receipt': NdaReceiptProps;
	'staff-review': StaffReviewProps;
};

export interface EmailAttachment {
	filename: string;
	contentType: string;
	content: Uint8Array;
}

export interface RenderedEmail {
	subject: string;
	html: string;
	text: string;
}

type StoredEmail = typeof emailsTable.$inferSelect;

/** After this many failed attempts an email is marked failed (the backoff spans about 3.7 h). */
export const MAX_EMAIL_ATTEMPTS = 8;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 60 * 60_000;
/** A claimed email is not due again for this long; it must outlast one send, timeout included. */
const CLAIM_LEASE_MS = 2 * 60_000;
const SEND_TIMEOUT_MS = 30_000;
/** Resend keeps idempotency keys for 24 h and accepts up to 256 characters. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 256;
const DEFAULT_BATCH = 50;
const HEADER_UNSAFE = /[\r\n]/;

const TEMPLATES: {
	[T in EmailTemplate]: {
		component: ComponentType<EmailProps[T]>;
		subject(props: EmailProps[T]): string;
	};
} = {
	'verify-email': {
		component: VerifyEmail,
		subject: (p) => `Confirm your email for the ${p.trustCenterName}`,
	},
	'request-received': {
		component: RequestReceived,
		subject: (p) => `We are reviewing your request to the ${p.trustCenterName}`,
	},
	'access-granted': {
		component: AccessGranted,
		subject: (p) => `Your documents from the ${p.trustCenterName} are ready`,
	},
	'nda-receipt': {
		component: NdaReceipt,
		subject: (p) => `Your receipt for the ${p.ndaTitle} (version ${p.ndaVersion})`,
	},
	'staff-review': {
		component: StaffReview,
		subject: (p) =>
			`Request #${p.requestId} from ${p.requesterName} (${p.requesterCompany}) waits for review`,
	},
};

/** Renders a template to its subject, HTML and plain-text versions. */
export async function renderEmail<T extends EmailTemplate>(
	template: T,
	props: EmailProps[T],
): Promise<RenderedEmail> {
	const entry = TEMPLATES[template] as (typeof TEMPLATES)[T] | undefined;
	if (!entry) throw new Error(`unknown email template "${template}"`);
	// React escapes every prop it renders as text or attribute, so user input cannot inject markup.
	const html = await render(createElement(entry.component, props));
	const text = toPlainText(html, {
		selectors: [
			{ selector: 'h1', options: { uppercase: false } },
			{
				selector: '[data-text-format="dataTable"]',
				format: 'dataTable',
				options: { uppercaseHeaderCells: false },
			},
		],
	});
	return { subject: entry.subject(props), html, text };
}

/** Renders and stores an email in the caller's transaction; nothing is sent here. */
export async function enqueueEmail<T extends EmailTemplate>(
	tx: Executor,
	config: Pick<Config, 'emailFrom'>,
	input: {
		to: string;
		template: T;
		props: EmailProps[T];
		attachments?: EmailAttachment[];
		idempotencyKey?: string;
	},
): Promise<{ id: number }> {
	// A CR or LF in a header line would let its value smuggle in other headers (Bcc:, a second To:).
	assertHeaderSafe('recipient', input.to);
	if (input.to.trim() === '') throw new Error('an email needs a recipient');
	const rendered = await renderEmail(input.template, input.props);
	assertHeaderSafe('subject', rendered.subject);
	const idempotencyKey = input.idempotencyKey ?? randomUUID();
	assertHeaderSafe('idempotency key', idempotencyKey);
	if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
		throw new Error(`an idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
	}
	const [row] = await tx
		.insert(emailsTable)
		.values({
			template: input.template,
			to: input.to,
			from: config.emailFrom,
			subject: rendered.subject,
			html: rendered.html,
			text: rendered.text,
			attachments: (input.attachments ?? []).map((a) => {
				assertHeaderSafe('attachment file name', a.filename);
				return {
					filename: a.filename,
					contentType: a.contentType,
					contentBase64: Buffer.from(a.content).toString('base64'),
				};
			}),
			idempotencyKey,
		})
		// The same key twice is the same email (a retried request): keep the first.
		.onConflictDoNothing({ target: emailsTable.idempotencyKey })
		.returning({ id: emailsTable.id });
	if (row) return row;
	const [existing] = await tx
		.select({ id: emailsTable.id })
		.from(emailsTable)
		.where(eq(emailsTable.idempotencyKey, idempotencyKey));
	if (!existing) throw new Error(`email with idempotency key ${idempotencyKey} vanished`);
	return existing;
}

type SendOutcome =
	| { ok: true; providerId: string | null }
	| { ok: false; error: string; permanent: boolean; retryAfterMs?: number };

type Transport = (email: StoredEmail) => Promise<SendOutcome>;

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
				console.error(`Email sender: delivery failed, retrying later: ${errorText(error)}`);
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

function createTransport(config: Config): Transport {
	if (!config.resendApiKey) return (email) => writeToOutbox(config.outboxDir, email);
	// Passed explicitly: the SDK would otherwise read RESEND_BASE_URL from the environment itself.
	const resend = new Resend(config.resendApiKey, { baseUrl: config.resendBaseUrl });
	return (email) => sendWithResend(resend, email);
}

/** Resend error names that say nothing is wrong with the email itself, so a retry can succeed. */
const TRANSIENT_RESEND_ERRORS = new Set([
	// The key is the operator's to fix; keep the mail until they do.
	'missing_api_key',
	'invalid_api_key',
	'restricted_api_key',
	'concurrent_idempotent_requests',
	'rate_limit_exceeded',
	'daily_quota_exceeded',
	'monthly_quota_exceeded',
]);

async function sendWithResend(resend: Resend, email: StoredEmail): Promise<SendOutcome> {
	const { data, error, headers } = await resend.emails.send(
		{
			from: email.from,
			to: email.to,
			subject: email.subject,
			html: email.html,
			text: email.text,
			attachments: email.attachments.map((a) => ({
				filename: a.filename,
				contentType: a.contentType,
				content: a.contentBase64,
			})),
		},
		// The same key on every attempt: if an earlier attempt reached Resend but its answer was
		// lost, Resend returns that email instead of sending a second one.
		{ idempotencyKey: email.idempotencyKey, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
	);
	if (!error) return { ok: true, providerId: data?.id ?? null };
	const status = typeof error.statusCode === 'number' ? error.statusCode : null;
	const permanent =
		status !== null &&
		status >= 400 &&
		status < 500 &&
		status !== 408 &&
		status !== 429 &&
		!TRANSIENT_RESEND_ERRORS.has(error.name);
	const retryAfter = Number(headers?.['retry-after']);
	return {
		ok: false,
		error: `Resend ${status ?? 'unreachable'}${error.name ? ` ${error.name}` : ''}: ${error.message}`,
		permanent,
		...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
	};
}

/** Development delivery: one JSON file per email, and the first link on the console. */
async function writeToOutbox(dir: string, email: StoredEmail): Promise<SendOutcome> {
	await mkdir(dir, { recursive: true });
	const stamp = email.createdAt.toISOString().replace(/[:.]/g, '-');
	// Names sort in the order the emails were queued.
	const file = join(dir, `${stamp}-${String(email.id).padStart(8, '0')}-${email.template}.json`);
	const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
	const message = {
		id: email.id,
		template: email.template,
		to: email.to,
		from: email.from,
		subject: email.subject,
		html: email.html,
		text: email.text,
		attachments: email.attachments,
		idempotencyKey: email.idempotencyKey,
		createdAt: email.createdAt.toISOString(),
	};
	try {
		// Owner-only: the files hold live sign-in links. Written then renamed, so a reader never
		// sees half a file.
		await writeFile(temp, `${JSON.stringify(message, null, '\t')}\n`, { mode: 0o600 });
		await rename(temp, file);
	} catch (error) {
		await rm(temp, { force: true });
		throw error;
	}
	const link = /https?:\/\/[^\s<>"')\]]+/.exec(email.text)?.[0];
	console.log(
		`Email to ${email.to} (${email.subject}) written to ${file}${link ? `; link: ${link}` : ''}`,
	);
	return { ok: true, providerId: null };
}

function assertHeaderSafe(what: string, value: string): void {
	if (HEADER_UNSAFE.test(value)) throw new Error(`the email ${what} contains a line break`);
}

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
