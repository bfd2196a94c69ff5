/** Where stored emails go: Resend's API, or without RESEND_API_KEY one JSON file each in the outbox folder. */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Resend } from 'resend';
import type { Config } from '../platform/config.ts';
import type { StoredEmail } from './outbox.ts';
import { postToSlack } from './slack.ts';

const SEND_TIMEOUT_MS = 30_000;

export type SendOutcome =
	| { ok: true; providerId: string | null }
	| { ok: false; error: string; permanent: boolean; retryAfterMs?: number };

export type Transport = (email: StoredEmail) => Promise<SendOutcome>;

/** One transport for the outbox's rows: Slack messages to the webhook, emails to Resend or the folder. */
export function createTransport(config: Config): Transport {
	const mail = createMailTransport(config);
	return (message) =>
		message.channel === 'slack' ? postToSlack(config.slackWebhookUrl, message) : mail(message);
}

function createMailTransport(config: Config): Transport {
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
			...(email.replyTo ? { replyTo: email.replyTo } : {}),
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
		replyTo: email.replyTo,
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

export function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
