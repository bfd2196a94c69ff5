/**
 * Every form in Chromium, as a person uses it (real server, embedded database): request, confirm,
 * NDA accept, NDA-on-file claim, download, portal sign-out, staff sign-in and sign-out; and the
 * error pages a browser meets (an unknown address, a form posted from another site).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, expect, it } from 'vitest';
import { runCli, startServer, type RunningServer } from '../helpers/processes.ts';
import { createFirstAdmin } from '../helpers/staff.ts';
import { describeInBrowser, launchChromium, newPerson } from './browser.ts';
import {
	acceptNda,
	confirmEmail,
	downloadCopy,
	magicLink,
	requestDocuments,
	reviewer,
} from './steps.ts';

describeInBrowser('forms in Chromium', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-forms-'));
	const outbox = join(tmp, 'outbox');
	const env = { PGLITE_DIR: join(tmp, 'pglite'), OUTBOX_DIR: outbox };
	let server: RunningServer;
	let browser: Browser;
	let person: BrowserContext;
	let page: Page;

	beforeAll(async () => {
		const rule = ['--domain', 'acme.example', '--action', 'approve', '--downloads', '5'];
		// A fresh embedded database is made by `db migrate` (other commands refuse to make one).
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		expect((await runCli(['rules', 'add', ...rule], env)).stderr).toBe('');
		server = await startServer(env);
		browser = await launchChromium();
	});
	afterAll(async () => {
		await browser?.close();
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});
	beforeEach(async () => {
		person = await newPerson(browser);
		page = await person.newPage();
	});
	afterEach(async () => {
		await person?.close();
	});

	/** Request, emailed link, confirm: the reviewer is signed in and on `next`. */
	async function signIn(email: string, next: '/nda' | '/portal' = '/nda') {
		const who = reviewer(email);
		await requestDocuments(page, server.url, who);
		await confirmEmail(page, await magicLink(outbox, email), next);
		return who;
	}

	it('request: names a missing field, keeps what was typed, then sends the link', async () => {
		await page.goto(`${server.url}/request`);
		await page.getByLabel('Full name').fill('Jane Doe');
		const answer = page.waitForResponse((r) => r.request().method() === 'POST');
		await page.getByRole('button', { name: 'Email me a confirmation link' }).click();
		expect((await answer).status()).toBe(400);
		// Named twice: in the summary that takes focus (a link to the field) and beside the field.
		await page.getByRole('link', { name: 'Work email is required' }).waitFor();
		expect(await page.locator('#field-email-error').textContent()).toBe('Work email is required');
		expect(await page.getByLabel('Work email').getAttribute('aria-invalid')).toBe('true');
		expect(await page.getByLabel('Full name').inputValue()).toBe('Jane Doe');
		await page.getByLabel('Work email').fill('jane@acme.example');
		await page.getByLabel('Company').fill('Acme Inc');
		await page.getByLabel('Job title').fill('Security Analyst');
		await page.getByRole('button', { name: 'Email me a confirmation link' }).click();
		await page.getByRole('heading', { name: 'Check your email' }).waitFor();
	});

	it('confirm: the emailed link signs in once, and says so when used again', async () => {
		await requestDocuments(page, server.url, reviewer('ravi@acme.example'));
		const link = await magicLink(outbox, 'ravi@acme.example');
		await confirmEmail(page, link, '/nda');
		const again = await page.goto(link);
		expect(again?.status()).toBe(400);
		await page.getByText('This link has already been used.').waitFor();
		expect(await page.getByRole('button', { name: 'Confirm my email' }).count()).toBe(0);
	});

	it('NDA accept and download: the box must be ticked, then a copy leaves and is counted', async () => {
		const who = await signIn('nia@acme.example');
		await page.getByRole('button', { name: 'Accept the agreement' }).click();
		// The browser holds the form back until the box is ticked (it is required).
		expect(new URL(page.url()).pathname).toBe('/nda');
		await acceptNda(page, who);
		await page.getByText('5 of 5 downloads left').waitFor();
		const bytes = await downloadCopy(page, 'SOC 2 Type II report 2025');
		expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
		await page.reload();
		await page.getByText('4 of 5 downloads left').waitFor();
	});

	it('NDA on file: the claim goes to staff, and the portal says it is in review', async () => {
		await signIn('carol@initech.example');
		await page.getByText(/We already have an NDA or MSA with/).click();
		await page.getByLabel('Agreement reference or name').fill('MSA-2024-117');
		await page.getByLabel('Signed on (optional)').fill('2024-05-02');
		await page.getByRole('button', { name: 'Ask staff to confirm it' }).click();
		await page.waitForURL((url) => url.pathname === '/portal');
		await page.getByText('Our team is reviewing your request.').waitFor();
	});

	it('portal sign-out: the session ends, and the portal asks for the emailed link again', async () => {
		await signIn('omar@acme.example');
		await page.goto(`${server.url}/portal`);
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/');
		const portal = await page.goto(`${server.url}/portal`);
		expect(portal?.status()).toBe(401);
		await page.getByRole('button', { name: 'Email me a sign-in link' }).waitFor();
		expect(await person.cookies()).toEqual([]);
	});

	it('staff sign-in and sign-out: a wrong password is refused, the right one opens the overview', async () => {
		const admin = {
			email: 'admin@kestrel-analytics.example',
			name: 'First Admin',
			password: 'forms test admin passphrase',
		};
		await createFirstAdmin({ url: server.url, outbox }, server.output(), admin);
		await page.goto(`${server.url}/admin/login`);
		await page.getByLabel('Work email').fill(admin.email);
		await page.getByLabel('Password').fill('not the password');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByText('That email and password do not match a staff account').waitFor();
		await page.getByLabel('Password').fill(admin.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL((url) => url.pathname === '/admin');
		await page.getByRole('heading', { name: 'Overview' }).waitFor();

		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/admin/login');
		await page.goto(`${server.url}/admin`);
		expect(new URL(page.url()).pathname).toBe('/admin/login');
	});

	it('shows an unknown address as our own 404 page, with a way back', async () => {
		const answer = await page.goto(`${server.url}/no-such-page`);
		expect(answer?.status()).toBe(404);
		await page.getByRole('heading', { name: 'Page not found' }).waitFor();
		await page.getByRole('link', { name: 'Trust center' }).last().click();
		await page.waitForURL((url) => url.pathname === '/');
	});

	it('refuses a form posted from another site with a page that says where to send it', async () => {
		// Another origin (same host, other port) whose page posts to our request form.
		const evil: Server = createServer((_req, res) => {
			res.setHeader('Content-Type', 'text/html');
			res.end(
				`<form method="post" action="${server.url}/request"><input name="email" value="victim@acme.example"><button>Win a prize</button></form>`,
			);
		});
		await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = evil.address() as { port: number };
			await page.goto(`http://127.0.0.1:${port}/`);
			const answer = page.waitForResponse((r) => r.url() === `${server.url}/request`);
			await page.getByRole('button', { name: 'Win a prize' }).click();
			expect((await answer).status()).toBe(403);
			await page.getByRole('heading', { name: 'This form came from another site' }).waitFor();
			await page.getByText(`Open ${server.url} and send the form from there.`).waitFor();
		} finally {
			evil.close();
		}
	});
});
