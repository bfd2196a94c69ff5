import fontkit from '@pdf-lib/fontkit';
import { decodePDFRawStream, PDFDict, PDFDocument, PDFName, PDFRawStream, rgb } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { embedFonts } from '../../src/lib/server/pdf/fonts.ts';
import {
	type FaceId,
	type FontStyle,
	getFontCacheStats,
} from '../../src/lib/server/pdf/font-faces.ts';
import { isSimple, measureText, splitRuns } from '../../src/lib/server/pdf/text-runs.ts';
import { hasTool, pdfPagesText, qpdfCheck } from '../helpers/pdf.ts';

// Poppler marks a right-to-left line with RIGHT-TO-LEFT EMBEDDING … POP DIRECTIONAL FORMATTING and
// puts its characters in logical (reading) order.
const RLE = '\u202B';
const PDF = '\u202C';

const NAMES: { script: string; name: string; faces: FaceId[]; rtl?: boolean }[] = [
	{ script: 'Latin with diacritics', name: 'Łukasz Żółć', faces: ['noto-sans'] },
	{ script: 'Latin (German, Spanish)', name: 'José Müller', faces: ['noto-sans'] },
	{ script: 'Greek', name: 'Ελένη Παπαδοπούλου', faces: ['noto-sans'] },
	{ script: 'Cyrillic', name: 'Дмитрий Иванов', faces: ['noto-sans'] },
	{ script: 'Hebrew', name: 'דוד כהן', faces: ['noto-sans-hebrew'], rtl: true },
	{ script: 'Arabic', name: 'محمد العلي', faces: ['noto-naskh-arabic'], rtl: true },
	{
		script: 'Arabic with ligatures',
		name: 'عبد الله الاتصالات',
		faces: ['noto-naskh-arabic'],
		rtl: true,
	},
	{ script: 'Chinese', name: '张伟', faces: ['unifont'] },
	{ script: 'Japanese kanji', name: '山田太郎', faces: ['unifont'] },
	{ script: 'Japanese kana', name: 'やまだ タロウ', faces: ['unifont', 'noto-sans', 'unifont'] },
	{ script: 'Korean', name: '김민준', faces: ['unifont'] },
	{
		script: 'mixed Latin and Chinese',
		name: 'Anna 张 Müller',
		faces: ['noto-sans', 'unifont', 'noto-sans'],
	},
];

/** One line per name, far enough apart that pdftotext keeps them on separate lines. */
async function pdfWithLines(lines: string[], style: FontStyle = 'regular'): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	const fonts = await embedFonts(pdf, { [style]: lines });
	const page = pdf.addPage([595.28, 841.89]);
	lines.forEach((line, i) => {
		fonts.drawText(page, line, { x: 60, y: 780 - i * 40, size: 14, style, color: rgb(0, 0, 0) });
	});
	return pdf.save();
}

function embeddedFontNames(pdf: PDFDocument): string[] {
	return pdf.context
		.enumerateIndirectObjects()
		.map(([, object]) => object)
		.filter(
			(o): o is PDFDict =>
				o instanceof PDFDict && o.get(PDFName.of('Subtype')) === PDFName.of('Type0'),
		)
		.map((font) => font.get(PDFName.of('BaseFont'))!.toString())
		.sort();
}

describe('splitRuns', () => {
	it.each(NAMES)('draws $script with faces that have its glyphs', ({ name, faces }) => {
		expect(splitRuns(name).map((run) => run.face)).toEqual(faces);
	});

	it('keeps a right-to-left name and the spaces inside it in one right-to-left run', () => {
		expect(splitRuns('محمد العلي')).toEqual([
			{ text: 'محمد العلي', face: 'noto-naskh-arabic', level: 1 },
		]);
	});

	it('gives right-to-left text inside a left-to-right line a run of its own', () => {
		expect(splitRuns('Anna דוד כהן Müller').map((run) => [run.text, run.level])).toEqual([
			['Anna ', 0],
			['דוד כהן', 1],
			[' ', 0],
			['Müller', 0],
		]);
	});

	it('keeps digits inside right-to-left text left to right', () => {
		expect(splitRuns('شركة 123 العربية').map((run) => run.level)).toEqual([1, 2, 1]);
	});

	it('uses the bold faces for bold text, and Unifont for CJK in either style', () => {
		expect(splitRuns('Łukasz 张伟', 'bold').map((run) => run.face)).toEqual([
			'noto-sans-bold',
			'unifont',
		]);
	});

	it.each([
		['a private-use code point outside every font', 'A\u{10FFFD}B'],
		['an emoji (Unifont covers the BMP only)', 'A\u{1F600}B'],
	])('replaces %s with U+FFFD instead of failing', (_case, text) => {
		expect(splitRuns(text)).toEqual([{ text: 'A\uFFFDB', face: 'noto-sans', level: 0 }]);
	});

	it('drops control characters and turns tabs and newlines into spaces', () => {
		expect(splitRuns('a\tb\nc\u0007d').map((run) => run.text)).toEqual(['a b cd']);
	});
});

describe('simple text', () => {
	it('is ASCII, the middle dot and precomposed Latin letters: one run, one glyph each', async () => {
		for (const text of ['Jane Doe <jane@acme.io> · 2026-11-22', 'Łukasz Żółć', 'José Müller', ''])
			expect(isSimple('noto-sans', text), text).toBe(true);
		// Shaped, right to left, combining, invisible or beyond Latin Extended-A: the full path.
		for (const text of ['Ελένη', 'דוד', 'José\u0301', 'soft\u00adhyphen', 'tab\there', '张伟'])
			expect(isSimple('noto-sans', text), text).toBe(false);
		const pdf = await PDFDocument.create();
		const text = 'office · Żółć';
		const fonts = await embedFonts(pdf, { regular: [text] });
		const { runs } = fonts.prepare(text);
		expect(runs.map((run) => run.face)).toEqual(['noto-sans']);
		// No ligature: as many glyphs (four hex digits each) as characters.
		expect(runs[0]!.encoded.asString()).toHaveLength(4 * text.length);
	});
});

describe('embedFonts', () => {
	it.each(NAMES)('draws a $script name that pdftotext reads back', async ({ name, rtl }) => {
		const bytes = await pdfWithLines([name]);
		if (!hasTool('pdftotext')) return;
		const [page] = pdfPagesText(bytes);
		expect(page?.trim()).toBe(rtl ? `${RLE}${name}${PDF}` : name);
	});

	it('keeps documents apart: a glyph first met inside "ó" still extracts in the next file', async () => {
		// Subsetting "ó" creates its "o" component glyph without code points; with glyph objects
		// shared between documents, the next document's "o" extracted as nothing.
		await pdfWithLines(['Żółć']);
		const bytes = await pdfWithLines(['Jose Lopez']);
		if (!hasTool('pdftotext')) return;
		expect(pdfPagesText(bytes)[0]?.trim()).toBe('Jose Lopez');
	});

	it('writes files qpdf finds clean, in both styles', async () => {
		if (!hasTool('qpdf')) return;
		const names = NAMES.map((n) => n.name);
		expect(qpdfCheck(await pdfWithLines(names))).toMatchObject({ status: 0 });
		expect(qpdfCheck(await pdfWithLines(names, 'bold'))).toMatchObject({ status: 0 });
	});

	it('draws a character no font has as U+FFFD, and counts it', async () => {
		const pdf = await PDFDocument.create();
		const text = 'Ann\u{10FFFD}a \u{1F600}';
		const fonts = await embedFonts(pdf, { regular: [text] });
		expect(fonts.prepare(text).replaced).toBe(2);
		fonts.drawText(pdf.addPage(), text, { x: 50, y: 700, size: 12 });
		if (!hasTool('pdftotext')) return;
		expect(pdfPagesText(await pdf.save())[0]?.trim()).toBe('Ann\uFFFDa \uFFFD');
	});

	it('embeds only the faces the text needs, as tagged subsets', async () => {
		const latin = await PDFDocument.create();
		const onlyLatin = await embedFonts(latin, { regular: ['Łukasz Żółć'] });
		expect([...onlyLatin.faces.keys()]).toEqual(['noto-sans']);

		const mixed = await PDFDocument.create();
		const fonts = await embedFonts(mixed, { regular: ['Anna 张 Müller'], bold: ['Receipt'] });
		expect([...fonts.faces.keys()]).toEqual(['noto-sans', 'noto-sans-bold', 'unifont']);
		fonts.drawText(mixed.addPage(), 'Anna 张 Müller', { x: 50, y: 700, size: 12 });
		const saved = await PDFDocument.load(await mixed.save());
		expect(embeddedFontNames(saved)).toEqual([
			'/TRUSTA+NotoSans-Regular',
			'/TRUSTB+NotoSans-Bold',
			'/TRUSTG+UnifontMedium',
		]);
	});

	it('falls back to the other style of a script, and refuses text it was never given', async () => {
		const pdf = await PDFDocument.create();
		const fonts = await embedFonts(pdf, { regular: ['דוד כהן'] });
		expect(fonts.prepare('דוד', 'bold').runs.map((run) => run.face)).toEqual(['noto-sans-hebrew']);
		expect(() => fonts.prepare('张伟')).toThrow(/pass the text to embedFonts/);
	});

	it('measures what it draws', async () => {
		const pdf = await PDFDocument.create();
		const text = 'Anna 张 Müller';
		const fonts = await embedFonts(pdf, { regular: [text, 'Łukasz'] });
		const width = fonts.drawText(pdf.addPage(), text, { x: 0, y: 0, size: 12 });
		expect(width).toBeCloseTo(measureText(text, 12), 6);
		expect(fonts.widthOfTextAtSize('Łukasz', 12)).toBeCloseTo(
			fonts.faces.get('noto-sans')!.widthOfTextAtSize('Łukasz', 12),
			6,
		);
	});

	it('subsets TrueType fonts into glyphs that still have their outlines', async () => {
		// @pdf-lib/fontkit's short-loca bug turned most glyphs after an odd-length one into garbage.
		const text = 'ŁukaszŻółćΠαπαδοπούλουДмитрий张伟山田太郎김민준';
		const bytes = await pdfWithLines([text]);
		const pdf = await PDFDocument.load(bytes);
		const files = pdf.context
			.enumerateIndirectObjects()
			.map(([, object]) => object)
			.filter((o): o is PDFDict => o instanceof PDFDict && o.has(PDFName.of('FontFile2')))
			.map((descriptor) => pdf.context.lookup(descriptor.get(PDFName.of('FontFile2'))))
			.filter((o): o is PDFRawStream => o instanceof PDFRawStream);
		expect(files.length).toBe(2);
		for (const file of files) {
			const font = fontkit.create(decodePDFRawStream(file).decode());
			expect(font.numGlyphs).toBeGreaterThan(2);
			for (let gid = 1; gid < font.numGlyphs; gid++) {
				const glyph = font.getGlyph(gid);
				expect(glyph.path.toSVG(), `glyph ${gid} of ${font.numGlyphs}`).not.toBe('');
				expect(glyph.bbox.maxX).toBeLessThanOrEqual(font.bbox.maxX);
				expect(glyph.bbox.minY).toBeGreaterThanOrEqual(font.bbox.minY);
			}
		}
	});
});

describe('one line on many pages', () => {
	it('reuses one shaped line, one font object and fixed resource names', async () => {
		const pdf = await PDFDocument.create();
		const line = 'Issued to Łukasz Żółć · 张伟 · محمد العلي · copy 7F3K-22QD';
		const fonts = await embedFonts(pdf, { regular: [line] });
		for (let i = 0; i < 40; i++) {
			fonts.drawText(pdf.addPage(), line, {
				x: 40,
				y: 20,
				size: 9,
				opacity: 0.5,
				rotate: i % 2 ? 45 : 0,
			});
		}
		expect(fonts.prepare(line)).toBe(fonts.prepare(line));
		const resourceNames = pdf.getPages().map((page) => {
			const resources = page.node.Resources()!;
			const names = (key: string) =>
				(resources.lookup(PDFName.of(key), PDFDict).keys() as PDFName[])
					.map(String)
					.sort()
					.join(' ');
			return `${names('Font')} | ${names('ExtGState')}`;
		});
		expect(new Set(resourceNames).size).toBe(1);
		expect(resourceNames[0]).toMatch(/^\/TrF\d+ \/TrF\d+ \/TrF\d+ \| \/TrGS\d+$/);
		const saved = await PDFDocument.load(await pdf.save());
		expect(embeddedFontNames(saved)).toHaveLength(3);
		if (!hasTool('qpdf')) return;
		expect(qpdfCheck(await pdf.save())).toMatchObject({ status: 0 });
	});
});

describe('font cache', () => {
	it('reads and parses each font file once per process', async () => {
		const text = NAMES.map((n) => n.name);
		await pdfWithLines(text);
		const warm = getFontCacheStats();
		expect(warm.filesRead).toBe(warm.fontsParsed);
		expect(warm.filesRead).toBeLessThanOrEqual(7);

		await pdfWithLines(text);
		await pdfWithLines(text, 'regular');
		expect(getFontCacheStats()).toEqual(warm);
	});
});
