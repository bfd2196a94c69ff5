/** Slack notifications through the outbox: queued with the change, delivered with retries. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { emailsTable } from '../../../db/schema.ts';
import { enqueueSlackMessage } from '../../../src/lib/server/mail/slack.ts';
import { deliverPendingEmails } from '../../../src/lib/server/mail/sender.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import { databases } from '../../helpers/db.ts';
import { startSlackServer, type SlackServer } from '../../helpers/slack-server.ts';

describe.each(databases())('Slack messages on %s', (backend) => {
	let handle: DatabaseHandle;
	let slack: SlackServer;

	beforeAll(async () => {
		handle = await backend.open();
		slack = await startSlackServer();
	});
	afterAll(async () => {
		await slack?.close();
		await handle?.close();
	});

	const row = async (id: number) =>
		(await handle.db.select().from(emailsTable).where(eq(emailsTable.id, id)))[0]!;

	it('queues nothing without SLACK_WEBHOOK_URL', async () => {
		const queued = await handle.db.transaction((tx) =>
			enqueueSlackMessage(tx, loadConfig({}), { kind: 'review', text: 'hello' }),
		);
		expect(queued).toBeNull();
	});

	it('retries after a failure, with backoff, then delivers once', async () => {
		const config = loadConfig({ SLACK_WEBHOOK_URL: slack.url });
		const queued = (await handle.db.transaction((tx) =>
			enqueueSlackMessage(tx, config, {
				kind: 'download',
				text: 'Jane downloaded the SOC 2 report',
			}),
		))!;
		expect((await row(queued.id)).to).toBe('slack');
		slack.queue(503);
		const now = new Date();
		expect(await deliverPendingEmails(handle.db, config, { now })).toEqual({
			sent: 0,
			retrying: 1,
			failed: 0,
		});
		const waiting = await row(queued.id);
		expect(waiting.status).toBe('pending');
		expect(waiting.lastError).toContain('Slack 503');
		expect(waiting.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(now.getTime() + 30_000);
		// Not due again before its backoff has passed.
		expect((await deliverPendingEmails(handle.db, config, { now })).sent).toBe(0);
		const later = new Date(now.getTime() + 60_000);
		expect((await deliverPendingEmails(handle.db, config, { now: later })).sent).toBe(1);
		expect((await row(queued.id)).status).toBe('sent');
		expect(slack.received.map((r) => [r.status, r.body?.text])).toEqual([
			[503, 'Jane downloaded the SOC 2 report'],
			[200, 'Jane downloaded the SOC 2 report'],
		]);
	});

	it('gives up at once on a 404 (the webhook was removed), keeping the error', async () => {
		const config = loadConfig({ SLACK_WEBHOOK_URL: slack.url });
		const queued = (await handle.db.transaction((tx) =>
			enqueueSlackMessage(tx, config, { kind: 'review', text: 'gone' }),
		))!;
		slack.queue(404);
		expect((await deliverPendingEmails(handle.db, config, { now: new Date() })).failed).toBe(1);
		expect((await row(queued.id)).status).toBe('failed');
	});
});
