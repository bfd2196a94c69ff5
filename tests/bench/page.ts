/**
 * `npm run bench:page`: Lighthouse's performance score for the trust page (median of BENCH_RUNS
 * runs, default 5), with the timings it is built from. A speed target, so it is measured here and
 * not asserted in the browser tests. Needs a build (`npm run build`) and Chromium (CHROMIUM_PATH).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../helpers/processes.ts';
import { runLighthouseMedian } from '../e2e/lighthouse-run.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET = 0.98;
const tmp = mkdtempSync(join(tmpdir(), 'trustroom-bench-page-'));
const server = await startServer({
	PGLITE_DIR: join(tmp, 'pglite'),
	OUTBOX_DIR: join(tmp, 'outbox'),
});
try {
	const { median, scores, perRun, losses } = await runLighthouseMedian(`${server.url}/`, RUNS);
	const metric = (id: string) => median.audits[id]?.displayValue ?? '?';
	console.log(
		`Lighthouse on / (${perRun.length} runs; perf/a11y/bp/seo each): ${perRun.join(', ')}`,
	);
	console.log('| category | median score | target |');
	console.log('| --- | ---: | ---: |');
	for (const [id, score] of Object.entries(scores)) console.log(`| ${id} | ${score} | ${TARGET} |`);
	console.log(
		`Median run: FCP ${metric('first-contentful-paint')}, LCP ${metric('largest-contentful-paint')}, TBT ${metric('total-blocking-time')}, CLS ${metric('cumulative-layout-shift')}, SI ${metric('speed-index')}, weight ${metric('total-byte-weight')}`,
	);
	if (losses.length) console.log(`Cost points: ${losses.join('; ')}`);
	console.log(
		scores.performance >= TARGET
			? 'performance: meets the target'
			: 'performance: BELOW the target',
	);
} finally {
	await server.stop();
	rmSync(tmp, { recursive: true, force: true });
}
