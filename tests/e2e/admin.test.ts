/**
 * Staff at work in Chromium against the real server (`npm start`), with no shell and no restart
 * once it serves, on PGlite and PostgreSQL: (a) a reviewer from a domain with no rule waits for
 * staff, an admin signs in, approves from the queue, and the reviewer downloads a stamped copy;
 * (b) the admin uploads a new SOC 2 version (an encrypted PDF is refused with the reason),
 * publishes a new NDA version (the reviewer's next download asks for it), exports the log as CSV
 * and JSON lines, traces the downloaded copy by uploading it, and tests a rule. axe-core checks
 * every new staff page in light and dark (screenshots in tests/.tmp/screenshots).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, serverDatabase } from '../helpers/db.ts';
import { createStaffWithCli } from '../helpers/staff.ts';
import { waitForEmail } from '../helpers/outbox.ts';
import { hasTool, pdfPagesText } from '../helpers/pdf.ts';
import { freePort, startServer, type RunningServer } from '../helpers/processes.ts';
import { captureScreens, checkAccessibility } from './audits.ts';
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
const ADMIN = 'ada@kestrel-analytics.example';

/** A small report with text on each page, standing in for next year's SOC 2. */
async function newReport(pages: number): Promise<Buffer> {
	const pdf = await PDFDocument.create();
	const font = await pdf.embedFont(StandardFonts.Helvetica);
	for (let i = 1; i <= pages; i++)
		pdf
			.addPage()
			.drawText(`SOC 2 Type II report 2026, page ${i}`, { x: 72, y: 720, size: 14, font });
	return Buffer.from(await pdf.save());
}

describeInBrowser('staff at work in Chromium', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchChromium();
	});
	afterAll(async () => {
		await browser?.close();
	});

	describe.each(databases().map((b) => [b.name, b] as const))('on %s', (name, backend) => {
		const tmp = mkdtempSync(join(tmpdir(), 'trustroom-e2e-admin-'));
		const outbox = join(tmp, 'outbox');
		let server: RunningServer;
		let password = '';
		let people: BrowserContext[] = [];
		let staff: Page;
		let jane: Page;
		let copy: Buffer;
		let requestPath = '';
		let copyId = '';
		let closeDatabase = async () => {};
		const person = reviewer('jane@globex.example');
		/** axe in light and dark; on PGlite also screenshots for people to look at. */
		const look = async (page: Page, what: string) => {
			await checkAccessibility(page, what);
			if (name === 'pglite') await captureScreens(page, what.replace(/\s+/g, '-'));
		};

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
			password = await createStaffWithCli(env, { email: ADMIN, name: 'Ada Admin', role: 'admin' });
			server = await startServer(env);
			people = [await newPerson(browser), await newPerson(browser)];
			jane = await people[0]!.newPage();
			staff = await people[1]!.newPage();
		});
		afterAll(async () => {
			for (const p of people) await p.close();
			await server?.stop();
			await closeDatabase();
			rmSync(tmp, { recursive: true, force: true });
		});

		it('(a) sends a request from a domain with no rule to staff, and the admin is emailed a link to it', async () => {
			await requestDocuments(jane, server.url, person, REPORT);
			await confirmEmail(jane, await magicLink(outbox, person.email), '/nda');
			await acceptNda(jane, person);
			await jane.getByText('Our team is reviewing your request.').waitFor();
			const mail = await waitForEmail(
				outbox,
				(e) => e.to === ADMIN && e.text.includes(person.email),
			);
			const link = new RegExp(`${server.url}/admin/requests/\\d+`).exec(mail.text)?.[0];
			expect(link, mail.text).toBeTruthy();
			requestPath = new URL(link!).pathname;
		});

		it('(a) lets the admin sign in and find the request in the queue', async () => {
			// The emailed link, before signing in, leads through the sign-in back to the request.
			await staff.goto(`${server.url}${requestPath}`);
			await staff.getByLabel('Work email').fill(ADMIN);
			await staff.getByLabel('Password').fill(password);
			await staff.getByRole('button', { name: 'Sign in' }).click();
			await staff.waitForURL((url) => url.pathname === requestPath);
			await staff.goto(`${server.url}/admin`);
			await staff.getByRole('link', { name: 'Requests', exact: true }).click();
			await staff.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
			await look(staff, 'admin requests');
			await staff.getByLabel('Email, name or company').fill('globex');
			await staff.getByRole('button', { name: 'Filter' }).click();
			await staff.getByRole('link', { name: /Request #\d+/ }).click();
			await staff.waitForURL((url) => url.pathname === requestPath);
			expect(await staff.getByRole('main').textContent()).toContain(
				'no approval rule matches globex.example',
			);
			await look(staff, 'admin request');
		});

		it('(a) approves from the queue with a download cap, and the reviewer downloads a stamped copy', async () => {
			await staff.getByLabel('Download cap').fill('3');
			await staff.getByRole('button', { name: 'Approve and email the reviewer' }).click();
			await staff
				.getByText('Approved. The reviewer is emailed a link to their documents.')
				.waitFor();
			await look(staff, 'admin request approved');
			await jane.goto(`${server.url}/portal`);
			await jane.getByText('Approved: your documents are under “Your documents” above.').waitFor();
			copy = await downloadCopy(jane, REPORT);
			copyId = checkCopy(copy, person.name).slice(-9);
		});

		it('(a) shows the grant and the copy issued under it', async () => {
			await staff.getByRole('link', { name: 'Access', exact: true }).click();
			await look(staff, 'admin grants');
			await staff.getByRole('link', { name: /Grant #\d+/ }).click();
			await staff.getByText('1 used of 3').waitFor();
			const link = staff.getByRole('link', { name: copyId });
			expect(await link.getAttribute('href')).toBe(`/verify/${copyId}`);
			await look(staff, 'admin grant');
		});

		it('(b) refuses an encrypted SOC 2 upload with the reason, then stores a new version', async () => {
			await staff.goto(`${server.url}/admin/documents`);
			await look(staff, 'admin documents');
			await staff.getByRole('link', { name: REPORT }).click();
			await look(staff, 'admin document');
			await staff.getByRole('link', { name: 'Upload a new version' }).click();
			await staff
				.getByLabel(/The report \(PDF/)
				.setInputFiles('tests/fixtures/encrypted-password.pdf');
			await staff.getByRole('button', { name: 'Check and upload' }).click();
			await staff.getByRole('alert').filter({ hasText: 'the PDF is encrypted' }).first().waitFor();
			await look(staff, 'admin upload refused');
			await staff.getByLabel(/The report \(PDF/).setInputFiles({
				name: 'soc2-2026.pdf',
				mimeType: 'application/pdf',
				buffer: await newReport(3),
			});
			await staff.getByRole('button', { name: 'Check and upload' }).click();
			await staff.getByText(/Version #\d+ stored and now current/).waitFor();
			expect(await staff.getByRole('table').textContent()).toContain('soc2-2026.pdf');
		});

		it('(b) publishes a new NDA version, and the reviewer’s next download asks for it', async () => {
			await staff.getByRole('link', { name: 'NDA', exact: true }).click();
			await staff.getByLabel('Version').fill('9.0');
			await staff
				.getByLabel('Agreement text (Markdown)')
				.fill(
					'The reviewer keeps the documents confidential for five years after receiving them, ' +
						'shares them only with colleagues who need them to assess our security, ' +
						'and destroys every copy when the assessment ends or when we ask.',
				);
			await staff.getByRole('button', { name: 'Publish this version' }).click();
			await staff.waitForURL((url) => url.searchParams.get('published') === '1');
			await jane.goto(`${server.url}/portal`);
			await jane.getByRole('link', { name: 'read and accept it' }).waitFor();
			// No download button that would only be refused: it leads to the new agreement.
			expect(await jane.getByRole('button', { name: `Download ${REPORT}` }).count()).toBe(0);
			await jane.getByRole('link', { name: `Accept the new NDA to download ${REPORT}` }).click();
			await acceptNda(jane, person);
			copy = await downloadCopy(jane, REPORT);
			if (hasTool('pdftotext')) {
				const pages = pdfPagesText(copy);
				expect(pages).toHaveLength(3);
				expect(pages[0]).toContain('SOC 2 Type II report 2026, page 1');
				expect(pages[0]).toContain(person.name);
			}
		});

		it('(b) exports the access log as CSV and JSON lines, with the download in both', async () => {
			await staff.goto(`${server.url}/admin/log`);
			const exported: Record<string, string> = {};
			for (const label of ['CSV', 'JSON lines']) {
				const [file] = await Promise.all([
					staff.waitForEvent('download'),
					staff.getByRole('link', { name: label, exact: true }).click(),
				]);
				exported[label] = readFileSync((await file.path())!, 'utf8');
			}
			expect(exported.CSV!.split('\n')[0]).toMatch(/hash/i);
			expect(exported.CSV).toContain(person.email);
			const lines = exported['JSON lines']!.trim()
				.split('\n')
				.map((l) => JSON.parse(l));
			expect(lines.some((l) => JSON.stringify(l).includes(person.email))).toBe(true);
			expect(lines.every((l) => typeof l.hash === 'string')).toBe(true);
		});

		it('(b) traces the downloaded copy by uploading it', async () => {
			await staff.getByRole('link', { name: 'Trace a copy' }).click();
			await staff.getByLabel('A copy (PDF)').setInputFiles({
				name: 'found-on-a-forum.pdf',
				mimeType: 'application/pdf',
				buffer: copy,
			});
			await staff.getByRole('button', { name: 'Trace' }).click();
			await staff.getByText('Identical, byte for byte, to the copy we issued.').waitFor();
			expect(await staff.getByRole('main').textContent()).toContain(person.email);
		});

		it('(b) adds an approval rule and tests which rule wins for a domain', async () => {
			await staff.getByRole('link', { name: 'Rules', exact: true }).click();
			await staff.getByLabel('Email domain').fill('*.globex.example');
			await staff.getByLabel('Then').selectOption('approve');
			await staff.getByRole('button', { name: 'Add the rule' }).click();
			await staff.getByText('Rule added.').waitFor();
			await staff.getByLabel('Test a domain or address').fill('eu.globex.example');
			await staff.getByRole('button', { name: 'Which rule wins?' }).click();
			await staff.getByText(/eu\.globex\.example: Approve at once, by rule #\d+/).waitFor();
			await look(staff, 'admin rules');
			await staff.getByRole('link', { name: /\*\.globex\.example/ }).click();
			await staff.getByRole('heading', { name: /Rule #\d+/ }).waitFor();
			await look(staff, 'admin rule');
		});
	});
});
