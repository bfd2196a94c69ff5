/**
 * Chromium for the browser tests: the system's own (CHROMIUM_PATH, default /usr/bin/chromium),
 * driven by playwright-core, headless. Never a downloaded browser. Without it the browser tests
 * are skipped with one line (.ci/run installs it and fails if they were skipped).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/** `describe` when Chromium is there, otherwise `describe.skip` (vitest.e2e.config.ts says why). */
export function describeInBrowser(name: string, body: () => void): void {
	(hasChromium ? describe : describe.skip)(name, body);
}

export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		// Playwright gives every launch a fresh profile directory. Without the background-networking
		// flags Chromium keeps calling home, which floods a closed network.
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run',
		],
	});
}

/** A fresh browser profile (cookies, storage) that accepts downloads. */
export async function newPerson(
	browser: Browser,
	options: { ignoreHTTPSErrors?: boolean } = {},
): Promise<BrowserContext> {
	const context = await browser.newContext({ acceptDownloads: true, ...options });
	// A page that is not there in 15 s is not coming; fail with the locator instead of waiting on.
	context.setDefaultTimeout(15_000);
	return context;
}
