/**
 * Per-request stamping cost on the real reports, against a plain file copy of the same file in the
 * same rounds (interleaved, so machine load hits every method alike). Peak memory is measured per
 * method in a fresh process (memory.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { assembleCopy } from '../../src/lib/server/watermark/copy.ts';
import { createStampPool } from '../../src/lib/server/watermark/pool.ts';
import { prepareDocument } from '../../src/lib/server/watermark/prepare.ts';
import { stampPdf } from '../../src/lib/server/watermark/stamp.ts';
import { benchInput } from './input.ts';

const OUT = 'tests/.tmp/bench';
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

export interface EngineRow {
	file: string;
	pages: number;
	bytes: number;
	prepareMs: number;
	copyMs: number;
	engineMs: number;
	pooledMs: number;
	oldMs: number;
	outBytes: number;
	memory: Record<'copy' | 'engine' | 'stampPdf', { baseline: number; peak: number }>;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await work();
	return performance.now() - started;
}

/** Writes a copy's parts to a file as the server streams them: hashed on the way, never joined. */
async function writeCopy(path: string, parts: Uint8Array[]): Promise<string> {
	const hash = createHash('sha256');
	for (const part of parts) hash.update(part);
	await writeFile(path, parts);
	return hash.digest('hex');
}

export async function benchEngines(file: string): Promise<EngineRow> {
	mkdirSync(OUT, { recursive: true });
	const name = basename(file, '.pdf');
	const bytes = new Uint8Array(readFileSync(file));
	const started = performance.now();
	const prepared = await prepareDocument(bytes);
	const prepareMs = performance.now() - started;
	const { plan, body } = prepared;
	// For the fresh processes that measure memory.
	const prefix = join(OUT, name);
	writeFileSync(`${prefix}.body`, body);
	writeFileSync(`${prefix}.plan.json`, JSON.stringify({ ...plan, offsets: [...plan.offsets] }));

	const out = (method: string) => join(OUT, `${name}.${method}.pdf`);
	const copy = () => readFile(file).then((data) => writeFile(out('copy'), data));
	let outBytes = 0;
	const engine = async (round: number) => {
		const { head, tail } = await assembleCopy(plan, body.byteLength, benchInput(round));
		outBytes = head.byteLength + body.byteLength + tail.byteLength;
		await writeCopy(out('engine'), [head, body, tail]);
	};
	const pool = createStampPool({ workers: 1, maxQueue: 4, timeoutMs: 120_000 });
	const pooled = async (round: number) => {
		const result = await pool.copy(plan, body.byteLength, benchInput(round));
		if (!result.ok) throw new Error(`pool: ${result.reason}`);
		await writeCopy(out('pooled'), [result.parts.head, body, result.parts.tail]);
	};
	const old = async (round: number) =>
		writeFile(out('old'), await stampPdf(bytes, benchInput(round)));

	// Warm every path (fonts parsed, code compiled, the worker started).
	for (let i = 0; i < 3; i++) await Promise.all([copy(), engine(100 + i), pooled(100 + i)]);
	await old(100);
	const times = {
		copy: [] as number[],
		engine: [] as number[],
		pooled: [] as number[],
		old: [] as number[],
	};
	for (let round = 0; round < RUNS; round++) {
		times.copy.push(await timed(copy));
		times.engine.push(await timed(() => engine(round)));
		times.pooled.push(await timed(() => pooled(round)));
		times.old.push(await timed(() => old(round)));
	}
	await pool.close();

	const memory = {} as EngineRow['memory'];
	for (const method of ['copy', 'engine', 'stampPdf'] as const) {
		const child = spawnSync(
			process.execPath,
			['--expose-gc', 'tests/bench/memory.ts', method, file, prefix],
			{ encoding: 'utf8' },
		);
		if (child.status !== 0) throw new Error(`memory ${method}: ${child.stderr}`);
		memory[method] = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
	}
	return {
		file: basename(file),
		pages: plan.pages,
		bytes: bytes.byteLength,
		prepareMs,
		copyMs: median(times.copy),
		engineMs: median(times.engine),
		pooledMs: median(times.pooled),
		oldMs: median(times.old),
		outBytes,
		memory,
	};
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

export function printEngineRows(rows: EngineRow[]): void {
	console.log(
		`\nPer request (median of ${RUNS} interleaved rounds; memory: one request in a fresh process)\n`,
	);
	const header = ['', ...rows.map((r) => `${r.file} (${r.pages} pages, ${mb(r.bytes)})`)];
	const line = (label: string, cell: (r: EngineRow) => string) => [label, ...rows.map(cell)];
	const ratio = (value: number, r: EngineRow) => `${ms(value)} (${(value / r.copyMs).toFixed(2)}×)`;
	const above = (m: { baseline: number; peak: number }, r: EngineRow) =>
		`${mb(m.peak - m.baseline)} (${((m.peak - m.baseline) / r.bytes).toFixed(2)}× file)`;
	const table = [
		header,
		line('plain copy (readFile + writeFile)', (r) => ratio(r.copyMs, r)),
		line('copy engine, in process', (r) => ratio(r.engineMs, r)),
		line('copy engine, through the pool', (r) => ratio(r.pooledMs, r)),
		line("today's engine (stampPdf)", (r) => ratio(r.oldMs, r)),
		line('preparation, once per version', (r) => ms(r.prepareMs)),
		line(
			'output size',
			(r) => `${mb(r.outBytes)} (${((r.outBytes / r.bytes) * 100).toFixed(0)} %)`,
		),
		line('peak RSS above baseline: copy', (r) => above(r.memory.copy, r)),
		line('  copy engine', (r) => above(r.memory.engine, r)),
		line("  today's engine", (r) => above(r.memory.stampPdf, r)),
	];
	const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
	for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
	for (const r of rows) {
		const target = r.engineMs / r.copyMs <= 3 && r.pooledMs / r.copyMs <= 3 ? 'met' : 'NOT met';
		const memoryTarget =
			r.memory.engine.peak - r.memory.engine.baseline <= 2 * r.bytes ? 'met' : 'NOT met';
		console.log(`${r.file}: ≤ 3× the copy ${target}; memory ≤ 2× the file ${memoryTarget}`);
	}
}
