/**
 * Lighthouse on the trust page, driving the system Chromium (chrome-launcher with its path; no
 * browser is downloaded), with Lighthouse's default mobile emulation and simulated throttling.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/processes.ts';
import { CHROMIUM_PATH, describeInBrowser } from './browser.ts';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const RUNS = 3;

type Result = NonNullable<Awaited<ReturnType<typeof lighthouse>>>['lhr'];

/** One Lighthouse run in a fresh Chromium; its report. */
async function runLighthouse(url: string): Promise<Result> {
	const chrome = await chromeLauncher.launch({
		chromePath: CHROMIUM_PATH,
		// The same quiet flags as the other browser tests, plus the new headless mode.
		chromeFlags: [
			'--headless=new',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run',
		],
	});
	try {
		const result = await lighthouse(url, {
			port: chrome.port,
			output: 'json',
			logLevel: 'error',
			onlyCategories: [...CATEGORIES],
		});
		if (!result) throw new Error('Lighthouse returned no result');
		return result.lhr;
	} finally {
		chrome.kill();
	}
}

describeInBrowser('Lighthouse on the trust page', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-lighthouse-'));
	let server: RunningServer;
	beforeAll(async () => {
		server = await startServer({
			PGLITE_DIR: join(tmp, 'pglite'),
			OUTBOX_DIR: join(tmp, 'outbox'),
		});
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	it('scores at least 0.98 for performance, accessibility, best practices and SEO (median of 3 runs)', async () => {
		// One run's timings wobble on a shared 2-core machine (blocking time from 20 to 250 ms on a page
		// without script); Lighthouse's own advice is to judge the median of several runs.
		const runs: Result[] = [];
		for (let i = 0; i < RUNS; i++) {
			const lhr = await runLighthouse(`${server.url}/`);
			if (lhr.runtimeError) console.log(`Lighthouse run ${i + 1}: ${lhr.runtimeError.code}`);
			else runs.push(lhr);
		}
		expect(runs.length, 'at least two runs must finish').toBeGreaterThanOrEqual(2);
		const median: Result = computeMedianRun(runs);
		const scores = Object.fromEntries(
			CATEGORIES.map((id) => [id, median.categories[id]?.score ?? 0]),
		);
		// What cost points, so a failure says what to fix.
		const losses = CATEGORIES.flatMap((id) =>
			(median.categories[id]?.auditRefs ?? [])
				.filter((ref) => ref.weight > 0 && (median.audits[ref.id]?.score ?? 1) < 1)
				.map((ref) => `${id}: ${ref.id} ${median.audits[ref.id]?.displayValue ?? ''}`),
		);
		const all = runs.map((r) => CATEGORIES.map((id) => r.categories[id]?.score).join('/'));
		console.log(
			`Lighthouse on / (median of ${runs.length}): ${JSON.stringify(scores)}; runs ${all.join(', ')}`,
		);
		// The scores as numbers, for people (and notes) to quote.
		writeFileSync(
			resolve('tests/.tmp/lighthouse.json'),
			JSON.stringify({ median: scores, runs: all }, null, 2),
		);
		for (const id of CATEGORIES) expect(scores[id], losses.join('\n')).toBeGreaterThanOrEqual(0.98);
	});
});
