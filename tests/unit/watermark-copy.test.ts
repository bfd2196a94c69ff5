/**
 * The copy engine's own promises: what differs between two recipients' copies, and what a
 * truncated copy shows. (Everything a stamp must do is checked for both engines in
 * watermark.test.ts.)
 */
import { createHook } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
	PDFDict,
	PDFDocument,
	PDFName,
	type PDFObject,
	PDFRawStream,
	StandardFonts,
} from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleCopy, type CopyParts } from '../../src/lib/server/watermark/copy.ts';
import type { StampInput } from '../../src/lib/server/watermark/form.ts';
import { type PreparedDocument, prepareDocument } from '../../src/lib/server/watermark/prepare.ts';
import { hasTool, qpdfCheck } from '../helpers/pdf.ts';

const tools = hasTool('pdftotext') && hasTool('qpdf');

function input(name: string, company: string, copyId: string): StampInput {
	return {
		name,
		email: `${name.split(' ')[0]!.toLowerCase()}@example.com`,
		company,
		issuedAt: new Date('2026-11-22T14:03:27Z'),
		validUntil: new Date('2027-02-20T23:59:59Z'),
		periodStart: '2025-01-01',
		periodEnd: '2025-12-31',
		copyId,
		verifyUrl: `https://trust.example.com/verify/${copyId}`,
		documentTitle: 'SOC 2 Type II report 2025',
	};
}

/** Pages sharing one resources dictionary and one font, in two sizes, one rotated. */
async function report(): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	const font = await pdf.embedFont(StandardFonts.Helvetica);
	for (let i = 1; i <= 12; i++) {
		const page = pdf.addPage(i % 4 === 0 ? [842, 595] : [595, 842]);
		page.drawText(`Original page ${i}`, { x: 72, y: 400, size: 12, font });
	}
	return pdf.save({ useObjectStreams: false });
}

const join3 = (parts: CopyParts, body: Uint8Array) =>
	new Uint8Array(Buffer.concat([parts.head, body, parts.tail]));

function serialised(object: PDFObject): string {
	const bytes = new Uint8Array(object.sizeInBytes());
	object.copyBytesInto(bytes, 0);
	return Buffer.from(bytes).toString('latin1');
}

async function objectsOf(bytes: Uint8Array): Promise<Map<number, string>> {
	const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
	return new Map(
		pdf.context
			.enumerateIndirectObjects()
			.map(([ref, object]) => [ref.objectNumber, serialised(object)]),
	);
}

function pdftotext(bytes: Uint8Array): string {
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-copy-'));
	try {
		writeFileSync(join(dir, 'file.pdf'), bytes);
		return spawnSync('pdftotext', [join(dir, 'file.pdf'), '-'], { encoding: 'utf8' }).stdout;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

describe('copies assembled from one preparation', () => {
	let original: Uint8Array;
	let prepared: PreparedDocument;
	let jane: CopyParts;
	let chen: CopyParts;

	beforeAll(async () => {
		original = await report();
		prepared = await prepareDocument(original);
		jane = await assembleCopy(
			prepared.plan,
			prepared.body.length,
			input('Jane Doe', 'Acme Inc', '7F3K-Q9MD'),
		);
		chen = await assembleCopy(
			prepared.plan,
			prepared.body.length,
			input('张伟 Chen', '阿里巴巴', 'WX4R-8NPT'),
		);
	});

	it('share the prepared body byte for byte, between their own objects and their xref', () => {
		const a = join3(jane, prepared.body);
		const b = join3(chen, prepared.body);
		const bodyOf = (copy: Uint8Array, parts: CopyParts) =>
			Buffer.from(copy.subarray(parts.head.length, parts.head.length + prepared.body.length));
		expect(bodyOf(a, jane).equals(bodyOf(b, chen))).toBe(true);
		expect(Buffer.from(jane.tail).toString('latin1')).toMatch(
			/^xref\n[\s\S]*\ntrailer\n<<[\s\S]*%%EOF\n$/,
		);
		expect(Buffer.from(jane.head).toString('latin1')).not.toContain('xref');
	});

	it('differ only in the per-recipient objects, the cross-reference table and the trailer', async () => {
		const a = await objectsOf(join3(jane, prepared.body));
		const b = await objectsOf(join3(chen, prepared.body));
		const perCopy = (n: number) =>
			n >= prepared.plan.nextNumber || prepared.plan.forms.some((f) => f.number === n);
		const differing = [...new Set([...a.keys(), ...b.keys()])].filter((n) => a.get(n) !== b.get(n));
		expect(differing.length).toBeGreaterThan(0);
		expect(differing.filter((n) => !perCopy(n))).toEqual([]);
		// Every shared object is in both copies, and the pages are among them.
		const shared = [...a.keys()].filter((n) => !perCopy(n));
		expect(shared.every((n) => b.get(n) === a.get(n))).toBe(true);
		expect(shared.length).toBeGreaterThan(12);
	});

	it('holds the per-recipient objects in the head: forms, fonts, opacity and metadata', async () => {
		const head = Buffer.from(jane.head).toString('latin1');
		for (const { number } of prepared.plan.forms) expect(head).toContain(`\n${number} 0 obj\n`);
		expect(prepared.plan.forms).toHaveLength(2); // portrait and landscape
		expect(head).toContain('/TrustroomCopyId (7F3K-Q9MD)');
		expect(head).toMatch(/\/FontFile2 \d+ 0 R/);
		expect(head).not.toContain('Original page');
	});

	it.skipIf(!tools)('makes files qpdf finds clean', () => {
		expect(qpdfCheck(join3(jane, prepared.body))).toMatchObject({ status: 0 });
		expect(qpdfCheck(join3(chen, prepared.body))).toMatchObject({ status: 0 });
	});

	it('never starts with the unstamped report', () => {
		const copy = join3(jane, prepared.body);
		const start = Buffer.from(original.subarray(0, 1024));
		expect(Buffer.from(copy.subarray(0, 1024)).equals(start)).toBe(false);
		// The original's objects are not a run of bytes at the copy's start, or anywhere.
		expect(Buffer.from(copy).indexOf(Buffer.from(original.subarray(15, 4096)))).toBe(-1);
	});

	it.skipIf(!tools)('shows the stamp on every page recovered from a cut-off, repaired copy', () => {
		const copy = join3(jane, prepared.body);
		// A reader cannot open a copy without its trailer; someone may write one pointing at the
		// catalog. The recovered pages must still be stamped: the forms come before every page.
		const trailer = Buffer.from(`\ntrailer\n<< /Root ${prepared.plan.root} >>\n%%EOF\n`);
		let recovered = 0;
		for (const fraction of [0.3, 0.6, 0.95, 1]) {
			const end = jane.head.length + Math.floor(prepared.body.length * fraction);
			const cut = new Uint8Array(Buffer.concat([copy.subarray(0, end), trailer]));
			const pages = pdftotext(cut)
				.split('\f')
				.filter((page) => page.includes('Original page'));
			for (const page of pages) expect(page).toContain('copy 7F3K-Q9MD');
			recovered += pages.length;
		}
		expect(recovered).toBeGreaterThanOrEqual(12); // at least the whole body without its xref
	});

	it('repairs no stream on the way: every body stream keeps its declared length', async () => {
		const pdf = await PDFDocument.load(join3(jane, prepared.body));
		for (const [, object] of pdf.context.enumerateIndirectObjects()) {
			if (object instanceof PDFRawStream) {
				const length = object.dict.get(PDFName.of('Length'));
				expect(length?.toString()).toBe(String(object.contents.length));
			}
		}
	});
});

describe("a copy's own work", () => {
	let prepared: PreparedDocument;
	beforeAll(async () => {
		prepared = await prepareDocument(await report());
		// Once per process, the encoder's stream class is taken from fontkit (one timer, then never).
		await assembleCopy(prepared.plan, prepared.body.length, input('Warm Up', 'First', 'WARM-P222'));
	});

	/** The stored (compressed) bytes of each embedded font program in a copy, in object order. */
	async function fontPrograms(parts: CopyParts): Promise<string[]> {
		const pdf = await PDFDocument.load(join3(parts, prepared.body), { updateMetadata: false });
		return pdf.context
			.enumerateIndirectObjects()
			.map(([, object]) => object)
			.filter((o): o is PDFRawStream => o instanceof PDFRawStream && isFontProgram(pdf, o))
			.map((stream) => Buffer.from(stream.contents).toString('base64'));
	}

	function isFontProgram(pdf: PDFDocument, stream: PDFRawStream): boolean {
		return pdf.context
			.enumerateIndirectObjects()
			.some(
				([, o]) =>
					o instanceof PDFDict &&
					o.get(PDFName.of('FontFile2')) === pdf.context.getObjectRef(stream),
			);
	}

	it('gives recipients whose texts use the same letters the same font program, byte for byte', async () => {
		const copy = (name: string, company: string, copyId: string) =>
			assembleCopy(prepared.plan, prepared.body.length, input(name, company, copyId));
		const jane = await fontPrograms(await copy('Jane Doe', 'Acme Inc', '7F3K-Q9MD'));
		const john = await fontPrograms(await copy('John Roe', 'Initech LLC', 'WX4R-8NPT'));
		const lukasz = await fontPrograms(await copy('Łukasz Żółć', 'Żabka', 'AB2C-DE3F'));
		const again = await fontPrograms(await copy('Łukasz Żółć', 'Żabka', 'GH4J-KM5N'));
		expect(jane).toHaveLength(1);
		// Printable ASCII is always in the subset, so other ASCII texts need no other program…
		expect(john).toEqual(jane);
		// …and letters beyond it make a program of their own, the same for the same letters.
		expect(lukasz).not.toEqual(jane);
		expect(again).toEqual(lukasz);
	});

	it('never waits for a timer (fontkit encodes subsets on a setTimeout of its own)', async () => {
		// fontkit's bundle took its own reference to setTimeout: count timers made, not faked ones.
		let timers = 0;
		const hook = createHook({
			init(_id, type) {
				if (type === 'Timeout') timers++;
			},
		}).enable();
		try {
			const parts = await assembleCopy(
				prepared.plan,
				prepared.body.length,
				// Letters no other test uses: this subset is encoded, not taken from the cache.
				input('Ŧimo Ŀlull', 'Ŋo Ŵait Ltd', 'PQ6R-ST7V'),
			);
			expect(Buffer.from(parts.head).toString('latin1')).toContain('/FontFile2');
		} finally {
			hook.disable();
		}
		expect(timers).toBe(0);
	});
});
