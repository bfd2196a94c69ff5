/**
 * A sales rep's share link in Chromium against the real server: the rep signs in, creates a link
 * for buyer@prospect.example and has Trustroom email it; the prospect opens it from the email,
 * confirms the address, accepts the NDA and downloads a stamped copy; the rep sees the open and
 * the download and got both emails; revoking stops the link and the download at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, serverDatabase } from '../helpers/db.ts';
import { createStaffWithCli } from '../helpers/staff.ts';
import { waitForEmail } from '../helpers/outbox.ts';
import { freePort, startServer, type RunningServer } from '../helpers/processes.ts';
import { describeInBrowser, launchChromium, newPerson } from './browser.ts';
import { acceptNda, checkCopy, confirmEmail, downloadCopy, magicLink } from './steps.ts';

const REPORT = 'SOC 2 Type II report 2025';
const BUYER = {
	name: 'Bea Buyer',
	email: 'buyer@prospect.example',
	company: 'Prospect Inc',
	title: 'Head of Security',
};
const REP = 'sam@kestrel-analytics.example';

describeInBrowser('a rep’s share link in Chromium', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchChromium();
	});
	afterAll(async () => {
		await browser?.close();
	});

	describe.each(databases().map((b) => [b.name, b] as const))('on %s', (name, backend) => {
		const tmp = mkdtempSync(join(tmpdir(), 'trustroom-e2e-links-'));
		const outbox = join(tmp, 'outbox');
		let server: RunningServer;
		let rep: BrowserContext;
		let buyer: BrowserContext;
		let repPage: Page;
		let buyerPage: Page;
		let password = '';
		let closeDatabase = async () => {};
		let shareLink = '';
		let copyId = '';

		beforeAll(async () => {
			const port = await freePort();
			const env: Record<string, string> = {
				OUTBOX_DIR: outbox,
				PORT: String(port),
				SITE_URL: `http://127.0.0.1:${port}`,
			};
			const database = await serverDatabase(backend, tmp);
			Object.assign(env, database.env);
			closeDatabase = database.close;
			password = await createStaffWithCli(env, { email: REP, name: 'Sam Seller', role: 'sales' });
			server = await startServer(env);
			rep = await newPerson(browser);
			buyer = await newPerson(browser);
			repPage = await rep.newPage();
			buyerPage = await buyer.newPage();
		});
		afterAll(async () => {
			await rep?.close();
			await buyer?.close();
			await server?.stop();
			await closeDatabase();
			rmSync(tmp, { recursive: true, force: true });
		});

		it('the rep signs in, creates a link for the buyer and has Trustroom email it', async () => {
			await repPage.goto(`${server.url}/admin/login`);
			await repPage.getByLabel('Work email').fill(REP);
			await repPage.getByLabel('Password').fill(password);
			await repPage.getByRole('button', { name: 'Sign in' }).click();
			await repPage.waitForURL((url) => url.pathname === '/admin');
			await repPage.getByRole('link', { name: 'Share links' }).click();
			await repPage.getByRole('link', { name: 'New share link' }).click();
			await repPage.getByLabel(/^Recipient/).fill(BUYER.email);
			await repPage.getByLabel(/^Expires in/).fill('7');
			await repPage.getByLabel(/^Uses/).fill('2');
			await repPage.getByRole('radio', { name: /Email it for me/ }).check();
			await repPage.getByRole('button', { name: 'Create the link' }).click();
			await repPage.getByRole('heading', { name: 'Share link created' }).waitFor();
			await repPage.getByText(`Trustroom is emailing it to ${BUYER.email}`).waitFor();
			const mail = await waitForEmail(outbox, (e) => e.to === BUYER.email);
			expect(mail.subject).toContain('Sam Seller shared documents');
			expect(mail.text).toContain('Reply to this email to reach Sam Seller');
			shareLink = /https?:\/\/\S+\/share\/[a-z2-7]+\.[a-z2-7]+/.exec(mail.text)?.[0] ?? '';
			expect(shareLink, mail.text).not.toBe('');
		});

		it('the buyer opens it, confirms the address, accepts the NDA and downloads a stamped copy', async () => {
			await buyerPage.goto(shareLink);
			await buyerPage.getByRole('heading', { name: 'Documents shared with you' }).waitFor();
			expect(await buyerPage.getByRole('main').textContent()).toContain('Sam Seller');
			expect(await buyerPage.getByLabel('Work email').inputValue()).toBe(BUYER.email);
			await buyerPage.getByLabel('Full name').fill(BUYER.name);
			await buyerPage.getByLabel('Company').fill(BUYER.company);
			await buyerPage.getByLabel('Job title').fill(BUYER.title);
			// A form POST from the page whose URL carries the token: its Referrer-Policy must let
			// Chromium send a real Origin, or the origin check refuses it.
			await buyerPage.getByRole('button', { name: 'Email me a confirmation link' }).click();
			await buyerPage.getByRole('heading', { name: 'Check your email' }).waitFor();
			await buyerPage.getByText('Check your spam folder').waitFor();
			await confirmEmail(buyerPage, await magicLink(outbox, BUYER.email), '/nda');
			await acceptNda(buyerPage, BUYER);
			await buyerPage.getByRole('heading', { name: 'Your documents' }).waitFor();
			const bytes = await downloadCopy(buyerPage, REPORT);
			const verifyUrl = checkCopy(bytes, BUYER.name);
			copyId = verifyUrl.slice(-9);
		});

		it('the rep sees the open and the download, and got both emails', async () => {
			await waitForEmail(outbox, (e) => e.to === REP && /was opened/.test(e.subject));
			await waitForEmail(outbox, (e) => e.to === REP && e.subject.includes(copyId));
			await repPage.getByRole('link', { name: 'See its activity' }).click();
			const main = repPage.getByRole('main');
			await main.getByText('Opened (first time)').waitFor();
			await main.getByText(`${BUYER.email} downloaded ${REPORT}`).waitFor();
			await main.getByText(copyId).waitFor();
			expect(await main.textContent()).toContain('1 of 2');
		});

		it('revoking stops the link and the download at once', async () => {
			const portal = await buyer.newPage();
			await portal.goto(`${server.url}/portal`);
			await portal.getByRole('button', { name: `Download ${REPORT}` }).waitFor();
			await repPage.getByRole('button', { name: 'Revoke this link' }).click();
			await repPage.getByText('Revoked. The link stopped working').waitFor();
			await buyerPage.goto(shareLink);
			await buyerPage.getByRole('heading', { name: 'This link was withdrawn' }).waitFor();
			await buyerPage.getByRole('link', { name: 'Request documents' }).waitFor();
			// The portal tab opened before the revocation: its button no longer yields a copy.
			await portal.getByRole('button', { name: `Download ${REPORT}` }).click();
			await portal.getByRole('heading', { name: 'Your access was withdrawn' }).waitFor();
		});
	});
});
