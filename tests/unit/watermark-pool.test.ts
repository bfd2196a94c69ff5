import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoReport } from '../../src/lib/server/pdf/demo/reports.ts';
import { readTrustContent } from '../../src/lib/server/content/reader.ts';
import type { StampInput } from '../../src/lib/server/watermark/stamp.ts';
import {
	createStampPool,
	getStampPool,
	type StampPool,
} from '../../src/lib/server/watermark/pool.ts';
import { hasTool, pdfPagesText } from '../helpers/pdf.ts';

const input: StampInput = {
	name: 'Jane Doe',
	email: 'jane@acme.com',
	company: 'Acme Inc',
	issuedAt: new Date('2026-11-22T14:03:00Z'),
	validUntil: null,
	periodStart: '2025-01-01',
	periodEnd: '2025-12-31',
	copyId: '7F3K-Q9MD',
	verifyUrl: 'https://trust.example.com/verify/7F3K-Q9MD',
	documentTitle: 'SOC 2 Type II report 2025',
};

let report: Uint8Array;
/** About 300 pages: the demo report five times over. */
let large: Uint8Array;

beforeAll(async () => {
	const content = readTrustContent('src/content');
	report = await generateDemoReport(
		content.reports.find((r) => r.slug === 'soc2-type2-2025')!,
		content,
	);
	const source = await PDFDocument.load(report);
	const pdf = await PDFDocument.create();
	for (let i = 0; i < 5; i++) {
		for (const page of await pdf.copyPages(source, source.getPageIndices())) pdf.addPage(page);
	}
	large = await pdf.save();
});

const pools: StampPool[] = [];
function pool(options: Parameters<typeof createStampPool>[0]): StampPool {
	const created = createStampPool(options);
	pools.push(created);
	return created;
}

afterEach(async () => {
	await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('the stamping pool', () => {
	it('stamps in a worker thread while the event loop keeps running', async () => {
		const stamper = pool({ workers: 1 });
		await stamper.stamp(report.slice(), input); // start the thread and load its fonts
		let last = performance.now();
		let longestGap = 0;
		const timer = setInterval(() => {
			const now = performance.now();
			longestGap = Math.max(longestGap, now - last);
			last = now;
		}, 5);
		const started = performance.now();
		const result = await stamper.stamp(large.slice(), input);
		const elapsed = performance.now() - started;
		clearInterval(timer);
		expect(result.ok).toBe(true);
		// On the main thread the loop would stall for the whole stamp.
		console.info(
			`pool stamp of ~315 pages: ${elapsed.toFixed(0)} ms, longest loop gap ${longestGap.toFixed(0)} ms`,
		);
		expect(longestGap).toBeLessThan(Math.max(100, elapsed / 3));
		if (result.ok && hasTool('pdftotext')) {
			const pages = pdfPagesText(result.bytes);
			expect(pages.length).toBeGreaterThan(300);
			expect(pages.every((page) => page.includes('copy 7F3K-Q9MD'))).toBe(true);
		}
	});

	it('moves the input to the worker instead of copying it', async () => {
		const bytes = report.slice();
		const result = await pool({ workers: 1 }).stamp(bytes, input);
		expect(result.ok).toBe(true);
		expect(bytes.byteLength).toBe(0); // detached: transferred
	});

	it("copies an input that shares its buffer, leaving the caller's bytes intact", async () => {
		const buffer = new Uint8Array(report.length + 16);
		buffer.set(report, 8);
		const view = buffer.subarray(8, 8 + report.length);
		const result = await pool({ workers: 1 }).stamp(view, input);
		expect(result.ok).toBe(true);
		expect(view.byteLength).toBe(report.length);
	});

	it('answers timeout when a job runs past its time limit', async () => {
		const stamper = pool({ workers: 1, timeoutMs: 5 });
		expect(await stamper.stamp(large.slice(), input)).toMatchObject({
			ok: false,
			reason: 'timeout',
			message: expect.stringContaining('5 ms'),
		});
	});

	it('answers busy with a retry hint when workers and queue are full', async () => {
		const stamper = pool({ workers: 1, maxQueue: 1 });
		const results = await Promise.all([
			stamper.stamp(large.slice(), input),
			stamper.stamp(report.slice(), input),
			stamper.stamp(report.slice(), input),
		]);
		expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'ok', 'busy']);
		const busy = results[2]!;
		expect(!busy.ok && busy.reason === 'busy' && busy.retryAfterSeconds).toBeGreaterThanOrEqual(1);
	});

	it("hashes a copy's parts in a worker, reading shared memory in place, even when busy", async () => {
		const stamper = pool({ workers: 1, maxQueue: 0 });
		const body = new Uint8Array(new SharedArrayBuffer(large.byteLength));
		body.set(large);
		const parts = [Buffer.from('head'), body, Buffer.from('tail')];
		const expected = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
		// The only worker is stamping and no job may wait: a copy is refused, a hash waits its turn.
		const [stamped, refused, hashed] = await Promise.all([
			stamper.stamp(large.slice(), input),
			stamper.stamp(report.slice(), input),
			stamper.hash(parts),
		]);
		expect(stamped.ok).toBe(true);
		expect(refused).toMatchObject({ ok: false, reason: 'busy' });
		expect(hashed).toEqual({ ok: true, sha256: expected });
		expect(Buffer.from(parts[0]!).toString()).toBe('head'); // the caller's parts are kept
	});

	it('answers failed with the reason for input it cannot stamp', async () => {
		const encrypted = new Uint8Array(readFileSync('tests/fixtures/encrypted-password.pdf'));
		expect(await pool({ workers: 1 }).stamp(encrypted, input)).toMatchObject({
			ok: false,
			reason: 'failed',
			message: expect.stringMatching(/encrypted/),
		});
	});

	it('is one pool per process until closed', async () => {
		const first = getStampPool({ workers: 1 });
		expect(getStampPool({ workers: 2 })).toBe(first);
		expect(first.size).toBe(1);
		await first.close();
		const second = getStampPool({ workers: 1 });
		expect(second).not.toBe(first);
		await second.close();
	});
});
