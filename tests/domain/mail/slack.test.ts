/** Slack notifications through the outbox: queued with the change, delivered with retries. */
import { eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { emailsTable } from '../../../db/schema.ts';
import { enqueueSlackMessage } from '../../../src/lib/server/mail/slack.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { createNdaClaim } from '../../../src/lib/server/requests/nda.ts';
import { createAccessRequest } from '../../../src/lib/server/requests/requests.ts';
import { validateEmailLink } from '../../../src/lib/server/requests/verification.ts';
import { validateRequesterSessionToken } from '../../../src/lib/server/auth/requester-session.ts';
import { deliverPendingEmails } from '../../../src/lib/server/mail/sender.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import { databases } from '../../helpers/db.ts';
import { startSlackServer, type SlackServer } from '../../helpers/slack-server.ts';

const outbox = mkdtempSync(join(tmpdir(), 'trustroom-slack-'));
afterAll(() => rmSync(outbox, { recursive: true, force: true }));

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

	it('posts a request waiting for review, and the Slack message leaves with the next delivery', async () => {
		await syncContent(handle.db, readTrustContent('src/content'));
		const config = loadConfig({ SLACK_WEBHOOK_URL: slack.url, OUTBOX_DIR: outbox });
		const ctx = { db: handle.db, config, companyName: 'Kestrel Analytics' };
		const meta = { ip: '203.0.113.5', userAgent: 'Vitest' };
		await createAccessRequest(
			ctx,
			{
				name: 'Rex Review',
				email: 'rex@review.example',
				company: 'Review Co',
				title: 'CISO',
				reason: '',
				documents: ['soc2-type2-2025'],
			},
			meta,
		);
		const [mail] = await handle.db
			.select()
			.from(emailsTable)
			.where(eq(emailsTable.to, 'rex@review.example'));
		const token = /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(mail!.text)![1]!;
		const verified = await validateEmailLink(ctx, token, meta);
		if (!verified.ok) throw new Error(verified.reason);
		const session = await validateRequesterSessionToken(handle.db, verified.sessionToken);
		// An NDA-on-file claim always goes to staff review.
		await createNdaClaim(ctx, session!.requester, { reference: 'MSA-1', signedOn: null }, meta);
		const before = slack.received.length;
		await deliverPendingEmails(handle.db, config, { now: new Date(Date.now() + 3_600_000) });
		const posted = slack.received.slice(before).map((r) => r.body?.text ?? '');
		expect(
			posted.some((text) =>
				/Rex Review &lt;rex@review\.example&gt; \(Review Co\) waits for review/.test(text),
			),
		).toBe(true);
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
