/**
 * Lighthouse against a running server, driving the system Chromium (chrome-launcher with its path;
 * no browser is downloaded), with Lighthouse's default mobile emulation and simulated throttling.
 * Shared by the browser test (which judges what does not depend on the machine's speed) and
 * `npm run bench:page` (which reports the timing-based performance score).
 */
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';

export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
export type LighthouseResult = NonNullable<Awaited<ReturnType<typeof lighthouse>>>['lhr'];

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** One Lighthouse run in a fresh Chromium; its report. */
export async function runLighthouse(url: string): Promise<LighthouseResult> {
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

export interface LighthouseSummary {
	runs: LighthouseResult[];
	median: LighthouseResult;
	scores: Record<(typeof CATEGORIES)[number], number>;
	/** What cost points in the median run, so a failure says what to fix. */
	losses: string[];
	/** Each run's four scores, "perf/a11y/bp/seo". */
	perRun: string[];
}

/** `count` runs; the median run as Lighthouse computes it (its advice for noisy machines). */
export async function runLighthouseMedian(url: string, count: number): Promise<LighthouseSummary> {
	const runs: LighthouseResult[] = [];
	for (let i = 0; i < count; i++) {
		const lhr = await runLighthouse(url);
		if (lhr.runtimeError) console.log(`Lighthouse run ${i + 1}: ${lhr.runtimeError.code}`);
		else runs.push(lhr);
	}
	if (runs.length === 0) throw new Error('No Lighthouse run finished');
	const median: LighthouseResult = computeMedianRun(runs);
	const scores = Object.fromEntries(
		CATEGORIES.map((id) => [id, median.categories[id]?.score ?? 0]),
	) as LighthouseSummary['scores'];
	const losses = CATEGORIES.flatMap((id) =>
		(median.categories[id]?.auditRefs ?? [])
			.filter((ref) => ref.weight > 0 && (median.audits[ref.id]?.score ?? 1) < 1)
			.map((ref) => `${id}: ${ref.id} ${median.audits[ref.id]?.displayValue ?? ''}`),
	);
	const perRun = runs.map((r) => CATEGORIES.map((id) => r.categories[id]?.score).join('/'));
	return { runs, median, scores, losses, perRun };
}
