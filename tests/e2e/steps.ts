/** What a reviewer does in the browser, step by step: fields by their labels, buttons by their names. */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { waitForEmail, type OutboxEmail } from '../helpers/outbox.ts';
import { hasTool, pdfPagesText } from '../helpers/pdf.ts';

export interface Reviewer {
	name: string;
	email: string;
	company: string;
	title: string;
}

/** From the trust page's "Request access" button to "Check your email". */
export async function requestDocuments(
	page: Page,
	siteUrl: string,
	reviewer: Reviewer,
	report = 'SOC 2 Type II report 2025',
): Promise<void> {
	await page.goto(`${siteUrl}/`);
	await page.getByRole('link', { name: `Request access to ${report}` }).click();
	await page.getByLabel('Full name').fill(reviewer.name);
	await page.getByLabel('Work email').fill(reviewer.email);
	await page.getByLabel('Company').fill(reviewer.company);
	await page.getByLabel('Job title').fill(reviewer.title);
	expect(await page.getByRole('checkbox', { name: report }).isChecked()).toBe(true);
	await page.getByRole('button', { name: 'Email me a confirmation link' }).click();
	await page.getByRole('heading', { name: 'Check your email' }).waitFor();
}

const isLinkFor = (email: string) => (e: OutboxEmail) =>
	e.to === email && /Confirm your email/.test(e.subject);

/** The confirmation link from the newest email to `email`, as the reviewer's mail shows it. */
export async function magicLink(outbox: string, email: string): Promise<string> {
	const mail = await waitForEmail(outbox, isLinkFor(email));
	const link = /https?:\/\/\S+\/verify\?token=[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
	expect(link, mail.text).toBeTruthy();
	return link!;
}

/** Opens the emailed link and presses "Confirm my email"; lands on `next`. */
export async function confirmEmail(page: Page, link: string, next: '/nda' | '/portal') {
	await page.goto(link);
	await page.getByRole('button', { name: 'Confirm my email' }).click();
	await page.waitForURL((url) => url.pathname === next);
}

export async function acceptNda(page: Page, reviewer: Reviewer): Promise<void> {
	await page.getByRole('heading', { name: /non-disclosure agreement/i }).waitFor();
	await page.getByLabel('Full name').fill(reviewer.name);
	await page.getByLabel('Job title').fill(reviewer.title);
	await page.getByRole('checkbox', { name: /I have read this agreement and accept it/ }).check();
	await page.getByRole('button', { name: 'Accept the agreement' }).click();
	await page.waitForURL((url) => url.pathname === '/portal');
}

/** Presses the portal's download button for `title`; returns the saved file's bytes. */
export async function downloadCopy(page: Page, title: string): Promise<Buffer> {
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('button', { name: `Download ${title}` }).click(),
	]);
	const failure = await download.failure();
	expect(failure).toBeNull();
	return readFileSync((await download.path())!);
}

export const reviewer = (email: string, name = 'Jane Doe'): Reviewer => ({
	name,
	email,
	company: 'Acme Inc',
	title: 'Security Analyst',
});

/** Every page of the copy names the reviewer and the copy; returns its "verify at" address. */
export function checkCopy(bytes: Buffer, name: string): string {
	expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
	hasTool('pdftotext');
	const pages = pdfPagesText(bytes).map((p) => p.replace(/\s+/g, ' '));
	expect(pages.length).toBeGreaterThanOrEqual(60);
	const verifyUrl = /verify at (\S+\/verify\/[A-Z0-9]{4}-[A-Z0-9]{4})/.exec(pages[0]!)?.[1];
	expect(verifyUrl, pages[0]).toBeTruthy();
	const copyId = verifyUrl!.slice(-9);
	pages.forEach((text, index) => {
		expect(text, `page ${index + 1}`).toContain(name);
		expect(text, `page ${index + 1}`).toContain(copyId);
	});
	return verifyUrl!;
}
