/**
 * One request in a fresh process, for `npm run bench`: prints the process's resident memory before
 * the request (with what a server keeps between requests loaded: the original for today's engine,
 * the prepared body for the copy engine) and its peak during the request, as JSON.
 * Usage: node --expose-gc tests/bench/memory.ts copy|engine|stampPdf <pdf> <prepared-prefix>
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resourceUsage } from 'node:process';
import { PDFDocument } from 'pdf-lib';
import { assembleCopy } from '../../src/lib/server/watermark/copy.ts';
import type { StampPlan } from '../../src/lib/server/watermark/prepare.ts';
import { stampPdf } from '../../src/lib/server/watermark/stamp.ts';
import { benchInput } from './input.ts';

const [method, file, prefix] = process.argv.slice(2) as [string, string, string];
const out = `${prefix}.memory-out.pdf`;
let request: () => Promise<unknown>;

if (method === 'copy') {
	request = async () => writeFile(out, await readFile(file));
	await request();
} else if (method === 'engine') {
	const body = new Uint8Array(readFileSync(`${prefix}.body`));
	const json = JSON.parse(readFileSync(`${prefix}.plan.json`, 'utf8')) as StampPlan & {
		offsets: number[];
	};
	const plan: StampPlan = { ...json, offsets: Float64Array.from(json.offsets) };
	request = async () => {
		const { head, tail } = await assembleCopy(plan, body.byteLength, benchInput(1));
		const hash = createHash('sha256');
		for (const part of [head, body, tail]) hash.update(part);
		await writeFile(out, [head, body, tail]);
		return hash.digest('hex');
	};
	await assembleCopy(plan, body.byteLength, benchInput(2)); // fonts parsed, code warm
} else {
	const original = new Uint8Array(readFileSync(file));
	request = async () => writeFile(out, await stampPdf(original, benchInput(1)));
	const tiny = await PDFDocument.create();
	tiny.addPage();
	await stampPdf(await tiny.save(), benchInput(2)); // fonts parsed, code warm
}

globalThis.gc?.();
const baseline = process.memoryUsage.rss();
const maxBefore = resourceUsage().maxRSS * 1024;
let sampled = baseline;
const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage.rss())), 1);
await request();
clearInterval(sampler);
sampled = Math.max(sampled, process.memoryUsage.rss());
const maxAfter = resourceUsage().maxRSS * 1024;
// The kernel's high-water mark catches a peak between samples, when this request set it.
const peak = maxAfter > maxBefore ? Math.max(maxAfter, sampled) : sampled;
console.log(JSON.stringify({ baseline, peak }));
