/**
 * How the pages look and read, judged in Chromium: the trust page's size on a desktop and a phone
 * and in print, axe-core on every page of the reviewer's journey (light and dark), screenshots of
 * each page for people to look at (tests/.tmp/screenshots), and keyboard-only walks of the forms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitForEmail } from '../helpers/outbox.ts';
import { runCli, startServer, type RunningServer } from '../helpers/processes.ts';
import {
	captureScreens,
	checkAccessibility,
	clearScreenshots,
	expectNextFocus,
	focused,
	pageSize,
	tab,
	tabTo,
	VIEWPORTS,
	type AxeFinding,
} from './audits.ts';
import { describeInBrowser, launchChromium, newPerson } from './browser.ts';
import { downloadCopy, magicLink, reviewer } from './steps.ts';

const REPORT = 'SOC 2 Type II report 2025';

describeInBrowser('how the pages look and read in Chromium', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-looks-'));
	const outbox = join(tmp, 'outbox');
	const env = { PGLITE_DIR: join(tmp, 'pglite'), OUTBOX_DIR: outbox };
	let server: RunningServer;
	let browser: Browser;
	let person: BrowserContext;
	let page: Page;
	const findings = new Map<string, AxeFinding[]>();

	beforeAll(async () => {
		clearScreenshots();
		const rule = ['--domain', 'acme.example', '--action', 'approve', '--downloads', '5'];
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		expect((await runCli(['rules', 'add', ...rule], env)).stderr).toBe('');
		server = await startServer(env);
		browser = await launchChromium();
		person = await newPerson(browser);
		page = await person.newPage();
		await page.setViewportSize(VIEWPORTS.desktop);
	});
	afterAll(async () => {
		// Lesser findings (moderate, minor) do not fail the run; they are listed for people to weigh.
		const lesser = [...findings].flatMap(([name, list]) => list.map((f) => `${name}: ${f.id}`));
		if (lesser.length) console.log(`axe, moderate or minor:\n  ${lesser.join('\n  ')}`);
		await person?.close();
		await browser?.close();
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	/** axe on the page as it is (light and dark), then its screenshots. */
	async function judge(name: string) {
		findings.set(name, await checkAccessibility(page, name));
		await captureScreens(page, name);
	}

	it('reads the trust page in at most 2.5 desktop screens with the controls folded, and never scrolls sideways on a phone', async () => {
		await page.goto(`${server.url}/`);
		expect(await page.locator('details[open]').count()).toBe(0);
		const desktop = await pageSize(page);
		expect(desktop.height).toBeLessThanOrEqual(2.5 * VIEWPORTS.desktop.height);
		expect(desktop.width).toBeLessThanOrEqual(VIEWPORTS.desktop.width);
		await page.setViewportSize(VIEWPORTS.phone);
		const phone = await pageSize(page);
		expect(phone.width).toBeLessThanOrEqual(VIEWPORTS.phone.width);
		await page.setViewportSize(VIEWPORTS.desktop);
		console.log(`trust page: desktop ${desktop.height} px tall, phone ${phone.height} px tall`);
	});

	it('prints the trust page without the banner and buttons, with link addresses and folded parts open', async () => {
		await page.goto(`${server.url}/`);
		await page.emulateMedia({ media: 'print' });
		try {
			expect(await page.locator('.demo-note').isVisible()).toBe(false);
			expect(
				await page.getByRole('link', { name: 'Request access', exact: true }).isVisible(),
			).toBe(false);
			const after = await page
				.getByRole('link', { name: 'Disclosure policy' })
				.evaluate((a) => getComputedStyle(a, '::after').content);
			expect(after).toContain('https://kestrel-analytics.example/security/disclosure-policy');
			expect(await page.getByText('Single sign-on with phishing-resistant MFA').isVisible()).toBe(
				true,
			);
		} finally {
			await page.emulateMedia({ media: 'screen' });
		}
	});

	it('walks the journey with no serious or critical axe findings on any page, and screenshots each', async () => {
		const jane = reviewer('jane@acme.example');
		await page.goto(`${server.url}/`);
		await judge('01-trust-page');

		await page.getByRole('link', { name: 'Request access', exact: true }).click();
		await page.getByRole('heading', { name: 'Request confidential documents' }).waitFor();
		await judge('02-request');

		await page.getByRole('button', { name: 'Email me a confirmation link' }).click();
		await page.getByRole('heading', { name: '4 things to fix' }).waitFor();
		await judge('03-request-errors');

		await page.getByLabel('Full name').fill(jane.name);
		await page.getByLabel('Work email').fill(jane.email);
		await page.getByLabel('Company').fill(jane.company);
		await page.getByLabel('Job title').fill(jane.title);
		await page.getByRole('button', { name: 'Email me a confirmation link' }).click();
		await page.getByRole('heading', { name: 'Check your email' }).waitFor();
		await judge('04-request-sent');

		await page.goto(await magicLink(outbox, jane.email));
		await judge('05-confirm-email');
		await page.getByRole('button', { name: 'Confirm my email' }).click();
		await page.waitForURL((url) => url.pathname === '/nda');
		await judge('06-nda');

		await page.getByRole('checkbox', { name: /I have read this agreement/ }).check();
		await page.getByRole('button', { name: 'Accept the agreement' }).click();
		await page.waitForURL((url) => url.pathname === '/portal');
		await judge('07-portal');

		await downloadCopy(page, REPORT);
		await page.reload();
		await page.getByRole('heading', { name: 'Copies issued to you' }).waitFor();
		await page.getByText('4 of 5 downloads left').waitFor();
		await judge('08-portal-with-copy');

		await page.getByRole('link', { name: /^Verify copy / }).click();
		await page.getByText('Genuine.').waitFor();
		await judge('09-verify-copy');

		await page.goto(`${server.url}/verify/ZZZZ-ZZZZ`);
		await judge('10-verify-unknown');

		await page.goto(`${server.url}/portal`);
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.goto(`${server.url}/portal`);
		await judge('11-portal-signed-out');

		await page.getByLabel('Work email').fill(jane.email);
		await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
		await page.getByRole('heading', { name: 'Check your email' }).waitFor();
		await judge('12-sign-in-sent');

		const mail = await waitForEmail(outbox, (e) => e.template === 'sign-in-link');
		await page.goto(/https?:\/\/\S+\/portal\/sign-in\?token=\S+/.exec(mail.text)![0]);
		await judge('13-sign-in-confirm');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL((url) => url.pathname === '/portal');
		// Back in without a new request: the same grant, one download fewer after this copy.
		await downloadCopy(page, REPORT);
		await page.reload();
		await page.getByText('3 of 5 downloads left').waitFor();
		expect(await page.locator('.card.request').count()).toBe(1);

		await page.goto(`${server.url}/no-such-page`);
		await judge('14-not-found');
	});

	it('keyboard only: the request form from its first field, the error summary, the links to each field', async () => {
		const keys = await newPerson(browser);
		const kb = await keys.newPage();
		try {
			await kb.goto(`${server.url}/request?documents=soc2-type2-2025`);
			expect(await tab(kb)).toContain('Skip to content');
			await tabTo(kb, '#field-name');
			// Sent empty with Enter: the summary takes focus and its links lead to each field.
			await kb.keyboard.press('Enter');
			await kb.getByRole('heading', { name: '4 things to fix' }).waitFor();
			expect(await focused(kb)).toMatch(/^div 4 things to fix/);
			await tab(kb);
			await tab(kb);
			expect(await focused(kb)).toBe('a Work email is required');
			await kb.keyboard.press('Enter');
			await kb.waitForFunction(() => document.activeElement?.id === 'field-email');
			expect(await kb.locator('#field-email').getAttribute('aria-invalid')).toBe('true');

			await kb.keyboard.type('ravi@acme.example');
			await tab(kb, 'Shift+Tab');
			await kb.keyboard.type('Ravi Rao');
			await expectNextFocus(kb, '#field-email');
			await expectNextFocus(kb, '#field-company');
			await kb.keyboard.type('Acme Inc');
			await expectNextFocus(kb, '#field-title');
			await kb.keyboard.type('Security Analyst');
			await expectNextFocus(kb, '#field-documents');
			expect(await kb.locator('#field-documents').isChecked()).toBe(true);
			await tab(kb);
			await kb.keyboard.press('Space');
			await tabTo(kb, '#field-reason');
			await tabTo(kb, 'button[type=submit]');
			await kb.keyboard.press('Enter');
			await kb.getByRole('heading', { name: 'Check your email' }).waitFor();
		} finally {
			await keys.close();
		}
	});

	it('keyboard only: confirming the email and accepting the NDA, then a download', async () => {
		const keys = await newPerson(browser);
		const kb = await keys.newPage();
		try {
			await kb.goto(await magicLink(outbox, 'ravi@acme.example'));
			await tabTo(kb, 'button[type=submit]');
			await kb.keyboard.press('Enter');
			await kb.waitForURL((url) => url.pathname === '/nda');
			// The agreement's text is a focusable region, so it scrolls from the keyboard.
			await tabTo(kb, '.nda-text');
			await expectNextFocus(kb, '#field-signerName');
			expect(await kb.locator('#field-signerName').inputValue()).toBe('Ravi Rao');
			await expectNextFocus(kb, '#field-signerTitle');
			await expectNextFocus(kb, '#field-agree');
			await kb.keyboard.press('Space');
			await tabTo(kb, 'button[type=submit]');
			await kb.keyboard.press('Enter');
			await kb.waitForURL((url) => url.pathname === '/portal');
			await tabTo(kb, 'form[action$=".pdf"] button');
			const [download] = await Promise.all([
				kb.waitForEvent('download'),
				kb.keyboard.press('Enter'),
			]);
			expect(await download.failure()).toBeNull();
		} finally {
			await keys.close();
		}
	});
});
