/**
 * The reviewer's journey in Chromium against the real server (`npm start`) on a fresh database:
 * trust page → request → emailed link → confirm → NDA → approval → portal → stamped download →
 * the copy's own verify link. On the embedded database a rule approves; on PostgreSQL staff
 * approve with `trustroom requests approve` beside the running server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/db.ts';
import { waitForEmail } from '../helpers/outbox.ts';
import { freePort, runCli, startServer, type RunningServer } from '../helpers/processes.ts';
import { describeInBrowser, launchChromium, newPerson } from './browser.ts';
import {
	acceptNda,
	checkCopy,
	confirmEmail,
	downloadCopy,
	magicLink,
	requestDocuments,
	reviewer,
} from './steps.ts';

const REPORT = 'SOC 2 Type II report 2025';

describeInBrowser('the reviewer journey in Chromium', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchChromium();
	});
	afterAll(async () => {
		await browser?.close();
	});

	const backends = databases();
	describe.each(backends.map((b) => [b.name, b] as const))('on %s', (name, backend) => {
		const byStaff = name === 'postgres';
		const tmp = mkdtempSync(join(tmpdir(), 'trustroom-e2e-'));
		const outbox = join(tmp, 'outbox');
		let env: Record<string, string>;
		let server: RunningServer;
		let person: BrowserContext;
		let page: Page;
		let closeDatabase = async () => {};

		beforeAll(async () => {
			// The server's own address, chosen up front so the shell commands share it (SITE_URL).
			const port = await freePort();
			env = {
				OUTBOX_DIR: outbox,
				PORT: String(port),
				SITE_URL: `http://127.0.0.1:${port}`,
			};
			if (byStaff) {
				const handle = await backend.open();
				env.DATABASE_URL = handle.url!;
				closeDatabase = () => handle.close();
				const staff = ['--name', 'Sam Sales', '--role', 'sales'];
				const created = await runCli(
					['users', 'create', '--email', 'sam@kestrel-analytics.example', ...staff],
					env,
				);
				expect(created.stderr).toBe('');
			} else {
				env.PGLITE_DIR = join(tmp, 'pglite');
				const rule = ['--domain', 'acme.example', '--action', 'approve', '--downloads', '5'];
				// A fresh embedded database is made by `db migrate` (other commands refuse to make one).
				expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
				expect((await runCli(['rules', 'add', ...rule], env)).stderr).toBe('');
			}
			server = await startServer(env);
			person = await newPerson(browser);
			page = await person.newPage();
		});
		afterAll(async () => {
			await person?.close();
			await server?.stop();
			await closeDatabase();
			rmSync(tmp, { recursive: true, force: true });
		});

		const jane = reviewer(byStaff ? 'jane@globex.example' : 'jane@acme.example');

		it('goes from the trust page to the NDA through the emailed link', async () => {
			await requestDocuments(page, server.url, jane, REPORT);
			const link = await magicLink(outbox, jane.email);
			expect(new URL(link).origin).toBe(server.url);
			await confirmEmail(page, link, '/nda');
		});

		it(
			byStaff
				? 'accepts the NDA, waits for staff, and is approved by `trustroom requests approve` beside the server'
				: 'accepts the NDA and is approved at once by the domain rule',
			async () => {
				await acceptNda(page, jane);
				if (!byStaff) {
					await page
						.getByText('Approved: your documents are under “Your documents” above.')
						.waitFor();
					return;
				}
				await page.getByText('Our team is reviewing your request.').waitFor();
				const staffMail = await waitForEmail(
					outbox,
					(e) => e.to === 'sam@kestrel-analytics.example' && e.text.includes(jane.email),
				);
				const id = /\/admin\/requests\/(\d+)/.exec(staffMail.text)?.[1];
				expect(id, staffMail.text).toBeTruthy();
				const approved = await runCli(['requests', 'approve', id!], env);
				expect(approved.stderr).toBe('');
				const granted = await waitForEmail(
					outbox,
					(e) => e.to === jane.email && e.template === 'access-granted',
				);
				const portalLink = /https?:\/\/\S+\/portal\b/.exec(granted.text)?.[0];
				// The link the shell mailed points where the server serves, and opens the portal there.
				expect(portalLink).toBe(`${server.url}/portal`);
				await page.goto(portalLink!);
				await page
					.getByText('Approved: your documents are under “Your documents” above.')
					.waitFor();
			},
		);

		it('downloads a copy stamped with the reviewer on every page, which /verify calls genuine', async () => {
			await page.goto(`${server.url}/portal`);
			await page.getByRole('heading', { name: 'Your documents' }).waitFor();
			const bytes = await downloadCopy(page, REPORT);
			const verifyUrl = checkCopy(bytes, jane.name);
			expect(new URL(verifyUrl).origin).toBe(server.url);
			await page.goto(verifyUrl);
			await page.getByText('Genuine.').waitFor();
			expect(await page.getByRole('main').textContent()).toContain(REPORT);
		});
	});
});
