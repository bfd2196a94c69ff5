/**
 * How a page is judged in the browser: axe-core's accessibility rules (its source injected into
 * the page), screenshots on a desktop and a phone in light and dark for people to look at, and
 * the page's own size.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Where screenshots go (ignored by git): one PNG per page, viewport and colour scheme. */
export const SCREENSHOT_DIR = resolve('tests/.tmp/screenshots');

export const VIEWPORTS = {
	desktop: { width: 1366, height: 768 },
	phone: { width: 390, height: 844 },
} as const;
export const SCHEMES = ['light', 'dark'] as const;

const AXE_SOURCE = readFileSync(
	createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
	'utf8',
);

export interface AxeFinding {
	id: string;
	impact: string | null;
	help: string;
	targets: string[];
}

/** axe-core's violations on the page as it is now (evaluated through the protocol, so CSP allows it). */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
	await page.evaluate(AXE_SOURCE);
	return page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
			.axe;
		const result = (await axe.run(document, { resultTypes: ['violations'] })) as {
			violations: {
				id: string;
				impact: string | null;
				help: string;
				nodes: { target: string[] }[];
			}[];
		};
		return result.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			targets: v.nodes.map((n) => n.target.join(' ')),
		}));
	});
}

/** Every axe finding on this page, in light and dark, by name; serious and critical ones fail. */
export async function checkAccessibility(page: Page, name: string): Promise<AxeFinding[]> {
	const all: AxeFinding[] = [];
	for (const colorScheme of SCHEMES) {
		await page.emulateMedia({ colorScheme });
		all.push(...(await axeViolations(page)).map((f) => ({ ...f, id: `${f.id} (${colorScheme})` })));
	}
	await page.emulateMedia({ colorScheme: 'light' });
	const blocking = all.filter((f) => f.impact === 'serious' || f.impact === 'critical');
	expect(blocking, `${name}: ${JSON.stringify(blocking, null, 2)}`).toEqual([]);
	return all;
}

/** Screenshots of the page as it is now, on each viewport and scheme; back to desktop light after. */
export async function captureScreens(page: Page, name: string): Promise<string[]> {
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
	const files: string[] = [];
	for (const [viewport, size] of Object.entries(VIEWPORTS)) {
		await page.setViewportSize(size);
		for (const colorScheme of SCHEMES) {
			await page.emulateMedia({ colorScheme });
			const file = join(SCREENSHOT_DIR, `${name}-${viewport}-${colorScheme}.png`);
			await page.screenshot({ path: file, fullPage: true });
			files.push(file);
		}
	}
	await page.setViewportSize(VIEWPORTS.desktop);
	await page.emulateMedia({ colorScheme: 'light' });
	return files;
}

export function clearScreenshots(): void {
	rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
}

/** The document's full size as laid out now. */
export function pageSize(page: Page): Promise<{ width: number; height: number }> {
	return page.evaluate(() => ({
		width: document.documentElement.scrollWidth,
		height: document.documentElement.scrollHeight,
	}));
}

/** Presses Tab once and returns a short description of what has focus (for failure messages). */
export async function tab(page: Page, key = 'Tab'): Promise<string> {
	await page.keyboard.press(key);
	return focused(page);
}

export function focused(page: Page): Promise<string> {
	return page.evaluate(() => {
		const el = document.activeElement;
		if (!el || el === document.body) return 'body';
		const id = el.id ? `#${el.id}` : '';
		const text = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40);
		return `${el.tagName.toLowerCase()}${id} ${text}`.trim();
	});
}

/** Tabs forward until the element matching `selector` has focus; fails after `max` presses. */
export async function tabTo(page: Page, selector: string, max = 30): Promise<void> {
	const seen: string[] = [];
	for (let i = 0; i < max; i++) {
		seen.push(await tab(page));
		if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
	}
	throw new Error(`Tab never reached ${selector}; focus went: ${seen.join(' → ')}`);
}

/** One Tab must land exactly on `selector` (the next field in a form). */
export async function expectNextFocus(page: Page, selector: string): Promise<void> {
	const now = await tab(page);
	expect(
		await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector),
		`expected ${selector}, focus is on ${now}`,
	).toBe(true);
}
