/**
 * `npm run bench`: stamping cost on report-like PDFs (embedded TrueType font, raster images, one
 * resources dictionary shared by all pages, as LibreOffice writes them). Inputs are generated
 * once into tests/.tmp/bench/. Prints, per file: a plain pdf-lib load+save copy, the stamp in
 * process and through the worker pool (medians), the ratio, output size and peak RSS.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import fontkit from '@pdf-lib/fontkit';
import { PDFDict, PDFDocument, PDFName, type PDFRef, rgb } from 'pdf-lib';
import { stampPdf, type StampInput } from '../../src/lib/server/watermark/stamp.ts';
import { createStampPool } from '../../src/lib/server/watermark/pool.ts';
import { waitForEmail } from '../helpers/outbox.ts';
import { runCli, startServer } from '../helpers/processes.ts';

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
/**
 * The server under load: a reviewer approved by rule downloads the 100-page report 16 at a time
 * (three bursts) while GET / is requested in a loop. Reports GET / latency without and with the
 * downloads, and the server's own event-loop delay during the bursts (the start script records
 * it when EVENT_LOOP_STATS_FILE is set).
 */
async function benchHttp(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-bench-'));
	const stats = join(dir, 'event-loop.json');
	// BENCH_DATABASE_URL: an empty PostgreSQL database to measure with, instead of the embedded one.
	const database = process.env.BENCH_DATABASE_URL
		? { DATABASE_URL: process.env.BENCH_DATABASE_URL }
		: { PGLITE_DIR: join(dir, 'db') };
	const env = {
		...database,
		OUTBOX_DIR: join(dir, 'outbox'),
		EVENT_LOOP_STATS_FILE: stats,
		STAMP_WORKERS: process.env.STAMP_WORKERS ?? '1',
		STAMP_QUEUE: '32',
	};
	try {
		for (const args of [
			['rules', 'add', '--domain', 'bench.example', '--action', 'approve'],
			['documents', 'upload', '--slug', 'soc2-type2-2025', '--file', join(OUT, 'report-100.pdf')],
		]) {
			const result = await runCli(args, env);
			if (result.code !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
		}
		const server = await startServer(env);
		try {
			const cookie = await approvedReviewer(server.url, env.OUTBOX_DIR);
			const download = async () => {
				const response = await fetch(`${server.url}/portal/download/soc2-type2-2025.pdf`, {
					method: 'POST',
					headers: {
						Origin: server.url,
						Cookie: cookie,
						'Content-Type': 'application/x-www-form-urlencoded',
					},
				});
				await response.arrayBuffer();
				if (response.status !== 200) throw new Error(`download answered ${response.status}`);
			};
			await download(); // warm the workers and fonts
			const idle = await pageLatencies(server.url, () => false, 200);
			process.kill(server.pid, 'SIGUSR2'); // reset the event-loop histogram
			const downloads: number[] = [];
			let running = true;
			const loaded = pageLatencies(server.url, () => running, 1);
			const started = performance.now();
			for (let burst = 0; burst < 3; burst++) {
				await Promise.all(
					Array.from({ length: 16 }, async () => {
						const t = performance.now();
						await download();
						downloads.push(performance.now() - t);
					}),
				);
			}
			const elapsed = performance.now() - started;
			running = false;
			const busy = await loaded;
			await server.stop();
			const loop = JSON.parse(readFileSync(stats, 'utf8')) as {
				p50: number;
				p99: number;
				max: number;
			};
			console.log(
				[
					'',
					`HTTP (npm start, ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded database'}, ${env.STAMP_WORKERS} stamping worker(s), 100-page report):`,
					`  GET / idle:                 p50 ${q(idle, 0.5)} ms, p99 ${q(idle, 0.99)} ms (${idle.length} requests)`,
					`  GET / during 3×16 downloads: p50 ${q(busy, 0.5)} ms, p99 ${q(busy, 0.99)} ms (${busy.length} requests)`,
					`  downloads: 48 in ${(elapsed / 1000).toFixed(1)} s, each p50 ${q(downloads, 0.5)} ms, p99 ${q(downloads, 0.99)} ms`,
					`  server event-loop delay during the downloads: p50 ${loop.p50.toFixed(1)} ms, p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms`,
				].join('\n'),
			);
		} finally {
			await server.stop();
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** Requests GET / one after another, at least `minimum` times and while `keepGoing()`. */
async function pageLatencies(
	url: string,
	keepGoing: () => boolean,
	minimum: number,
): Promise<number[]> {
	const times: number[] = [];
	while (times.length < minimum || keepGoing()) {
		const t = performance.now();
		const response = await fetch(`${url}/`);
		await response.arrayBuffer();
		times.push(performance.now() - t);
	}
	return times;
}

/** request → emailed link → confirm → NDA, approved by the bench.example rule. */
async function approvedReviewer(url: string, outbox: string): Promise<string> {
	const post = (path: string, fields: Record<string, string>, cookie = '') =>
		fetch(`${url}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: { Origin: url, 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
			body: new URLSearchParams(fields),
		});
	const body = new URLSearchParams({
		name: 'Bench Reviewer',
		email: 'reviewer@bench.example',
		company: 'Bench Inc',
		title: 'CISO',
		documents: 'soc2-type2-2025',
	});
	await fetch(`${url}/request`, {
		method: 'POST',
		headers: { Origin: url, 'Content-Type': 'application/x-www-form-urlencoded' },
		body,
	});
	const mail = await waitForEmail(outbox, (e) => e.to === 'reviewer@bench.example');
	const token = /token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
	const cookie = (await post('/verify', { token })).headers.get('set-cookie')!.split(';')[0]!;
	const nda = await (await fetch(`${url}/nda`, { headers: { Cookie: cookie } })).text();
	const version = /name="ndaVersion" value="([^"]+)"/.exec(nda)![1]!;
	const hash = /name="textSha256" value="([0-9a-f]{64})"/.exec(nda)![1]!;
	await post(
		'/nda',
		{
			action: 'accept',
			ndaVersion: version,
			textSha256: hash,
			signerName: 'Bench Reviewer',
			signerTitle: 'CISO',
			agree: 'yes',
		},
		cookie,
	);
	return cookie;
}

function q(values: number[], quantile: number): string {
	const sorted = [...values].sort((a, b) => a - b);
	return (sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0).toFixed(
		1,
	);
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
