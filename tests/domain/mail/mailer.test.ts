import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import {
	afterAll,
	afterEach,
	beforeAll,
	beforeEach,
	describe,
	expect,
	it,
	vi,
	type MockInstance,
} from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../db/client.ts';
import { emailsTable } from '../../../db/schema.ts';
import { loadConfig, type Config } from '../../../src/lib/server/platform/config.ts';
import {
	deliverPendingEmails,
	MAX_EMAIL_ATTEMPTS,
	startEmailSender,
} from '../../../src/lib/server/mail/sender.ts';
import {
	enqueueEmail,
	renderEmail,
	senderAddress,
	type EmailProps,
	type EmailTemplate,
} from '../../../src/lib/server/mail/outbox.ts';
import { formatDateTime } from '../../../src/lib/content/dates.ts';
import { databases } from '../../helpers/db.ts';
import { childEnv } from '../../helpers/processes.ts';
import { startResendServer, type ResendServer } from '../../helpers/resend-server.ts';

const tmp = mkdtempSync(join(tmpdir(), 'trustroom-mailer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TRUST_CENTER = 'Kestrel Analytics Trust Center';
const FROM = 'Kestrel Trust <trust@kestrel.example>';
const SCRIPT = '<script>alert(1)</script>';

const samples: { [T in EmailTemplate]: EmailProps[T] } = {
	'verify-email': {
		name: 'Jane Doe',
		trustCenterName: TRUST_CENTER,
		verifyUrl: 'https://trust.kestrel.example/verify?token=abc123.def456',
		expiresMinutes: 30,
		documents: ['SOC 2 Type II report', 'Bridge letter'],
	},
	'sign-in-link': {
		name: 'Jane Doe',
		trustCenterName: TRUST_CENTER,
		signInUrl: 'https://trust.kestrel.example/portal/sign-in?token=abc123',
		expiresMinutes: 30,
	},
	'request-received': {
		name: 'Jane Doe',
		trustCenterName: TRUST_CENTER,
		statusUrl: 'https://trust.kestrel.example/portal',
		documents: ['SOC 2 Type II report'],
	},
	'access-granted': {
		name: 'Jane Doe',
		trustCenterName: TRUST_CENTER,
		portalUrl: 'https://trust.kestrel.example/portal',
		documents: [
			{ title: 'SOC 2 Type II report', period: '2025-01-01 to 2025-12-31' },
			{ title: 'Penetration test summary', period: null },
		],
		expiresOn: '2026-06-30',
		downloadCap: 7,
	},
	'nda-receipt': {
		name: 'Jane Doe',
		trustCenterName: TRUST_CENTER,
		ndaTitle: 'Mutual Non-Disclosure Agreement',
		ndaVersion: '2025-01',
		acceptedAt: '2026-03-03T14:05:00.000Z',
		textSha256: 'a3f1c2d4e5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071',
		portalUrl: 'https://trust.kestrel.example/portal',
	},
	'staff-review': {
		trustCenterName: TRUST_CENTER,
		requesterName: 'Jane Doe',
		requesterEmail: 'jane@example.com',
		requesterCompany: 'Example Corp',
		requesterTitle: 'Security Engineer',
		reason: 'Vendor review for our renewal',
		documents: ['SOC 2 Type II report', 'Bridge letter'],
		ndaStatus: 'accepted NDA 2025-01 on 2026-03-03',
		why: 'no approval rule matches example.com',
		requestId: 12,
		reviewUrl: 'https://trust.example.com/admin/requests/12',
	},
	'staff-invitation': {
		trustCenterName: TRUST_CENTER,
		inviterName: 'Ada Admin',
		roleLabel: 'a sales rep',
		acceptUrl: 'https://trust.kestrel.example/admin/invite?token=abc',
		expiresDays: 7,
	},
	'share-link-invite': {
		repName: 'Sam Seller',
		trustCenterName: TRUST_CENTER,
		companyName: 'Kestrel Analytics',
		shareUrl: 'https://trust.kestrel.example/share/abc123.def456',
		documents: ['SOC 2 Type II report'],
		expiresOn: '30 Jun 2026, 14:05 UTC',
		recipient: 'buyer@prospect.example',
	},
	'share-link-activity': {
		repName: 'Sam Seller',
		trustCenterName: TRUST_CENTER,
		kind: 'downloaded',
		recipient: 'buyer@prospect.example',
		who: 'buyer@prospect.example',
		document: 'SOC 2 Type II report',
		copyId: '7F3K-Q9MD',
		at: '30 Jun 2026, 14:05 UTC',
		linkUrl: 'https://trust.kestrel.example/admin/links/1',
	},
};

/** Every string and number a sample carries, which both versions must show. */
function valuesOf(props: object): string[] {
	return Object.values(props).flatMap((value): string[] =>
		value === null
			? []
			: Array.isArray(value)
				? value.flatMap((item) => (typeof item === 'object' ? valuesOf(item) : [String(item)]))
				: [String(value)],
	);
}

const templates = Object.keys(samples) as EmailTemplate[];

describe('renderEmail', () => {
	it.each(templates)('renders %s with every prop in the html and the text', async (template) => {
		const email = await renderEmail(template, samples[template]);
		expect(email.html).toMatch(/^<!DOCTYPE html/);
		expect(email.html).toContain('lang="en"');
		for (const value of valuesOf(samples[template])) {
			expect(email.html).toContain(value);
			expect(email.text).toContain(value);
		}
		expect(email.text).not.toMatch(/<[a-z]/i);
	});

	it.each([
		['verify-email', 'Confirm your email for the Kestrel Analytics Trust Center'],
		['sign-in-link', 'Sign in to the Kestrel Analytics Trust Center'],
		['request-received', 'We are reviewing your request to the Kestrel Analytics Trust Center'],
		['access-granted', 'Your documents from the Kestrel Analytics Trust Center are ready'],
		['nda-receipt', 'Your receipt for the Mutual Non-Disclosure Agreement (version 2025-01)'],
		['staff-review', 'Request #12 from Jane Doe (Example Corp) waits for review'],
		['staff-invitation', 'Ada Admin invited you to the Kestrel Analytics Trust Center'],
		['share-link-invite', 'Sam Seller shared documents from the Kestrel Analytics Trust Center'],
		[
			'share-link-activity',
			'buyer@prospect.example downloaded SOC 2 Type II report (copy 7F3K-Q9MD)',
		],
	] as const)('subjects %s "%s"', async (template, subject) => {
		expect((await renderEmail(template, samples[template])).subject).toBe(subject);
	});

	it.each(templates)('escapes a <script> name in %s', async (template) => {
		const props = {
			...samples[template],
			name: SCRIPT,
			requesterName: SCRIPT,
			inviterName: SCRIPT,
			repName: SCRIPT,
		};
		const email = await renderEmail(template, props as EmailProps[typeof template]);
		expect(email.html).not.toContain('<script');
		expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
	});

	it('says the magic link works once, expires, and can be ignored', async () => {
		const { text } = await renderEmail('verify-email', samples['verify-email']);
		expect(text).toContain('Confirm your email to request SOC 2 Type II report and Bridge letter');
		expect(text).toContain('works once and expires in 30 minutes');
		expect(text).toContain('If you did not ask for these documents, ignore this email');
	});

	it('tells the requester each copy is marked with their name', async () => {
		const { text } = await renderEmail('access-granted', samples['access-granted']);
		expect(text).toContain('Each copy will be marked with your name, Jane Doe');
		expect(text).toContain('allows 7 downloads');
	});
});

describe('how mail looks', () => {
	const brand = {
		companyName: 'Kestrel Analytics',
		logoUrl: 'https://trust.kestrel.example/logo.png',
	};

	it.each(templates)(
		'heads %s with the company logo, and leaves it out of the text',
		async (template) => {
			const email = await renderEmail(template, samples[template], brand);
			expect(email.html).toContain('src="https://trust.kestrel.example/logo.png"');
			expect(email.text).not.toContain('logo.png');
			expect(email.text.trimStart().startsWith(TRUST_CENTER)).toBe(true);
		},
	);

	it('writes a moment as people read it, in UTC and saying so', async () => {
		const expiresOn = formatDateTime(new Date('2026-12-01T20:32:11.979Z'));
		expect(expiresOn).toBe('1 Dec 2026, 20:32 UTC');
		const { text } = await renderEmail('access-granted', {
			...samples['access-granted'],
			expiresOn,
		});
		expect(text).toContain('Your access lasts until 1 Dec 2026, 20:32 UTC');
		expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
	});

	it.each([
		[
			'no EMAIL_FROM: trust@ the site host, named for the company',
			null,
			'https://trust.kestrel.example',
			'Kestrel Analytics',
			'Kestrel Analytics Trust Center <trust@trust.kestrel.example>',
		],
		[
			'no EMAIL_FROM on a bare address: trust@localhost',
			null,
			'http://127.0.0.1:4321',
			'Kestrel Analytics',
			'Kestrel Analytics Trust Center <trust@localhost>',
		],
		[
			'an address alone gets the name, quoted when it has punctuation',
			'trust@acme.com',
			'https://trust.acme.com',
			'Acme, Inc.',
			'"Acme, Inc. Trust Center" <trust@acme.com>',
		],
		[
			'a name and address are kept as given',
			'Acme Security <sec@acme.com>',
			'https://trust.acme.com',
			'Acme',
			'Acme Security <sec@acme.com>',
		],
	] as const)('sends from %s', (_name, emailFrom, siteUrl, companyName, from) => {
		expect(senderAddress({ config: { emailFrom, siteUrl }, companyName })).toBe(from);
	});
});

describe('the CLI', () => {
	it('loads the .tsx templates through the loader hook in bin/trustroom.js', () => {
		// bin/trustroom.js registers the hook, then runs `--help`; the script then renders an email.
		const script = `
			process.argv = [process.argv[0], 'trustroom', '--help'];
			const log = console.log;
			console.log = () => {};
			await import(${JSON.stringify(resolve('bin/trustroom.js'))});
			console.log = log;
			const { renderEmail } = await import(${JSON.stringify(resolve('src/lib/server/mail/outbox.ts'))});
			const email = await renderEmail('verify-email', ${JSON.stringify(samples['verify-email'])});
			console.log(JSON.stringify({ subject: email.subject, text: email.text }));`;
		const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
			env: childEnv({}),
			encoding: 'utf8',
		});
		expect(result.stderr).toBe('');
		const email = JSON.parse(result.stdout) as { subject: string; text: string };
		expect(email.subject).toBe('Confirm your email for the Kestrel Analytics Trust Center');
		expect(email.text).toContain(samples['verify-email'].verifyUrl);
	});
});

describe.each(databases())('the email outbox on %s', (backend) => {
	let handle: DatabaseHandle & { url: string | null };
	let resend: ResendServer;
	let outboxDir: string;
	let viaResend: Config;
	let viaOutbox: Config;
	let errors: MockInstance<typeof console.error>;
	let logs: MockInstance<typeof console.log>;

	beforeAll(async () => {
		handle = await backend.open();
		resend = await startResendServer();
		outboxDir = mkdtempSync(join(tmp, `outbox-${backend.name}-`));
		const env = { EMAIL_FROM: FROM, OUTBOX_DIR: outboxDir };
		viaResend = loadConfig({ ...env, RESEND_API_KEY: 're_test_123', RESEND_BASE_URL: resend.url });
		viaOutbox = loadConfig(env);
	});
	afterAll(async () => {
		await resend.close();
		await handle.close();
	});
	beforeEach(async () => {
		await handle.db.delete(emailsTable);
		resend.requests.length = 0;
		// The sender logs each failure and each outbox file; keep the test output clean.
		errors = vi.spyOn(console, 'error').mockImplementation(() => {});
		logs = vi.spyOn(console, 'log').mockImplementation(() => {});
	});
	afterEach(() => {
		vi.restoreAllMocks();
	});

	const enqueue = (overrides: { to?: string; idempotencyKey?: string } = {}) =>
		enqueueEmail(
			handle.db,
			{ config: viaResend },
			{
				to: 'jane@example.com',
				template: 'verify-email',
				props: samples['verify-email'],
				...overrides,
			},
		);
	const getEmail = async (id: number) => {
		const [row] = await handle.db.select().from(emailsTable).where(eq(emailsTable.id, id));
		if (!row) throw new Error(`no email ${id}`);
		return row;
	};
	const later = (from: Date, ms: number) => new Date(from.getTime() + ms);

	describe('enqueueEmail', () => {
		it('leaves no email when the transaction rolls back', async () => {
			await expect(
				handle.db.transaction(async (tx) => {
					await enqueueEmail(
						tx,
						{ config: viaResend },
						{
							to: 'jane@example.com',
							template: 'verify-email',
							props: samples['verify-email'],
							idempotencyKey: 'rolled-back',
						},
					);
					tx.rollback();
				}),
			).rejects.toThrow();
			expect(await handle.db.select().from(emailsTable)).toEqual([]);
		});

		it('leaves a pending, rendered email when the transaction commits', async () => {
			const { id } = await handle.db.transaction((tx) =>
				enqueueEmail(
					tx,
					{ config: viaResend },
					{
						to: 'jane@example.com',
						template: 'nda-receipt',
						props: samples['nda-receipt'],
						attachments: [
							{
								filename: 'receipt.pdf',
								contentType: 'application/pdf',
								content: Buffer.from('%PDF'),
							},
						],
					},
				),
			);
			const row = await getEmail(id);
			expect(row).toMatchObject({
				status: 'pending',
				attempts: 0,
				template: 'nda-receipt',
				to: 'jane@example.com',
				from: FROM,
				subject: 'Your receipt for the Mutual Non-Disclosure Agreement (version 2025-01)',
				attachments: [
					{ filename: 'receipt.pdf', contentType: 'application/pdf', contentBase64: 'JVBERg==' },
				],
				sentAt: null,
			});
			expect(row.html).toContain('Mutual Non-Disclosure Agreement');
			expect(row.text).toContain(samples['nda-receipt'].textSha256);
			expect(row.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
		});

		it('stores an email once per idempotency key', async () => {
			const first = await enqueue({ idempotencyKey: 'verify:42' });
			const second = await enqueue({ idempotencyKey: 'verify:42' });
			expect(second.id).toBe(first.id);
			expect(await handle.db.select().from(emailsTable)).toHaveLength(1);
		});

		it.each([
			['a recipient with CR LF', { to: 'jane@example.com\r\nBcc: all@example.com' }],
			['a recipient with LF', { to: 'jane@example.com\nBcc: all@example.com' }],
		])('refuses %s', async (_name, overrides) => {
			await expect(enqueue(overrides)).rejects.toThrow(/line break/);
			expect(await handle.db.select().from(emailsTable)).toEqual([]);
		});

		it('refuses a subject with a line break', async () => {
			await expect(
				enqueueEmail(
					handle.db,
					{ config: viaResend },
					{
						to: 'staff@kestrel.example',
						template: 'staff-review',
						props: { ...samples['staff-review'], requesterName: 'Jane\r\nBcc: all@example.com' },
					},
				),
			).rejects.toThrow(/subject contains a line break/);
		});
	});

	describe('through Resend', () => {
		it('sends the key, idempotency key, addresses, both versions and the attachment', async () => {
			const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10]);
			const { id } = await enqueueEmail(
				handle.db,
				{ config: viaResend },
				{
					to: 'jane@example.com',
					template: 'nda-receipt',
					props: samples['nda-receipt'],
					attachments: [
						{ filename: 'nda-receipt-7.pdf', contentType: 'application/pdf', content: pdf },
					],
				},
			);
			const stored = await getEmail(id);
			expect(await deliverPendingEmails(handle.db, viaResend)).toEqual({
				sent: 1,
				retrying: 0,
				failed: 0,
			});
			expect(resend.requests).toHaveLength(1);
			const [request] = resend.requests;
			expect(request).toMatchObject({ method: 'POST', path: '/emails' });
			expect(request!.headers.authorization).toBe('Bearer re_test_123');
			expect(request!.headers['idempotency-key']).toBe(stored.idempotencyKey);
			expect(request!.body).toMatchObject({
				from: FROM,
				to: 'jane@example.com',
				subject: stored.subject,
				html: stored.html,
				text: stored.text,
				attachments: [
					{
						filename: 'nda-receipt-7.pdf',
						content: Buffer.from(pdf).toString('base64'),
						content_type: 'application/pdf',
					},
				],
			});
			const sent = await getEmail(id);
			expect(sent).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
			expect(sent.providerId).toBe(resend.sent.get(stored.idempotencyKey)?.id);
			expect(sent.sentAt).toBeInstanceOf(Date);
		});

		it('keeps an email through a 500 and a dropped connection, then sends it once', async () => {
			const { id } = await enqueue();
			const key = (await getEmail(id)).idempotencyKey;
			const start = new Date(Date.now() + 1000);
			resend.queue(
				{ kind: 'error', status: 500, name: 'internal_server_error', message: 'Resend is down' },
				{ kind: 'drop' },
			);

			expect(await deliverPendingEmails(handle.db, viaResend, { now: start })).toEqual({
				sent: 0,
				retrying: 1,
				failed: 0,
			});
			const afterOutage = await getEmail(id);
			expect(afterOutage).toMatchObject({ status: 'pending', attempts: 1 });
			expect(afterOutage.lastError).toMatch(/500.*Resend is down/);
			expect(afterOutage.nextAttemptAt.getTime()).toBe(start.getTime() + 30_000);

			// Not due yet: nothing is sent before the backoff ends.
			expect(
				await deliverPendingEmails(handle.db, viaResend, { now: later(start, 29_000) }),
			).toEqual({ sent: 0, retrying: 0, failed: 0 });

			const second = later(start, 30_000);
			expect(await deliverPendingEmails(handle.db, viaResend, { now: second })).toMatchObject({
				retrying: 1,
			});
			const afterDrop = await getEmail(id);
			expect(afterDrop).toMatchObject({ status: 'pending', attempts: 2 });
			expect(afterDrop.lastError).toMatch(/unreachable/);
			expect(afterDrop.nextAttemptAt.getTime()).toBe(second.getTime() + 120_000);

			expect(
				await deliverPendingEmails(handle.db, viaResend, { now: later(second, 120_000) }),
			).toEqual({ sent: 1, retrying: 0, failed: 0 });
			expect(await getEmail(id)).toMatchObject({ status: 'sent', attempts: 3 });
			expect(
				await deliverPendingEmails(handle.db, viaResend, { now: later(second, 3_600_000) }),
			).toEqual({ sent: 0, retrying: 0, failed: 0 });

			expect(resend.requests.map((r) => r.answer)).toEqual([500, 'drop', 200]);
			expect(new Set(resend.requests.map((r) => r.headers['idempotency-key']))).toEqual(
				new Set([key]),
			);
			expect(errors).toHaveBeenCalledTimes(2);
			expect(String(errors.mock.calls[0]![0])).toMatch(
				new RegExp(`^Email ${id} \\(verify-email\\) .*attempt 1 failed: .*retrying at`),
			);
		});

		it('sends once when the answer to a delivered email was lost', async () => {
			const { id } = await enqueue();
			const key = (await getEmail(id)).idempotencyKey;
			// Resend accepted it, but the sender never heard back.
			resend.queue({ kind: 'drop' });
			const start = new Date(Date.now() + 1000);
			await deliverPendingEmails(handle.db, viaResend, { now: start });
			resend.sent.set(key, { id: 're_lost', body: {} });
			await deliverPendingEmails(handle.db, viaResend, { now: later(start, 30_000) });
			expect(await getEmail(id)).toMatchObject({ status: 'sent', providerId: 're_lost' });
			expect(resend.requests.map((r) => r.headers['idempotency-key'])).toEqual([key, key]);
		});

		it('fails a 422 after one attempt: the provider refused the email itself', async () => {
			const { id } = await enqueue({ to: 'not-an-address' });
			resend.queue({
				kind: 'error',
				status: 422,
				name: 'validation_error',
				message: 'Invalid `to` field.',
			});
			expect(await deliverPendingEmails(handle.db, viaResend)).toEqual({
				sent: 0,
				retrying: 0,
				failed: 1,
			});
			const row = await getEmail(id);
			expect(row).toMatchObject({ status: 'failed', attempts: 1 });
			expect(row.lastError).toMatch(/422 validation_error: Invalid `to` field/);
			expect(
				await deliverPendingEmails(handle.db, viaResend, { now: later(new Date(), 86_400_000) }),
			).toEqual({ sent: 0, retrying: 0, failed: 0 });
			expect(resend.requests).toHaveLength(1);
		});

		it('waits as long as a 429 asks', async () => {
			const { id } = await enqueue();
			resend.queue({
				kind: 'error',
				status: 429,
				name: 'rate_limit_exceeded',
				message: 'Too many requests',
				headers: { 'retry-after': '300' },
			});
			const now = new Date(Date.now() + 1000);
			await deliverPendingEmails(handle.db, viaResend, { now });
			const row = await getEmail(id);
			expect(row.status).toBe('pending');
			expect(row.nextAttemptAt.getTime()).toBe(now.getTime() + 300_000);
		});

		it(`gives up after ${MAX_EMAIL_ATTEMPTS} failed attempts with growing waits`, async () => {
			const { id } = await enqueue();
			const waits: number[] = [];
			let now = new Date(Date.now() + 1000);
			for (let attempt = 1; attempt <= MAX_EMAIL_ATTEMPTS; attempt++) {
				resend.queue({ kind: 'error', status: 503, name: 'application_error', message: 'busy' });
				const result = await deliverPendingEmails(handle.db, viaResend, { now });
				const row = await getEmail(id);
				if (attempt < MAX_EMAIL_ATTEMPTS) {
					expect(result.retrying).toBe(1);
					waits.push(row.nextAttemptAt.getTime() - now.getTime());
					now = row.nextAttemptAt;
				} else {
					expect(result.failed).toBe(1);
					expect(row).toMatchObject({ status: 'failed', attempts: MAX_EMAIL_ATTEMPTS });
				}
			}
			expect(waits).toEqual([30_000, 120_000, 480_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000]);
			expect(String(errors.mock.calls.at(-1)![0])).toMatch(/giving up after 8 attempts/);
		});

		it('an email is due at once: a sender whose clock reads the moment it was queued sends it', async () => {
			const { id } = await enqueue();
			const queued = (await getEmail(id)).nextAttemptAt;
			// PostgreSQL's now() has microseconds, a JavaScript clock milliseconds: a due time taken
			// from the database would lie just after this moment, and the email wait for the next pass.
			expect(await deliverPendingEmails(handle.db, viaResend, { now: queued })).toEqual({
				sent: 1,
				retrying: 0,
				failed: 0,
			});
		});

		it('does not hand an email in flight to a second sender', async () => {
			await enqueue();
			const held = resend.hold();
			const first = deliverPendingEmails(handle.db, viaResend);
			try {
				// Once the first sender has claimed the email, its request is in flight. (Generous: on a
				// loaded machine the claim can take over a second.)
				await vi.waitFor(
					async () => expect((await handle.db.select().from(emailsTable))[0]!.attempts).toBe(1),
					{ timeout: 15_000 },
				);
				expect(await deliverPendingEmails(handle.db, viaResend)).toEqual({
					sent: 0,
					retrying: 0,
					failed: 0,
				});
			} finally {
				// Never left holding: the next tests send through the same stand-in server.
				held.release();
			}
			expect(await first).toEqual({ sent: 1, retrying: 0, failed: 0 });
			expect(resend.requests).toHaveLength(1);
		});

		it('delivers each email once when two senders run at the same time', async () => {
			const count = 24;
			for (let i = 0; i < count; i++) await enqueue({ to: `person${i}@example.com` });
			// On PostgreSQL the second sender is a second connection pool, as in a second instance.
			const other = handle.url ? await createDatabase({ url: handle.url }) : null;
			try {
				const results = await Promise.all([
					deliverPendingEmails(handle.db, viaResend),
					deliverPendingEmails(other?.db ?? handle.db, viaResend),
					deliverPendingEmails(handle.db, viaResend),
				]);
				expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(count);
				if (other) expect(results[1]!.sent).toBeGreaterThan(0);
			} finally {
				await other?.close();
			}
			const keys = resend.requests.map((r) => r.headers['idempotency-key']);
			expect(keys).toHaveLength(count);
			expect(new Set(keys).size).toBe(count);
			const rows = await handle.db.select().from(emailsTable);
			expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
		});
	});

	describe('without RESEND_API_KEY', () => {
		it('writes each email as one JSON file in the outbox and logs its link', async () => {
			const { id } = await enqueueEmail(
				handle.db,
				{ config: viaOutbox },
				{
					to: 'jane@example.com',
					template: 'verify-email',
					props: samples['verify-email'],
					attachments: [
						{ filename: 'a.txt', contentType: 'text/plain', content: Buffer.from('hi') },
					],
				},
			);
			expect(await deliverPendingEmails(handle.db, viaOutbox)).toEqual({
				sent: 1,
				retrying: 0,
				failed: 0,
			});
			const files = readdirSync(outboxDir).filter((name) =>
				name.endsWith(`-${String(id).padStart(8, '0')}-verify-email.json`),
			);
			expect(files).toHaveLength(1);
			expect(readdirSync(outboxDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
			const stored = await getEmail(id);
			const message = JSON.parse(readFileSync(join(outboxDir, files[0]!), 'utf8'));
			expect(message).toMatchObject({
				id,
				template: 'verify-email',
				to: 'jane@example.com',
				from: FROM,
				subject: 'Confirm your email for the Kestrel Analytics Trust Center',
				html: stored.html,
				text: stored.text,
				attachments: [{ filename: 'a.txt', contentType: 'text/plain', contentBase64: 'aGk=' }],
			});
			expect(stored.status).toBe('sent');
			expect(logs).toHaveBeenCalledTimes(1);
			expect(String(logs.mock.calls[0]![0])).toContain(
				`link: ${samples['verify-email'].verifyUrl}`,
			);
			expect(resend.requests).toEqual([]);
		});
	});

	describe('startEmailSender', () => {
		it('delivers soon after a kick and stops cleanly', async () => {
			const sender = startEmailSender(handle.db, viaOutbox, { intervalMs: 60_000 });
			try {
				// Let the first pass (on start) finish, then add an email and kick.
				await new Promise((done) => setTimeout(done, 200));
				const { id } = await enqueueEmail(
					handle.db,
					{ config: viaOutbox },
					{
						to: 'kick@example.com',
						template: 'request-received',
						props: samples['request-received'],
					},
				);
				sender.kick();
				await vi.waitFor(async () => expect((await getEmail(id)).status).toBe('sent'), {
					timeout: 5000,
				});
			} finally {
				await sender.stop();
			}
		});
	});
});
