/**
 * Staff notifications to Slack (SLACK_WEBHOOK_URL): stored in the same outbox as email, in the
 * caller's transaction, and delivered by the same sender with its retries and backoff, so a Slack
 * outage never blocks or fails the request that caused the message.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../../../../db/client.ts';
import { emailsTable } from '../../../../db/schema.ts';
import type { Config } from '../platform/config.ts';
import type { StoredEmail } from './outbox.ts';
import type { SendOutcome } from './transports.ts';

const SEND_TIMEOUT_MS = 15_000;
/** Slack truncates long messages; keep ours well inside its limit. */
const MAX_TEXT = 3000;

/** Queues a Slack message when SLACK_WEBHOOK_URL is set (nothing otherwise); returns its row id. */
export async function enqueueSlackMessage(
	tx: Executor,
	config: Pick<Config, 'slackWebhookUrl'>,
	input: { kind: string; text: string },
): Promise<{ id: number } | null> {
	if (!config.slackWebhookUrl) return null;
	const text = input.text.slice(0, MAX_TEXT);
	const [row] = await tx
		.insert(emailsTable)
		.values({
			channel: 'slack',
			template: `slack:${input.kind}`,
			// The webhook URL is a secret: it stays in the environment, never in the database.
			to: 'slack',
			from: 'trustroom',
			subject: text.split('\n')[0]!.slice(0, 200),
			html: '',
			text,
			idempotencyKey: randomUUID(),
		})
		.returning({ id: emailsTable.id });
	return row ?? null;
}

/** Slack's markup treats &, < and > specially: escape what users typed. */
export function slackEscape(value: string): string {
	return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Posts one stored message to the webhook; 5xx, 429 and network errors are retried. */
export async function postToSlack(
	webhookUrl: string | null,
	message: Pick<StoredEmail, 'text'>,
): Promise<SendOutcome> {
	if (!webhookUrl)
		return {
			ok: false,
			error: 'SLACK_WEBHOOK_URL is no longer set; this Slack message cannot be delivered',
			permanent: true,
		};
	let response: Response;
	try {
		response = await fetch(webhookUrl, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ text: message.text }),
			signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
		});
	} catch (error) {
		return { ok: false, error: `Slack unreachable: ${String(error)}`, permanent: false };
	}
	const body = (await response.text().catch(() => '')).slice(0, 200);
	if (response.ok) return { ok: true, providerId: null };
	const retryAfter = Number(response.headers.get('retry-after'));
	// 4xx other than 408/429 (no_service, invalid_token, ...) will not get better by retrying.
	const permanent =
		response.status >= 400 &&
		response.status < 500 &&
		response.status !== 408 &&
		response.status !== 429;
	return {
		ok: false,
		error: `Slack ${response.status}: ${body}`,
		permanent,
		...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
	};
}
