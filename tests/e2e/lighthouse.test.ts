/**
 * Lighthouse on the trust page. Accessibility, best practices and SEO are judged here: their audits
 * do not depend on the machine's speed. The performance score is built from timings (blocking time
 * moved from 20 to 250 ms between runs of this page, which has no script, on a shared 2-core
 * machine), so, like every speed target, it is measured by the bench (`npm run bench:page`), not
 * asserted here; this test holds the performance audits that are facts about the page instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/processes.ts';
import { describeInBrowser } from './browser.ts';
import { runLighthouseMedian, type LighthouseSummary } from './lighthouse-run.ts';

describeInBrowser('Lighthouse on the trust page', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-lighthouse-'));
	let server: RunningServer;
	let result: LighthouseSummary;
	beforeAll(async () => {
		server = await startServer({
			PGLITE_DIR: join(tmp, 'pglite'),
			OUTBOX_DIR: join(tmp, 'outbox'),
		});
		result = await runLighthouseMedian(`${server.url}/`, 3);
		console.log(
			`Lighthouse on / (median of ${result.runs.length}): ${JSON.stringify(result.scores)}; runs ${result.perRun.join(', ')}`,
		);
		// The scores as numbers, for people (and notes) to quote.
		writeFileSync(
			resolve('tests/.tmp/lighthouse.json'),
			JSON.stringify({ median: result.scores, runs: result.perRun }, null, 2),
		);
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	it.each(['accessibility', 'best-practices', 'seo'] as const)(
		'scores at least 0.98 for %s (median of 3 runs)',
		(category) => {
			expect(result.scores[category], result.losses.join('\n')).toBeGreaterThanOrEqual(0.98);
		},
	);

	it.each([
		['sends text compressed', 'uses-text-compression'],
		['blocks rendering on nothing but its one stylesheet', 'render-blocking-resources'],
		['runs no script on the main thread worth reporting', 'bootup-time'],
		['sizes its images and keeps their layout steady', 'unsized-images'],
	])('%s (audit %s)', (_, audit) => {
		const found = result.median.audits[audit];
		expect(found, `audit ${audit} ran`).toBeTruthy();
		expect(found!.score ?? 1, `${audit}: ${found!.displayValue ?? ''}`).toBeGreaterThanOrEqual(0.9);
	});

	it('weighs under 60 KB on the wire, with at most 4 requests', () => {
		const weight = result.median.audits['total-byte-weight']?.numericValue ?? Infinity;
		const requests = result.median.audits['network-requests']?.details;
		const count = requests && 'items' in requests ? requests.items.length : Infinity;
		expect(weight).toBeLessThan(60 * 1024);
		expect(count).toBeLessThanOrEqual(4);
	});
});
