import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
	degrees,
	PDFDict,
	PDFDocument,
	PDFName,
	PDFRawStream,
	PDFRef,
	StandardFonts,
} from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoReport } from '../../src/lib/server/pdf/demo/reports.ts';
import { readTrustContent } from '../../src/lib/server/content/reader.ts';
import { COPY_ID_PATTERN, generateCopyId } from '../../src/lib/server/watermark/copy-id.ts';
import { readCopyId } from '../../src/lib/server/watermark/trace.ts';
import { type StampInput, stampPdf as stampWhole } from '../../src/lib/server/watermark/stamp.ts';
import { assembleCopy } from '../../src/lib/server/watermark/copy.ts';
import { prepareDocument } from '../../src/lib/server/watermark/prepare.ts';
import { hasTool, pdfPagesText, qpdfCheck } from '../helpers/pdf.ts';

const A4: [number, number] = [595.28, 841.89];
const LETTER: [number, number] = [612, 792];
const tools = hasTool('pdftotext') && hasTool('qpdf') && hasTool('pdftoppm');

function stampInput(overrides: Partial<StampInput> = {}): StampInput {
	const copyId = overrides.copyId ?? '7F3K-Q9MD';
	return {
		name: 'Jane Doe',
		email: 'jane@acme.com',
		company: 'Acme Inc',
		issuedAt: new Date('2026-11-22T14:03:27Z'),
		validUntil: new Date('2027-02-20T23:59:59Z'),
		periodStart: '2025-01-01',
		periodEnd: '2025-12-31',
		copyId,
		verifyUrl: `https://trust.example.com/verify/${copyId}`,
		documentTitle: 'SOC 2 Type II report 2025',
		...overrides,
	};
}

interface PageSpec {
	size: [number, number];
	rotate?: number;
	crop?: [number, number, number, number];
	blank?: boolean;
}

/** A PDF with one page per spec, each saying which page it is (unless blank). */
async function makePdf(specs: PageSpec[]): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	const font = await pdf.embedFont(StandardFonts.Helvetica);
	specs.forEach((spec, i) => {
		const page = pdf.addPage(spec.size);
		if (spec.rotate) page.setRotation(degrees(spec.rotate));
		if (spec.crop) page.setCropBox(...spec.crop);
		if (!spec.blank) page.drawText(`Original page ${i + 1}`, { x: 72, y: 400, size: 12, font });
	});
	return pdf.save();
}

function withFile<T>(bytes: Uint8Array, work: (path: string) => T): T {
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-wm-'));
	try {
		writeFileSync(join(dir, 'file.pdf'), bytes);
		return work(join(dir, 'file.pdf'));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

function run(command: string, args: string[]): string {
	const result = spawnSync(command, args, { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 });
	if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
	return result.stdout;
}

interface Word {
	text: string;
	xMin: number;
	yMin: number;
	xMax: number;
	yMax: number;
}

/** Words of each page with boxes in displayed coordinates (points, origin top left). */
function pageWords(bytes: Uint8Array): Word[][] {
	const html = withFile(bytes, (path) =>
		spawnSync('pdftotext', ['-bbox', path, '-'], { encoding: 'utf8' }).stdout.toString(),
	);
	return html
		.split('<page ')
		.slice(1)
		.map((page) =>
			[
				...page.matchAll(
					/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
				),
			].map((m) => ({
				text: m[5]!,
				xMin: Number(m[1]),
				yMin: Number(m[2]),
				xMax: Number(m[3]),
				yMax: Number(m[4]),
			})),
		);
}

/** Text of a region of page `page` (1-based), in points from the displayed top left. */
function regionText(bytes: Uint8Array, page: number, x: number, y: number, w: number, h: number) {
	return withFile(bytes, (path) => {
		const args = ['-f', `${page}`, '-l', `${page}`, '-x', `${x}`, '-y', `${y}`];
		const out = spawnSync('pdftotext', [...args, '-W', `${w}`, '-H', `${h}`, path, '-'], {
			encoding: 'utf8',
		}).stdout.toString();
		return out.replace(/[\u202A-\u202E]/g, '').replace(/\s+/g, ' ');
	});
}

function flat(text: string): string {
	return text.replace(/[\u202A-\u202E]/g, '').replace(/\s+/g, ' ');
}

function isPrefix(prefix: Uint8Array, bytes: Uint8Array): boolean {
	return Buffer.from(bytes.subarray(0, prefix.length)).equals(Buffer.from(prefix));
}

function objectsOfType(pdf: PDFDocument, test: (dict: PDFDict) => boolean): number {
	return pdf.context
		.enumerateIndirectObjects()
		.map(([, o]) => (o instanceof PDFRawStream ? o.dict : o))
		.filter((o) => o instanceof PDFDict && test(o)).length;
}

const nameOf = (dict: PDFDict, key: string) => dict.get(PDFName.of(key))?.toString();

/** Removes the Info dictionary entirely, as a "strip metadata" tool would. */
async function withoutMetadata(bytes: Uint8Array): Promise<Uint8Array> {
	const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
	delete pdf.context.trailerInfo.Info;
	return pdf.save();
}

/** Text items of every page as pdfjs-dist sees them (with their text matrices). */
async function textItems(bytes: Uint8Array): Promise<{ str: string; transform: number[] }[][]> {
	const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
	const task = pdfjs.getDocument({ data: bytes.slice(), verbosity: 0 });
	const doc = await task.promise;
	const pages = [];
	for (let n = 1; n <= doc.numPages; n++) {
		const content = await (await doc.getPage(n)).getTextContent();
		pages.push(content.items.filter((item) => 'str' in item));
	}
	await task.destroy();
	return pages;
}

describe('generateCopyId', () => {
	it('makes XXXX-XXXX ids from an alphabet without look-alikes', () => {
		const ids = Array.from({ length: 2000 }, generateCopyId);
		for (const id of ids) expect(id).toMatch(/^[ABCDEFGHJKMNPQRSTVWXYZ23456789]{4}-[A-Z2-9]{4}$/);
		expect(ids.join('')).not.toMatch(/[01ILOU]/);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it.each([
		['copy 7F3K-Q9MD · verify', '7F3K-Q9MD'],
		['https://x.example/verify/7F3K-Q9MD', '7F3K-Q9MD'],
		['copy7F3K-Q9MD.', '7F3K-Q9MD'],
	])('finds the id in %j', (text, id) => {
		expect(text.match(COPY_ID_PATTERN)?.[0]).toBe(id);
	});

	it.each(['7F3K-Q9MDX', 'A7F3K-Q9MD', '7f3k-q9md', '2025-2026', 'SOC2-TYPE', 'IL0O-1234'])(
		'finds no id in %j',
		(text) => {
			expect(COPY_ID_PATTERN.test(text)).toBe(false);
		},
	);
});

/** Both engines: today's whole rewrite, and a copy assembled from a prepared version. */
const ENGINES: [string, (bytes: Uint8Array, input: StampInput) => Promise<Uint8Array>][] = [
	['stampPdf', stampWhole],
	[
		'the copy engine',
		async (bytes, input) => {
			const { plan, body } = await prepareDocument(bytes);
			const { head, tail } = await assembleCopy(plan, body.byteLength, input);
			return new Uint8Array(Buffer.concat([head, body, tail]));
		},
	],
];

describe.each(ENGINES)('%s', (engine, stampPdf) => {
	describe('on a 63-page demo report', () => {
		let original: Uint8Array;
		let stamped: Uint8Array;
		let stampMs: number;
		const input = stampInput();

		beforeAll(async () => {
			const content = readTrustContent('src/content');
			const report = content.reports.find((r) => r.slug === 'soc2-type2-2025')!;
			original = await generateDemoReport(report, content);
			await stampPdf(original, input); // warm the font cache, as a worker thread is
			const started = performance.now();
			stamped = await stampPdf(original, input);
			stampMs = performance.now() - started;
			console.info(
				`stamped ${original.length} bytes in ${stampMs.toFixed(0)} ms: ${stamped.length} bytes`,
			);
		});

		it.skipIf(!tools)('puts name, email, company, times, period and copy id on every page', () => {
			const pages = pdfPagesText(stamped);
			expect(pages.length).toBeGreaterThanOrEqual(60);
			for (const page of pages) {
				const text = flat(page);
				expect(text).toContain(
					'Issued to Jane Doe <jane@acme.com>, Acme Inc, 2026-11-22 14:03 UTC · access valid until 2027-02-20 · report period 2025-01-01 to 2025-12-31 · copy 7F3K-Q9MD',
				);
				expect(text).toContain('verify at https://trust.example.com/verify/7F3K-Q9MD');
			}
		});

		it('draws "Confidential · name · company" corner to corner on every page', async () => {
			const lines = await textItems(stamped);
			expect(lines.length).toBeGreaterThanOrEqual(60);
			for (const items of lines) {
				const diagonal = items.find((item) => item.str === 'Confidential · Jane Doe · Acme Inc');
				expect(diagonal).toBeDefined();
				const [a, b] = diagonal!.transform;
				expect((Math.atan2(b!, a!) * 180) / Math.PI).toBeCloseTo(
					(Math.atan2(792, 612) * 180) / Math.PI,
					1,
				);
			}
		});

		it.skipIf(!tools)('writes a file qpdf finds clean', () => {
			expect(qpdfCheck(stamped)).toMatchObject({ status: 0 });
		});

		it('rewrites the whole file: the original is no byte prefix of the copy', () => {
			expect(isPrefix(original.subarray(0, original.length - 8), stamped)).toBe(false);
			// One cross-reference section: no update appended to a kept original.
			expect(
				Buffer.from(stamped)
					.toString('latin1')
					.match(/startxref/g),
			).toHaveLength(1);
		});

		it('keeps the output within a few percent of the input size', async () => {
			// The copy engine writes no object streams (a cross-reference table, as LibreOffice does):
			// it compares with the same objects written that way.
			const baseline =
				engine === 'stampPdf'
					? original
					: await (await PDFDocument.load(original)).save({ useObjectStreams: false });
			expect(stamped.length / baseline.length).toBeLessThan(1.1);
		});

		it('adds one font set, one opacity state and one watermark form for one page geometry', async () => {
			const pdf = await PDFDocument.load(stamped);
			const before = await PDFDocument.load(original);
			const fonts = (p: PDFDocument) => objectsOfType(p, (d) => nameOf(d, 'Subtype') === '/Type0');
			const forms = (p: PDFDocument) => objectsOfType(p, (d) => nameOf(d, 'Subtype') === '/Form');
			const states = (p: PDFDocument) =>
				objectsOfType(p, (d) => nameOf(d, 'Type') === '/ExtGState');
			expect(fonts(pdf) - fonts(before)).toBe(1);
			expect(forms(pdf) - forms(before)).toBe(1);
			expect(states(pdf) - states(before)).toBe(1);
			const watermarks = new Set(
				pdf.getPages().map((page) => {
					const resources = page.node.Resources()!;
					return resources
						.lookup(PDFName.of('XObject'), PDFDict)
						.get(PDFName.of('TrWm'))!
						.toString();
				}),
			);
			expect(watermarks.size).toBe(1);
		});

		it('stamps a 60-page report in well under a second', () => {
			expect(stampMs).toBeLessThan(2_000);
		});

		it('records the copy id in the metadata', async () => {
			const pdf = await PDFDocument.load(stamped);
			const info = pdf.context.lookup(pdf.context.trailerInfo.Info, PDFDict);
			expect(info.get(PDFName.of('TrustroomCopyId'))?.toString()).toBe('(7F3K-Q9MD)');
			expect(pdf.getKeywords()).toContain('Trustroom copy 7F3K-Q9MD');
			expect(pdf.getSubject()).toContain('7F3K-Q9MD');
			expect(pdf.getTitle()).toBe((await PDFDocument.load(original)).getTitle());
		});

		it('reads the copy id back from the metadata', async () => {
			expect(await readCopyId(stamped)).toEqual({ copyId: '7F3K-Q9MD', source: 'metadata' });
		});

		it('reads the copy id from the page text once the metadata is stripped', async () => {
			const stripped = await withoutMetadata(stamped);
			expect((await PDFDocument.load(stripped)).getKeywords()).toBeUndefined();
			expect(await readCopyId(stripped)).toEqual({ copyId: '7F3K-Q9MD', source: 'text' });
		});

		it.skipIf(!hasTool('qpdf'))(
			'reads the copy id from pages qpdf copied into a new file',
			async () => {
				const copied = withFile(stamped, (path) => {
					run('qpdf', ['--empty', '--pages', path, '5-7', '--', join(path, '..', 'out.pdf')]);
					return new Uint8Array(readFileSync(join(path, '..', 'out.pdf')));
				});
				expect(await readCopyId(copied)).toEqual({ copyId: '7F3K-Q9MD', source: 'text' });
			},
		);

		it('finds no copy id in the unstamped report', async () => {
			expect(await readCopyId(original)).toBeNull();
		});
	});

	describe.skipIf(!tools)('on rotated, cropped and mixed pages', () => {
		it.each([0, 90, 180, 270])(
			'puts the footer upright at the bottom of a page rotated by %i°',
			async (rotate) => {
				const stamped = await stampPdf(await makePdf([{ size: A4, rotate }]), stampInput());
				const [width, height] = rotate % 180 === 0 ? A4 : [A4[1], A4[0]];
				const words = pageWords(stamped)[0]!;
				const id = words.find((w) => w.text === '7F3K-Q9MD')!;
				expect(id).toBeDefined();
				// Horizontal as displayed (wider than tall), in the bottom 30 pt, inside the page.
				expect(id.xMax - id.xMin).toBeGreaterThan(3 * (id.yMax - id.yMin));
				expect(id.yMin).toBeGreaterThan(height - 30);
				expect(id.xMax).toBeLessThan(width);
				expect(qpdfCheck(stamped)).toMatchObject({ status: 0 });
			},
		);

		it('stamps a file of mixed sizes with one watermark form per page geometry', async () => {
			const specs: PageSpec[] = [
				{ size: A4 },
				{ size: LETTER },
				{ size: [1190.55, 841.89] }, // A3 landscape
				{ size: A4 },
				{ size: [419.53, 595.28], rotate: 90 }, // A5, rotated
				{ size: LETTER },
			];
			const stamped = await stampPdf(await makePdf(specs), stampInput());
			const pages = pdfPagesText(stamped).map(flat);
			expect(pages).toHaveLength(6);
			pages.forEach((text, i) => {
				expect(text).toContain(`Original page ${i + 1}`);
				expect(text).toContain('copy 7F3K-Q9MD');
			});
			const pdf = await PDFDocument.load(stamped);
			expect(objectsOfType(pdf, (d) => nameOf(d, 'Subtype') === '/Form')).toBe(4);
			expect(qpdfCheck(stamped)).toMatchObject({ status: 0 });
		});

		it('wraps or shrinks the footer on a narrow page and keeps it on the page', async () => {
			const stamped = await stampPdf(
				await makePdf([{ size: [210, 297] }]),
				stampInput({ company: 'Żabka Polska sp. z o.o. Internationale Beteiligungen' }),
			);
			const words = pageWords(stamped)[0]!;
			const footer = words.filter((w) => w.yMin > 297 - 40);
			expect(footer.map((w) => w.text)).toContain('7F3K-Q9MD');
			for (const word of footer) {
				expect(word.xMin).toBeGreaterThanOrEqual(0);
				expect(word.xMax).toBeLessThanOrEqual(210);
			}
		});

		it('places the stamp inside a crop box smaller than the media box', async () => {
			const crop: [number, number, number, number] = [100, 150, 300, 450]; // x, y, width, height
			const stamped = await stampPdf(
				await makePdf([{ size: LETTER, crop, blank: true }]),
				stampInput(),
			);
			// pdftotext reads the crop box: the footer is at its bottom.
			const id = pageWords(stamped)[0]!.find((w) => w.text === '7F3K-Q9MD')!;
			expect(id.yMin).toBeGreaterThan(crop[3] - 30);
			// Rendered over the whole media box (1 px = 1 pt), the ink lies within the crop box
			// and reaches its bottom strip (the footer) and its middle (the diagonal).
			const ink = withFile(stamped, (path) => inkOf(run('pdftoppm', ['-r', '72', '-gray', path])));
			const top = LETTER[1] - (crop[1] + crop[3]);
			expect(ink.count).toBeGreaterThan(100);
			expect(ink.xMin).toBeGreaterThanOrEqual(crop[0]);
			expect(ink.xMax).toBeLessThan(crop[0] + crop[2]);
			expect(ink.yMin).toBeGreaterThanOrEqual(top);
			expect(ink.yMax).toBeLessThan(top + crop[3]);
			expect(ink.yMax).toBeGreaterThan(top + crop[3] - 15);
		});
	});

	/** Bounds of the non-white pixels of a binary PGM (pdftoppm -gray). */
	function inkOf(pgm: string) {
		const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm)!;
		const width = Number(header[1]);
		const pixels = Buffer.from(pgm.slice(header[0].length), 'latin1');
		const ink = { count: 0, xMin: Infinity, yMin: Infinity, xMax: -1, yMax: -1 };
		pixels.forEach((value, i) => {
			if (value > 240) return;
			const x = i % width;
			const y = Math.floor(i / width);
			ink.count++;
			ink.xMin = Math.min(ink.xMin, x);
			ink.xMax = Math.max(ink.xMax, x);
			ink.yMin = Math.min(ink.yMin, y);
			ink.yMax = Math.max(ink.yMax, y);
		});
		return ink;
	}

	describe.skipIf(!tools)('names in any script', () => {
		const NAMES: [string, string, string][] = [
			['Latin with diacritics', 'Łukasz Żółć', 'Żabka Polska sp. z o.o.'],
			['Greek', 'Ελένη Παπαδοπούλου', 'Αθηναϊκή Τεχνική'],
			['Cyrillic', 'Дмитрий Иванов', 'ООО Ромашка'],
			['Hebrew', 'דוד כהן', 'Acme Israel'],
			['Arabic', 'محمد العلي', 'شركة الاتصالات'],
			['Chinese', '张伟', '阿里巴巴'],
			['Japanese', '山田太郎', 'やまだ商事'],
			['Korean', '김민준', '삼성전자'],
		];

		it.each(NAMES)(
			'stamps a %s name and company that extract as written',
			async (_, name, company) => {
				const stamped = await stampPdf(
					await makePdf([{ size: A4 }]),
					stampInput({ name, company }),
				);
				const footer = regionText(stamped, 1, 0, 800, 596, 42);
				expect(footer).toContain(name);
				expect(footer).toContain(company);
				expect(footer).toContain('copy 7F3K-Q9MD');
				expect(qpdfCheck(stamped)).toMatchObject({ status: 0 });
			},
		);

		it('draws a character no font has as U+FFFD instead of failing', async () => {
			const stamped = await stampPdf(
				await makePdf([{ size: A4 }]),
				stampInput({ name: 'Ann\u{1F600}a Smith' }),
			);
			expect(regionText(stamped, 1, 0, 800, 596, 42)).toContain('Ann\uFFFDa Smith');
		});
	});

	describe('refusing what it cannot stamp', () => {
		it.each(['encrypted-empty-password.pdf', 'encrypted-password.pdf'])(
			'refuses %s with a message saying what to do',
			async (file) => {
				const bytes = new Uint8Array(readFileSync(join('tests/fixtures', file)));
				await expect(stampPdf(bytes, stampInput())).rejects.toThrow(
					/encrypted .*upload an unprotected copy/,
				);
			},
		);

		it('refuses a file that is not a PDF', async () => {
			const bytes = new TextEncoder().encode('%PDF-1.7\nnot really');
			await expect(stampPdf(bytes, stampInput())).rejects.toThrow(/cannot be read|no pages/);
		});

		it('refuses a malformed copy id', async () => {
			await expect(
				stampPdf(await makePdf([{ size: A4 }]), stampInput({ copyId: 'nope' })),
			).rejects.toThrow(/not a copy id/);
		});
	});

	/**
	 * A PDF whose compressed page content ends in 0x0D and whose /Length is an indirect object:
	 * pdf-lib's parser drops that byte (DESIGN.md), which breaks the zlib stream.
	 */
	function pdfWithTrailingCarriageReturn(): Uint8Array {
		let data: Buffer | undefined;
		for (let i = 0; !data; i++) {
			const candidate = deflateSync(`BT /F1 24 Tf 72 700 Td (Hello carriage return ${i}) Tj ET`);
			if (candidate.at(-1) === 0x0d) data = candidate;
		}
		const objects = [
			'<< /Type /Catalog /Pages 2 0 R >>',
			'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
			'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> >> >>',
			null, // the stream
			`${data.length}`,
			'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
		];
		const chunks: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
		const offsets: number[] = [];
		let size = chunks[0]!.length;
		objects.forEach((body, i) => {
			offsets.push(size);
			const chunk =
				body === null
					? Buffer.concat([
							Buffer.from(`${i + 1} 0 obj\n<< /Length 5 0 R /Filter /FlateDecode >>\nstream\n`),
							data!,
							Buffer.from('\nendstream\nendobj\n'),
						])
					: Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`);
			chunks.push(chunk);
			size += chunk.length;
		});
		const xref = [
			'xref',
			`0 ${objects.length + 1}`,
			'0000000000 65535 f ',
			...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `),
			`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${size}\n%%EOF\n`,
		];
		chunks.push(Buffer.from(xref.join('\n')));
		return new Uint8Array(Buffer.concat(chunks));
	}

	describe.skipIf(!tools)('on pdf-lib parser edge cases', () => {
		it('keeps a stream whose last byte is 0x0D whole', async () => {
			const original = pdfWithTrailingCarriageReturn();
			expect(qpdfCheck(original)).toMatchObject({ status: 0 });
			const stamped = await stampPdf(original, stampInput());
			expect(qpdfCheck(stamped)).toMatchObject({ status: 0 });
			expect(flat(pdfPagesText(stamped)[0]!)).toMatch(/Hello carriage return \d+/);
		});

		it('drops objects nothing refers to, such as an earlier revision left behind', async () => {
			const pdf = await PDFDocument.load(await makePdf([{ size: A4 }]));
			const orphan = pdf.context.register(pdf.context.flateStream('orphaned original content'));
			const bytes = await pdf.save();
			const stamped = await PDFDocument.load(await stampPdf(bytes, stampInput()));
			expect(stamped.context.lookup(PDFRef.of(orphan.objectNumber))).toBeUndefined();
		});
	});
});
