/**
 * `npm run bench`: stamping cost on the realistic reports in ../shared/pdf (LibreOffice-made, about
 * 10,000 objects per 100 pages), each method against a plain file copy of the same file measured
 * in the same run; then the real server over HTTP on PostgreSQL. Not part of `npm test`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEngines, type EngineRow, printEngineRows } from './engines.ts';
import { benchHttp } from './http.ts';

// ../shared/pdf beside the repository's root (as in CI).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = resolve(ROOT, '..', 'shared', 'pdf');
const REPORTS = ['report-99p.pdf', 'report-298p.pdf'].map((name) => join(SHARED, name));

async function main(): Promise<void> {
	const present = REPORTS.filter((file) => existsSync(file));
	if (present.length === 0) {
		console.log(
			`Skipped: the bench reports are missing (${REPORTS.join(', ')}). Put report-99p.pdf and report-298p.pdf in ${SHARED}.`,
		);
		return;
	}
	for (const file of REPORTS.filter((f) => !present.includes(f)))
		console.log(`Missing, skipped: ${file}`);
	const load = (await import('node:os'))
		.loadavg()
		.map((n) => n.toFixed(2))
		.join(' ');
	console.log(
		`Load average before the run: ${load} (${(await import('node:os')).availableParallelism()} cores)`,
	);
	if (!process.env.BENCH_SKIP_ENGINES) {
		const rows: EngineRow[] = [];
		for (const file of present) {
			rows.push(await benchEngines(file));
			console.log(`measured ${file}`);
		}
		printEngineRows(rows);
	}
	if (process.env.BENCH_SKIP_HTTP) return;
	await benchHttp(present);
}

await main();
