import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { documentVersionsTable, ndaVersionsTable } from '../../../db/schema.ts';
import { validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import {
	createDocumentVersion,
	getCurrentVersion,
	listDocuments,
} from '../../../src/lib/server/documents/documents.ts';
import { preflightPdf } from '../../../src/lib/server/documents/preflight.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { seedDemo } from '../../../src/lib/server/pdf/demo/seed.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { databases } from '../../helpers/db.ts';
import { hasTool, pdfPagesText, qpdfCheck } from '../../helpers/pdf.ts';

const content = readTrustContent('src/content');

async function onePagePdf(text = 'Fixture page'): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	const font = await pdf.embedFont(StandardFonts.Helvetica);
	pdf.addPage().drawText(text, { x: 50, y: 700, font, size: 12 });
	return pdf.save();
}

describe('preflightPdf', () => {
	it('accepts a plain PDF and counts its pages', async () => {
		expect(await preflightPdf(await onePagePdf())).toMatchObject({
			ok: true,
			pages: 1,
			warnings: [],
			preparation: { plan: { pages: 1 } },
		});
	});

	it.each([
		['an empty file', () => new Uint8Array(), /empty/],
		[
			'a file that is not a PDF',
			() => new TextEncoder().encode('Quarterly report\nnot a pdf'),
			/not a PDF/,
		],
		[
			'a PDF encrypted with an empty user password',
			() => readFileSync('tests/fixtures/encrypted-empty-password.pdf'),
			/encrypted \(even an empty password counts\)/,
		],
		[
			'a PDF encrypted with a password',
			() => readFileSync('tests/fixtures/encrypted-password.pdf'),
			/encrypted/,
		],
	])('refuses %s', async (_name, bytes, reason) => {
		const result = await preflightPdf(new Uint8Array(bytes()));
		expect(result.ok).toBe(false);
		expect(!result.ok && result.reason).toMatch(reason);
	});

	it('refuses a truncated PDF as damaged', async () => {
		const bytes = await seedlessReport();
		const result = await preflightPdf(bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
		expect(!result.ok && result.reason).toMatch(/damaged/);
	});

	it('refuses files over the size and page limits', async () => {
		const bytes = await onePagePdf();
		expect(await preflightPdf(bytes, { maxBytes: 100 })).toMatchObject({
			ok: false,
			reason: expect.stringMatching(/over the .* limit/),
		});
		const pdf = await PDFDocument.create();
		for (let i = 0; i < 3; i++) pdf.addPage();
		expect(await preflightPdf(await pdf.save(), { maxPages: 2 })).toMatchObject({
			ok: false,
			reason: 'the PDF has 3 pages, over the 2-page limit',
		});
	});

	it('warns that stamping breaks a digital signature', async () => {
		const pdf = await PDFDocument.load(await onePagePdf());
		const sig = pdf.context.obj({
			Type: 'Sig',
			Filter: 'Adobe.PPKLite',
			ByteRange: [0, 10, 20, 30],
		});
		pdf.catalog.set(PDFName.of('TestSignature'), pdf.context.register(sig));
		const result = await preflightPdf(await pdf.save({ useObjectStreams: false }));
		expect(result).toMatchObject({
			ok: true,
			warnings: [expect.stringMatching(/signed.*invalidate the signature/)],
		});
	});
});

let cachedReport: Uint8Array | undefined;
async function seedlessReport(): Promise<Uint8Array> {
	const { generateDemoReport } = await import('../../../src/lib/server/pdf/demo/reports.ts');
	const report = content.reports.find((r) => r.slug === 'soc2-type2-2025')!;
	return (cachedReport ??= await generateDemoReport(report, content));
}

describe.each(databases())('documents on %s', (backend) => {
	let handle: DatabaseHandle;
	beforeAll(async () => {
		handle = await backend.open();
	});
	afterAll(() => handle.close());

	it('seeds a demo PDF for every report, and keeps them on a second run', async () => {
		const first = await seedDemo(handle.db, content);
		expect(first.created.map((d) => d.slug).sort()).toEqual(
			content.reports.map((r) => r.slug).sort(),
		);
		const second = await seedDemo(handle.db, content);
		expect(second.created).toEqual([]);
		expect(second.kept).toHaveLength(content.reports.length);
	});

	it('makes a SOC 2 Type II report of 60+ pages that reads like one', async () => {
		const version = await getCurrentVersion(handle.db, 'soc2-type2-2025');
		expect(version?.pages).toBeGreaterThanOrEqual(60);
		if (!hasTool('pdftotext')) return;
		const text = pdfPagesText(version!.bytes).join('\n').replace(/\s+/g, ' ');
		for (const heading of [
			'Independent Service Auditor',
			'Assertion of Kestrel Analytics, Inc. Management',
			'Description of Its Kestrel Analytics Platform',
			'Tests of Controls',
			'No exceptions',
			'Harrow & Vale LLP',
		]) {
			expect(text).toContain(heading);
		}
	});

	it('makes a bridge letter that names its period and the report it extends', async () => {
		const version = await getCurrentVersion(handle.db, 'bridge-letter-2026');
		if (!hasTool('pdftotext')) return;
		const text = pdfPagesText(version!.bytes).join('\n').replace(/\s+/g, ' ');
		expect(text).toContain('Bridge letter for the period 1 Jan 2026 through 30 Sep 2026');
		expect(text).toContain('Harrow & Vale LLP');
	});

	it('makes PDFs that qpdf finds clean', async () => {
		if (!hasTool('qpdf')) return;
		for (const report of content.reports) {
			const version = await getCurrentVersion(handle.db, report.slug);
			expect(qpdfCheck(version!.bytes), report.slug).toMatchObject({ status: 0 });
		}
	});

	it('stores a new version and supersedes the old one', async () => {
		const before = await getCurrentVersion(handle.db, 'pentest-summary-2026');
		const bytes = await onePagePdf('Pen test v2');
		const created = await createDocumentVersion(handle.db, {
			slug: 'pentest-summary-2026',
			bytes,
			filename: 'v2.pdf',
			pages: 1,
			actor: 'cli',
		});
		const current = await getCurrentVersion(handle.db, 'pentest-summary-2026');
		expect(current?.id).toBe(created.id);
		expect(Buffer.from(current!.bytes).equals(Buffer.from(bytes))).toBe(true);
		const [old] = await handle.db
			.select()
			.from(documentVersionsTable)
			.where(eq(documentVersionsTable.id, before!.id));
		expect(old?.supersededBy).toBe(created.id);
		const listed = await listDocuments(handle.db);
		expect(listed.find((d) => d.slug === 'pentest-summary-2026')).toMatchObject({
			versionId: created.id,
			// The document's second upload, whatever ids other documents' versions took.
			revision: 2,
		});
		expect(
			listed.filter((d) => d.slug !== 'pentest-summary-2026' && d.versionId).map((d) => d.revision),
		).toEqual(listed.filter((d) => d.slug !== 'pentest-summary-2026' && d.versionId).map(() => 1));
	});

	it('records every change in an intact audit chain', async () => {
		const result = await validateAuditChain(handle.db);
		expect(result.ok).toBe(true);
		expect(result.count).toBeGreaterThanOrEqual(content.reports.length + 1);
	});

	it('publishes NDA versions with the hash of their exact text', async () => {
		const rows = await handle.db.select().from(ndaVersionsTable);
		expect(rows.map((r) => r.version).sort()).toEqual(['1.0', '1.1']);
		const { sha256Hex } = await import('../../../src/lib/server/platform/crypto.ts');
		for (const row of rows) expect(row.sha256).toBe(sha256Hex(row.text));
	});

	it('refuses to change the text of a published NDA version', async () => {
		const edited = {
			...content,
			ndas: content.ndas.map((n) =>
				n.version === '1.1' ? { ...n, body: `${n.body}\n8. New clause.` } : n,
			),
		};
		await expect(syncContent(handle.db, edited)).rejects.toThrow(
			/NDA version 1\.1 .* was edited after it was published; .* new version \(for example 1\.2\)/,
		);
		const [row] = await handle.db
			.select()
			.from(ndaVersionsTable)
			.where(eq(ndaVersionsTable.version, '1.1'));
		expect(row?.text).toBe(content.ndas.find((n) => n.version === '1.1')?.body);
	});
});
