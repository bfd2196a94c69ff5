/**
 * `npm run bench`: stamping cost on report-like PDFs (embedded TrueType font, raster images, one
 * resources dictionary shared by all pages, as LibreOffice writes them). Inputs are generated
 * once into tests/.tmp/bench/. Prints, per file: a plain pdf-lib load+save copy, the stamp in
 * process and through the worker pool (medians), the ratio, output size and peak RSS.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import fontkit from '@pdf-lib/fontkit';
import { PDFDict, PDFDocument, PDFName, type PDFRef, rgb } from 'pdf-lib';
import { stampPdf, type StampInput } from '../../src/lib/server/watermark.ts';
import { createStampPool } from '../../src/lib/server/watermark-pool.ts';

const OUT = 'tests/.tmp/bench';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const require = createRequire(import.meta.url);
const fontPath = (file: string) =>
	join(dirname(require.resolve('@embedpdf/fonts-latin')), '..', 'fonts', file);

const input: StampInput = {
	name: 'Łukasz Żółć',
	email: 'lukasz.zolc@zabka.example',
	company: 'Żabka Polska sp. z o.o.',
	issuedAt: new Date('2026-11-22T14:03:00Z'),
	validUntil: new Date('2027-02-20T00:00:00Z'),
	periodStart: '2025-01-01',
	periodEnd: '2025-12-31',
	copyId: '7F3K-Q9MD',
	verifyUrl: 'https://trust.example.com/verify/7F3K-Q9MD',
	documentTitle: 'SOC 2 Type II report 2025',
};

/** A deterministic noisy RGB PNG: compresses about as badly as a photo or a screenshot. */
function png(width: number, height: number, seed: number): Uint8Array {
	let state = seed * 2_654_435_761;
	const rows = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++) {
		const row = y * (width * 3 + 1);
		for (let x = 0; x < width * 3; x++) {
			state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
			const base = ((x / 3 + y) * 2 + seed * 37) & 0xff;
			rows[row + 1 + x] = (base + (state >>> 26)) & 0xff;
		}
	}
	const chunk = (type: string, data: Buffer) => {
		const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const out = Buffer.alloc(body.length + 8);
		out.writeUInt32BE(data.length, 0);
		body.copy(out, 4);
		out.writeUInt32BE(crc32(body), body.length + 4);
		return out;
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.set([8, 2, 0, 0, 0], 8);
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(rows)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

async function makeReport(pages: number): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	pdf.registerFontkit(fontkit);
	const regular = await pdf.embedFont(readFileSync(fontPath('NotoSans-Regular.ttf')), {
		subset: false,
	});
	const bold = await pdf.embedFont(readFileSync(fontPath('NotoSans-Bold.ttf')), { subset: false });
	const logos = await Promise.all(
		Array.from({ length: 6 }, (_, i) => pdf.embedPng(png(160, 60, 1000 + i))),
	);
	const words =
		'the service organization maintains controls over logical access change management monitoring backup recovery and vendor risk tested throughout the period with no exceptions noted'.split(
			' ',
		);
	for (let p = 0; p < pages; p++) {
		const page = pdf.addPage([612, 792]);
		page.drawImage(logos[p % logos.length]!, { x: 50, y: 720, width: 160, height: 60 });
		page.drawText(`Section ${p + 1}: Controls and tests of operating effectiveness`, {
			x: 50,
			y: 690,
			size: 14,
			font: bold,
		});
		for (let line = 0; line < 34; line++) {
			const text = Array.from(
				{ length: 14 },
				(_, w) => words[(p * 7 + line * 3 + w) % words.length],
			).join(' ');
			page.drawText(text, { x: 50, y: 660 - line * 14, size: 9.5, font: regular });
		}
		// A screenshot-like figure of its own on every page: most of a real report's bytes.
		const figure = await pdf.embedPng(png(150, 100, p));
		page.drawImage(figure, { x: 50, y: 60, width: 300, height: 120 });
		page.drawText(`Page ${p + 1} of ${pages}`, {
			x: 500,
			y: 30,
			size: 8,
			font: regular,
			color: rgb(0.4, 0.4, 0.4),
		});
	}
	shareResources(pdf);
	return pdf.save();
}

/** One resources dictionary for all pages, as LibreOffice writes it. */
function shareResources(pdf: PDFDocument): void {
	const fonts = pdf.context.obj({});
	const xobjects = pdf.context.obj({});
	for (const page of pdf.getPages()) {
		const resources = page.node.Resources()!;
		for (const [key, target] of [
			['Font', fonts],
			['XObject', xobjects],
		] as const) {
			const dict = resources.lookupMaybe(PDFName.of(key), PDFDict);
			for (const [name, ref] of dict?.entries() ?? []) target.set(name, ref);
		}
	}
	const shared: PDFRef = pdf.context.register(
		pdf.context.obj({ Font: fonts, XObject: xobjects, ProcSet: ['PDF', 'Text', 'ImageC'] }),
	);
	for (const page of pdf.getPages()) page.node.set(PDFName.of('Resources'), shared);
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Runs `work` RUNS times; median time and the highest RSS seen (sampled, and after each run). */
async function measure(work: () => Promise<unknown>): Promise<{ ms: number; peakRss: number }> {
	const times: number[] = [];
	let peakRss = process.memoryUsage.rss();
	const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 10);
	for (let i = 0; i < RUNS; i++) {
		const started = performance.now();
		await work();
		times.push(performance.now() - started);
		peakRss = Math.max(peakRss, process.memoryUsage.rss());
	}
	clearInterval(sampler);
	return { ms: median(times), peakRss };
}

// -------------------------------------------------------------------------------------------
// HTTP part (hook): event-loop delay and p99 of GET / while 16 concurrent downloads run.
// To be filled in once POST /portal/download/<slug>.pdf exists: start the server with
// tests/helpers/processes.ts `startServer`, seed a grant, fire 16 downloads at once and, in
// parallel, GET / in a loop; report the server's event-loop delay and GET / p50/p99.
async function benchHttp(): Promise<void> {
	console.log('\nHTTP: not measured yet (the download route is not there yet; see benchHttp).');
}

async function main(): Promise<void> {
	mkdirSync(OUT, { recursive: true });
	const pool = createStampPool({ workers: 2, maxQueue: 8, timeoutMs: 120_000 });
	const rows: string[] = [];
	for (const pages of [100, 300]) {
		const file = join(OUT, `report-${pages}.pdf`);
		if (!existsSync(file)) {
			console.log(`generating ${file} …`);
			writeFileSync(file, await makeReport(pages));
		}
		const bytes = new Uint8Array(readFileSync(file));
		await stampPdf(bytes, input); // warm fonts and JIT
		let output: Uint8Array = new Uint8Array();
		const plain = await measure(async () =>
			(await PDFDocument.load(bytes, { updateMetadata: false })).save(),
		);
		const inProcess = await measure(async () => (output = await stampPdf(bytes, input)));
		await pool.stamp(bytes.slice(), input); // start the workers
		const pooled = await measure(async () => {
			const result = await pool.stamp(bytes.slice(), input);
			if (!result.ok) throw new Error(`pool: ${result.reason}`);
		});
		rows.push(
			[
				`${pages} pages, ${mb(bytes.length)} in, ${mb(output.length)} out (${((output.length / bytes.length) * 100).toFixed(0)} %)`,
				`  pdf-lib load+save copy  ${plain.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(plain.peakRss)}`,
				`  stamp, in process       ${inProcess.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(inProcess.peakRss)}   ${(inProcess.ms / plain.ms).toFixed(2)}× the copy`,
				`  stamp, through the pool ${pooled.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(pooled.peakRss)}   ${(pooled.ms / plain.ms).toFixed(2)}× the copy`,
			].join('\n'),
		);
		console.log(rows.at(-1));
	}
	await pool.close();
	await benchHttp();
}

await main();
