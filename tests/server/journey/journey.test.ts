/**
 * The requester's whole path over real HTTP against the built server (`npm start`), on PGlite and
 * PostgreSQL: request → emailed link → confirm → NDA → decision → portal, and the refusals.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../db/client.ts';
import { oneTimeTokensTable } from '../../../db/schema.ts';
import { sha256 } from '../../../src/lib/server/platform/crypto.ts';
import { databases } from '../../helpers/db.ts';
import { countEmails, readOutbox, waitForEmail, type OutboxEmail } from '../../helpers/outbox.ts';
import { hasTool, pdfPagesText } from '../../helpers/pdf.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';

const PER_EMAIL = 8;

describe.each(databases())('the requester journey on %s', (backend) => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-journey-'));
	const outbox = join(tmp, 'outbox');
	let env: Record<string, string>;
	let server: RunningServer;
	let closeDatabase = async () => {};

	beforeAll(async () => {
		if (backend.name === 'postgres') {
			const handle = await backend.open();
			env = { DATABASE_URL: handle.url! };
			closeDatabase = () => handle.close();
		} else {
			env = { PGLITE_DIR: join(tmp, 'pglite') };
		}
		env = {
			...env,
			OUTBOX_DIR: outbox,
			RATE_LIMIT_PER_EMAIL: String(PER_EMAIL),
			RATE_LIMIT_PER_IP: '1000',
		};
		for (const args of [
			['db', 'migrate'],
			['rules', 'add', '--domain', 'acme.example', '--action', 'approve', '--downloads', '10'],
			[
				'users',
				'create',
				'--email',
				'reviewer@kestrel-analytics.example',
				'--name',
				'Rita Reviewer',
				'--role',
				'sales',
			],
		]) {
			const result = await runCli(args, env);
			expect(result.stderr, args.join(' ')).toBe('');
		}
		server = await startServer(env);
	});
	afterAll(async () => {
		await server?.stop();
		await closeDatabase();
		rmSync(tmp, { recursive: true, force: true });
	});

	const post = (
		path: string,
		fields: Record<string, string | string[]>,
		cookie?: string,
		origin = server.url,
	) => {
		const body = new URLSearchParams();
		for (const [key, value] of Object.entries(fields))
			for (const v of [value].flat()) body.append(key, v);
		return fetch(`${server.url}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				Origin: origin,
				'Content-Type': 'application/x-www-form-urlencoded',
				...(cookie ? { Cookie: cookie } : {}),
			},
			body,
		});
	};
	const get = (path: string, cookie?: string) =>
		fetch(`${server.url}${path}`, {
			redirect: 'manual',
			headers: cookie ? { Cookie: cookie } : {},
		});
	const requestFields = (
		email: string,
		name = 'Jane Doe',
		documents = ['soc2-type2-2025', 'bridge-letter-2026'],
	) => ({
		name,
		email,
		company: 'Acme Inc',
		title: 'Security Analyst',
		reason: 'Vendor review',
		documents,
	});
	const isLinkFor = (email: string) => (e: OutboxEmail) =>
		e.to === email && /Confirm your email/.test(e.subject);
	const linkFor = async (email: string, after = 0) => {
		const mail = await waitForEmail(outbox, isLinkFor(email), { after });
		const link = /https?:\/\/\S+\/verify\?token=[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
		expect(link, mail.text).toBeTruthy();
		return new URL(link!).pathname + new URL(link!).search;
	};
	/** Runs `work` on the server's database; the embedded one admits one process, so the server pauses. */
	async function withDatabaseDirectly(work: (db: Database) => Promise<unknown>) {
		if (env.DATABASE_URL) {
			const handle = await createDatabase({ url: env.DATABASE_URL });
			try {
				await work(handle.db);
			} finally {
				await handle.close();
			}
			return;
		}
		await server.stop();
		const handle = await createDatabase({ pgliteDir: env.PGLITE_DIR! });
		try {
			await work(handle.db);
		} finally {
			await handle.close();
			server = await startServer(env);
		}
	}
	const cookieOf = (response: Response) => response.headers.get('set-cookie')?.split(';')[0] ?? '';
	async function signInAs(email: string, name?: string, documents?: string[]): Promise<string> {
		const before = countEmails(outbox, isLinkFor(email));
		expect((await post('/request', requestFields(email, name, documents))).status).toBe(200);
		const link = await linkFor(email, before);
		const token = new URLSearchParams(link.split('?')[1]).get('token')!;
		const confirmed = await post('/verify', { token });
		expect(confirmed.status).toBe(303);
		return cookieOf(confirmed);
	}
	async function createNdaAcceptance(cookie: string, name: string) {
		const page = await (await get('/nda', cookie)).text();
		const version = /name="ndaVersion" value="([^"]+)"/.exec(page)?.[1];
		const hash = /name="textSha256" value="([0-9a-f]{64})"/.exec(page)?.[1];
		expect(version && hash, page.slice(0, 500)).toBeTruthy();
		return post(
			'/nda',
			{
				action: 'accept',
				ndaVersion: version!,
				textSha256: hash!,
				signerName: name,
				signerTitle: 'CISO',
				agree: 'yes',
			},
			cookie,
		);
	}

	it('shows the request form with the asked-for document ticked', async () => {
		const html = await (await get('/request?documents=bridge-letter-2026')).text();
		expect(html).toMatch(
			/<input type="checkbox" name="documents" value="bridge-letter-2026" checked/,
		);
		expect(html).not.toMatch(/value="soc2-type2-2025" checked/);
		expect(html).not.toContain('<script');
	});

	it('walks a reviewer from request to portal, approved by a domain rule', async () => {
		const sent = await post('/request', requestFields('jane@acme.example'));
		expect(sent.status).toBe(200);
		expect(await sent.text()).toContain('Check your email');
		const link = await linkFor('jane@acme.example');

		// A mail scanner's GET shows a button and uses nothing.
		for (let i = 0; i < 2; i++) {
			const page = await get(link);
			expect(page.status).toBe(200);
			expect(page.headers.get('referrer-policy')).toBe('same-origin');
			expect(await page.text()).toContain('Confirm my email');
		}
		const token = new URLSearchParams(link.split('?')[1]).get('token')!;
		const confirmed = await post('/verify', { token });
		expect(confirmed.status).toBe(303);
		expect(confirmed.headers.get('location')).toBe('/nda');
		const setCookie = confirmed.headers.get('set-cookie')!;
		expect(setCookie).toMatch(/^trustroom_requester=[a-z2-7]{24}\.[a-z2-7]{52};/);
		expect(setCookie).toContain('HttpOnly');
		expect(setCookie).toContain('SameSite=Lax');
		const cookie = cookieOf(confirmed);

		const nda = await get('/nda', cookie);
		expect(nda.status).toBe(200);
		expect(await nda.text()).toContain('Mutual non-disclosure agreement');
		const accepted = await createNdaAcceptance(cookie, 'Jane Doe');
		expect(accepted.status).toBe(303);
		expect(accepted.headers.get('location')).toBe('/portal');

		const portal = await (await get('/portal', cookie)).text();
		expect(portal).toContain('SOC 2 Type II report 2025');
		expect(portal).toContain('Bridge letter (January–September 2026)');
		expect(portal).toMatch(/Access until \d+ \w+ \d{4}/);
		expect(portal).toContain('10 of 10 downloads left');
		expect(portal).toContain('Approved');

		const granted = await waitForEmail(
			outbox,
			(e) => e.to === 'jane@acme.example' && e.template === 'access-granted',
		);
		expect(granted.text).toContain('SOC 2 Type II report 2025');
		const receipt = await waitForEmail(
			outbox,
			(e) => e.to === 'jane@acme.example' && e.attachments.length > 0,
		);
		expect(receipt.subject).toContain(
			'Mutual non-disclosure agreement for security documentation (version 1.1)',
		);
		const pdf = Buffer.from(receipt.attachments[0]!.contentBase64, 'base64');
		expect(receipt.attachments[0]).toMatchObject({ contentType: 'application/pdf' });
		if (hasTool('pdftotext')) {
			const text = pdfPagesText(pdf).join('\n');
			expect(text).toContain('Jane Doe');
			expect(text).toMatch(/[0-9a-f]{64}/);
		}
		const receiptLink = /href="(\/portal\/nda-receipt\/\d+\.pdf)"/.exec(portal)?.[1];
		const download = await get(receiptLink!, cookie);
		expect(download.status).toBe(200);
		expect(download.headers.get('content-type')).toBe('application/pdf');
	});

	it('hands the approved reviewer a stamped copy, traceable and verifiable', async () => {
		const cookie = await signInAs('jane@acme.example');
		const response = await post('/portal/download/soc2-type2-2025.pdf', {}, cookie);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/pdf');
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(response.headers.get('content-disposition')).toBe(
			'attachment; filename="Kestrel-Analytics-SOC-2-Type-II-report-2025-jane-doe.pdf"',
		);
		const bytes = new Uint8Array(await response.arrayBuffer());
		expect(Number(response.headers.get('content-length'))).toBe(bytes.byteLength);
		const copyId = response.headers.get('x-copy-id')!;
		expect(copyId).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
		if (hasTool('pdftotext')) {
			const pages = pdfPagesText(bytes);
			expect(pages.length).toBeGreaterThanOrEqual(60);
			for (const page of pages) {
				const text = page.replace(/\s+/g, ' ');
				expect(text).toContain(copyId);
				expect(text).toContain('Jane Doe');
				expect(text).toContain('Acme Inc');
			}
		}
		expect(await (await get('/portal', cookie)).text()).toContain('9 of 10 downloads left');

		const verified = await get(`/verify/${copyId}`);
		expect(verified.status).toBe(200);
		const page = await verified.text();
		expect(page).toContain('Genuine.');
		expect(page).toContain('j***@acme.example');
		expect(page).not.toContain('jane@acme.example');
		const unknown = await get('/verify/ZZZZ-ZZZZ');
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).toContain('did not issue a copy');

		const leaked = join(tmp, 'leaked.pdf');
		writeFileSync(leaked, bytes);
		if (backend.name === 'pglite') await server.stop();
		const traced = await runCli(['trace', '--file', leaked], env);
		if (backend.name === 'pglite') server = await startServer(env);
		expect(traced.stderr).toBe('');
		expect(traced.stdout).toContain(`Copy ${copyId} (found in the file's metadata)`);
		expect(traced.stdout).toContain('Issued to: Jane Doe <jane@acme.example>, Acme Inc');
		expect(traced.stdout).toContain('identical to the copy we issued');
	});

	it('tells a reader of an older report that a newer one supersedes it', async () => {
		const cookie = await signInAs('jane@acme.example', 'Jane Doe', ['soc2-type2-2024']);
		const response = await post('/portal/download/soc2-type2-2024.pdf', {}, cookie);
		expect(response.status).toBe(200);
		const copyId = response.headers.get('x-copy-id')!;
		await response.arrayBuffer();
		const page = await (await get(`/verify/${copyId.toLowerCase()}`)).text();
		expect(page).toContain('Genuine.');
		expect(await (await get(`/verify/${copyId.replace('-', '')}`)).text()).toContain('Genuine.');
		expect(page).toContain('No: superseded by the SOC 2 Type II report 2025');
		if (backend.name === 'pglite') await server.stop();
		const traced = await runCli(['trace', '--id', copyId.toLowerCase()], env);
		if (backend.name === 'pglite') server = await startServer(env);
		expect(traced.stdout).toContain(`Copy ${copyId} (given on the command line)`);
		expect(traced.stdout).toContain('SOC 2 Type II report 2024');
	});

	it('refuses a download without a session, for a document not granted, and from another site', async () => {
		expect((await post('/portal/download/soc2-type2-2025.pdf', {})).status).toBe(401);
		const dave = await signInAs('dave2@globex.example', 'Dave');
		const notGranted = await post('/portal/download/soc2-type2-2025.pdf', {}, dave);
		expect(notGranted.status).toBe(403);
		expect(await notGranted.text()).toContain('Request it from the trust center page');
		const jane = await signInAs('jane@acme.example');
		const crossSite = await post(
			'/portal/download/soc2-type2-2025.pdf',
			{},
			jane,
			'https://evil.example',
		);
		expect(crossSite.status).toBe(403);
		expect(crossSite.headers.get('content-type')).not.toBe('application/pdf');
	});

	it('refuses a link that was already used, and a tampered one', async () => {
		const link = await linkFor('jane@acme.example');
		const token = new URLSearchParams(link.split('?')[1]).get('token')!;
		const reused = await post('/verify', { token });
		expect(reused.status).toBe(400);
		expect(await reused.text()).toContain('This link has already been used');
		const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
		const bad = await post('/verify', { token: tampered });
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('This link is not valid');
		expect(bad.headers.get('set-cookie')).toBeNull();
	});

	it('refuses an expired link and says how to get a new one', async () => {
		const before = countEmails(outbox, isLinkFor('late@acme.example'));
		expect((await post('/request', requestFields('late@acme.example'))).status).toBe(200);
		const link = await linkFor('late@acme.example', before);
		const token = new URLSearchParams(link.split('?')[1]).get('token')!;
		// Age the link past its 30 minutes in the database itself.
		await withDatabaseDirectly((db) =>
			db
				.update(oneTimeTokensTable)
				.set({ expiresAt: new Date(Date.now() - 60_000) })
				.where(eq(oneTimeTokensTable.tokenHash, sha256(token))),
		);
		const page = await get(link);
		expect(page.status).toBe(400);
		expect(await page.text()).toContain('This link has expired');
		const confirmed = await post('/verify', { token });
		expect(confirmed.status).toBe(400);
		expect(await confirmed.text()).toContain('Request the documents again for a new one');
		expect(confirmed.headers.get('set-cookie')).toBeNull();
	});

	it('sends a request with no matching rule to staff, and `trustroom requests approve` grants it', async () => {
		const cookie = await signInAs('bob@globex.example', 'Bob Buyer');
		expect((await createNdaAcceptance(cookie, 'Bob Buyer')).status).toBe(303);
		expect(await (await get('/portal', cookie)).text()).toContain(
			'Our team is reviewing your request',
		);
		const staff = await waitForEmail(
			outbox,
			(e) => e.to === 'reviewer@kestrel-analytics.example' && e.text.includes('bob@globex.example'),
		);
		const id = /\/admin\/requests\/(\d+)/.exec(staff.text)?.[1];
		expect(id).toBeTruthy();
		await waitForEmail(
			outbox,
			(e) => e.to === 'bob@globex.example' && e.template === 'request-received',
		);

		// The embedded database admits one process: stop the server for the CLI, as an admin would.
		if (backend.name === 'pglite') await server.stop();
		const approved = await runCli(['requests', 'approve', id!], env);
		expect(approved.stderr).toBe('');
		expect(approved.stdout).toContain(`Approved request #${id}`);
		if (backend.name === 'pglite') server = await startServer(env);

		await waitForEmail(
			outbox,
			(e) => e.to === 'bob@globex.example' && e.template === 'access-granted',
		);
		const portal = await (await get('/portal', cookie)).text();
		expect(portal).toContain('SOC 2 Type II report 2025');
		expect(portal).toContain('Approved');
	});

	it('lets a reviewer with an NDA on file ask staff to confirm it instead', async () => {
		const cookie = await signInAs('carol@initech.example', 'Carol');
		const claimed = await post(
			'/nda',
			{ action: 'claim', reference: 'MSA-2024-117', signedOn: '2024-05-02' },
			cookie,
		);
		expect(claimed.status).toBe(303);
		expect(await (await get('/portal', cookie)).text()).toContain(
			'Our team is reviewing your request',
		);
		const staff = await waitForEmail(
			outbox,
			(e) =>
				e.to === 'reviewer@kestrel-analytics.example' && e.text.includes('carol@initech.example'),
		);
		expect(staff.text).toContain('MSA-2024-117');
	});

	it('keeps one requester out of another requester’s portal and receipts', async () => {
		const jane = await signInAs('jane@acme.example');
		const janePortal = await (await get('/portal', jane)).text();
		const receipt = /href="(\/portal\/nda-receipt\/\d+\.pdf)"/.exec(janePortal)?.[1];
		const dave = await signInAs('dave@acme.example', 'Dave');
		const theirs = await get(receipt!, dave);
		expect(theirs.status).toBe(404);
		expect(await (await get('/portal', dave)).text()).not.toContain('jane@acme.example');
		expect((await get(receipt!)).status).toBe(401);
		expect((await get('/portal')).status).toBe(401);
	});

	it('refuses form posts from another site', async () => {
		const response = await post(
			'/request',
			requestFields('mallory@acme.example'),
			undefined,
			'https://evil.example',
		);
		expect(response.status).toBe(403);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(readOutbox(outbox).filter((e) => e.to === 'mallory@acme.example')).toHaveLength(0);
	});

	it('answers known and unknown emails the same way', async () => {
		const known = await post('/request', requestFields('jane@acme.example'));
		const unknown = await post('/request', requestFields('zed@unknown.example'));
		expect(known.status).toBe(unknown.status);
		const strip = (html: string, email: string) => html.replaceAll(email, 'EMAIL');
		expect(strip(await known.text(), 'jane@acme.example')).toBe(
			strip(await unknown.text(), 'zed@unknown.example'),
		);
	});

	it('explains bad input next to the field and keeps what was typed', async () => {
		const response = await post('/request', {
			...requestFields('not-an-email'),
			name: 'Jane\r\nBcc: x@evil.example',
		});
		expect(response.status).toBe(400);
		const html = await response.text();
		expect(html).toContain('Work email must be an address such as jane@company.com');
		expect(html).toContain('Full name must be on one line');
		expect(html).toContain('value="Acme Inc"');
	});

	it('rate-limits requests for one email address', async () => {
		const statuses = [];
		for (let i = 0; i <= PER_EMAIL; i++) {
			statuses.push((await post('/request', requestFields('flood@acme.example'))).status);
		}
		expect(statuses).toEqual([...Array(PER_EMAIL).fill(200), 429]);
		const limited = await post('/request', requestFields('flood@acme.example'));
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(await limited.text()).toContain('Please try again in about');
	});
});
