/**
 * Unicode text for pdf-lib. The standard fonts only encode WinAnsi and pdf-lib has no font
 * fallback, so this module ships its own chain of fonts (npm packages, never system fonts or
 * downloads), splits text into runs that one font can draw, orders right-to-left runs, and embeds
 * only the fonts a document uses, as subsets.
 *
 * Parsed fonts are cached per process (per worker thread): a PDF costs one embedded font object
 * per face it uses, and drawing the same line on many pages reuses one shaped, encoded copy.
 */
import { deflateSync } from 'node:zlib';
import type { Font } from '@pdf-lib/fontkit';
// Not exported by the package; the ToUnicode map pdf-lib writes for a subset (see reusesSubsetParts).
import { createCmap } from 'pdf-lib/cjs/core/embedders/CMap.js';
import {
	beginText,
	type Color,
	endText,
	type PDFDocument,
	type PDFFont,
	PDFHexString,
	PDFName,
	type PDFOperator,
	type PDFContext,
	type PDFPage,
	type PDFRef,
	popGraphicsState,
	pushGraphicsState,
	rgb,
	rotateAndSkewTextDegreesAndTranslate,
	setFillingColor,
	setFontAndSize,
	setGraphicsState,
	showText,
} from 'pdf-lib';
import {
	cachingFontkit,
	CHAINS,
	FACE_ORDER,
	FACES,
	type FaceId,
	type FontStyle,
	loadFace,
} from './font-faces.ts';
import {
	advanceOf,
	clustersOf,
	isSimple,
	measureText,
	splitRuns,
	visualOrder,
} from './text-runs.ts';

export interface DrawTextOptions {
	x: number;
	y: number;
	size: number;
	color?: Color;
	/** 0–1; one shared graphics state per value per document. */
	opacity?: number;
	style?: FontStyle;
	/** Degrees, counter-clockwise around (x, y). */
	rotate?: number;
}

/** A line shaped and encoded once for a document, ready to draw at any size and place. */
export interface PreparedLine {
	/** Width at 1 pt. */
	width: number;
	/** Characters no font had, drawn as U+FFFD. */
	replaced: number;
	runs: {
		face: FaceId;
		font: PDFFont;
		/** Fixed resource name for this font in this document. */
		resource: PDFName;
		text: string;
		encoded: PDFHexString;
		/** Start of the run from the line's start, at 1 pt. */
		offset: number;
	}[];
}

export interface EmbeddedFonts {
	readonly pdf: PDFDocument;
	readonly faces: ReadonlyMap<FaceId, PDFFont>;
	widthOfTextAtSize(text: string, size: number, style?: FontStyle): number;
	prepare(text: string, style?: FontStyle): PreparedLine;
	/** Draws one line starting at (x, y) on the baseline; returns its width in points. */
	drawText(page: PDFPage, text: string, options: DrawTextOptions): number;
}

/**
 * Embeds, as subsets, the faces needed to draw `text` in each style, and returns a drawer for
 * this document. Drawing text in a style that was not declared falls back to the same script's
 * other style; drawing a script that was not declared at all throws.
 */
export async function embedFonts(
	pdf: PDFDocument,
	text: { regular?: Iterable<string>; bold?: Iterable<string> },
	options: {
		/**
		 * Characters put first in the subset of each style's first face, whether drawn or not. A
		 * stamp passes printable ASCII: its subsets then differ only in the letters beyond it, and
		 * one made for one recipient is made again for the next from the cache (below).
		 */
		alwaysInclude?: string;
	} = {},
): Promise<EmbeddedFonts> {
	const needed = new Set<FaceId>();
	for (const style of ['regular', 'bold'] as const) {
		for (const line of text[style] ?? []) {
			for (const run of splitRuns(line, style)) needed.add(run.face);
		}
	}
	pdf.registerFontkit(cachingFontkit as Parameters<PDFDocument['registerFontkit']>[0]);
	const faces = new Map<FaceId, PDFFont>();
	for (const id of FACE_ORDER) {
		if (!needed.has(id)) continue;
		const { bytes, font } = loadFace(id);
		// A fixed subset tag instead of pdf-lib's random suffix: the same input gives the same file.
		const tag = `TRUST${String.fromCharCode(65 + FACE_ORDER.indexOf(id))}`;
		const embedded = await pdf.embedFont(bytes, {
			subset: true,
			customName: `${tag}+${font.postscriptName}`,
		});
		const embedder = embedderOf(embedded);
		if (options.alwaysInclude && (id === CHAINS.regular[0] || id === CHAINS.bold[0]))
			includeFirst(embedder, options.alwaysInclude);
		reusesSubsetParts(embedder, id);
		faces.set(id, embedded);
	}
	return new DocumentFonts(pdf, faces);
}

function embedderOf(font: PDFFont): SubsetEmbedder {
	return (font as unknown as { embedder: SubsetEmbedder }).embedder;
}

/** What this module uses of pdf-lib's subsetting embedder (CustomFontSubsetEmbedder). */
interface SubsetEmbedder {
	font: Font;
	subset: { glyphs: number[]; includeGlyph(glyph: object): number };
	glyphs: { id: number; codePoints?: number[] }[];
	glyphId(glyph?: object): number;
	computeWidths(): unknown[];
	embedUnicodeCmap(context: PDFContext): PDFRef;
	glyphIdMap: Map<number, number>;
	glyphCache: { invalidate(): void };
	serializeFont(): Promise<Uint8Array>;
	embedFontStream(context: PDFContext): Promise<PDFRef>;
}

/** Puts the glyphs of `text` in the subset now, one per character (those the face has). */
function includeFirst(embedder: SubsetEmbedder, text: string): void {
	encodeSimple(
		embedder,
		[...text].filter((ch) => embedder.font.hasGlyphForCodePoint(ch.codePointAt(0)!)).join(''),
	);
}

/**
 * Simple text (text-runs.ts: one glyph per character, from the character map) encoded for the
 * subset, as pdf-lib's encodeText does it after laying text out: each glyph included in the subset
 * and shown by its number there.
 */
function encodeSimple(embedder: SubsetEmbedder, text: string): PDFHexString {
	let hex = '';
	for (const ch of text) {
		const glyph = embedder.font.glyphForCodePoint(ch.codePointAt(0)!);
		const id = embedder.subset.includeGlyph(glyph);
		embedder.glyphs[id - 1] = glyph as SubsetEmbedder['glyphs'][number];
		embedder.glyphIdMap.set(glyph.id, id);
		hex += id.toString(16).padStart(4, '0');
	}
	embedder.glyphCache.invalidate();
	return PDFHexString.of(hex);
}

/** A bounded map: past `limit` entries, the least recently used goes. */
class Recent<V> {
	private readonly entries = new Map<string, V>();
	private readonly limit: number;
	constructor(limit: number) {
		this.limit = limit;
	}
	get(key: string): V | undefined {
		const value = this.entries.get(key);
		if (value !== undefined) {
			this.entries.delete(key);
			this.entries.set(key, value);
		}
		return value;
	}
	set(key: string, value: V): V {
		this.entries.set(key, value);
		if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
		return value;
	}
}

/**
 * What pdf-lib makes of a subset, once per face and glyphs (in subset order, with the characters
 * each stands for): the compressed font program, the widths array and the compressed ToUnicode
 * map. Each depends on nothing else; making them was most of a stamp's own work, and stamps draw
 * the same glyphs again and again.
 */
const subsetParts = {
	programs: new Recent<Uint8Array>(256),
	widths: new Recent<unknown[]>(256),
	toUnicode: new Recent<Uint8Array>(256),
};

function reusesSubsetParts(embedder: SubsetEmbedder, face: FaceId): void {
	const keyOf = () =>
		`${face} ${embedder.glyphs.map((g) => `${g.id}:${g.codePoints?.join('.') ?? ''}`).join(',')}`;
	embedder.embedFontStream = async (context) => {
		const key = keyOf();
		const program =
			subsetParts.programs.get(key) ??
			subsetParts.programs.set(key, deflateSync(await embedder.serializeFont()));
		return context.register(context.stream(program, { Filter: 'FlateDecode' }));
	};
	const computeWidths = embedder.computeWidths.bind(embedder);
	embedder.computeWidths = () => {
		const key = keyOf();
		return subsetParts.widths.get(key) ?? subsetParts.widths.set(key, computeWidths());
	};
	embedder.embedUnicodeCmap = (context) => {
		const key = keyOf();
		const map =
			subsetParts.toUnicode.get(key) ??
			subsetParts.toUnicode.set(
				key,
				deflateSync(createCmap(embedder.glyphs as never, embedder.glyphId.bind(embedder))),
			);
		return context.register(context.stream(map, { Filter: 'FlateDecode' }));
	};
}

class DocumentFonts implements EmbeddedFonts {
	readonly pdf: PDFDocument;
	readonly faces: ReadonlyMap<FaceId, PDFFont>;
	private readonly lines = new Map<string, PreparedLine>();
	private readonly states = new Map<number, { name: PDFName; ref: PDFRef }>();
	private readonly reversed = new WeakSet<object>();

	constructor(pdf: PDFDocument, faces: Map<FaceId, PDFFont>) {
		this.pdf = pdf;
		this.faces = faces;
	}

	widthOfTextAtSize(text: string, size: number, style: FontStyle = 'regular'): number {
		return measureText(text, size, style);
	}

	prepare(text: string, style: FontStyle = 'regular'): PreparedLine {
		const key = `${style}\u0000${text}`;
		const cached = this.lines.get(key);
		if (cached) return cached;
		const line: PreparedLine = { width: 0, replaced: 0, runs: [] };
		line.replaced = isSimple(CHAINS[style][0]!, text)
			? 0
			: clustersOf(text, style).filter((c) => c.replaced).length;
		for (const run of visualOrder(splitRuns(text, style))) {
			const face = this.faces.has(run.face) ? run.face : FACES[run.face].sibling;
			const font = this.faces.get(face);
			if (!font) {
				throw new Error(
					`no font for ${JSON.stringify(run.text)} was embedded; pass the text to embedFonts`,
				);
			}
			line.runs.push({
				face,
				font,
				// Named after the font's object number: unique in this file, the same on every page.
				resource: PDFName.of(`TrF${font.ref.objectNumber}`),
				text: run.text,
				encoded: isSimple(face, run.text)
					? encodeSimple(embedderOf(font), run.text)
					: font.encodeText(run.text),
				offset: line.width,
			});
			if (run.level === 1) this.mapLigaturesForExtraction(font, run.text);
			line.width += advanceOf(face, run.text);
		}
		this.lines.set(key, line);
		return line;
	}

	drawText(page: PDFPage, text: string, options: DrawTextOptions): number {
		const { x, y, size, color = rgb(0, 0, 0), opacity, style = 'regular', rotate = 0 } = options;
		const line = this.prepare(text, style);
		if (line.runs.length === 0) return 0;
		const operators: PDFOperator[] = [pushGraphicsState()];
		if (opacity !== undefined && opacity < 1) {
			const state = this.graphicsState(opacity);
			page.node.setExtGState(state.name, state.ref);
			operators.push(setGraphicsState(state.name));
		}
		operators.push(beginText(), setFillingColor(color));
		const radians = (rotate * Math.PI) / 180;
		for (const run of line.runs) {
			page.node.setFontDictionary(run.resource, run.font.ref);
			const dx = run.offset * size;
			operators.push(
				setFontAndSize(run.resource, size),
				rotateAndSkewTextDegreesAndTranslate(
					rotate,
					0,
					0,
					x + dx * Math.cos(radians),
					y + dx * Math.sin(radians),
				),
				showText(run.encoded),
			);
		}
		operators.push(endText(), popGraphicsState());
		page.pushOperators(...operators);
		return line.width * size;
	}

	/**
	 * Text extractors read an RTL run's glyphs in drawing order (left to right) and reverse the
	 * characters to get reading order, the characters a ligature maps to included: Arabic lam-alef,
	 * mapped to "لا", came out of pdftotext as "ال". Mapping such glyphs to their characters in
	 * drawing order makes the reversal come out right. Single-character glyphs are unaffected.
	 */
	private mapLigaturesForExtraction(font: PDFFont, text: string): void {
		const documentCopy = (font as unknown as { embedder: { font: Font } }).embedder.font;
		for (const glyph of documentCopy.layout(text).glyphs) {
			if (glyph.codePoints.length > 1 && !this.reversed.has(glyph)) {
				glyph.codePoints = [...glyph.codePoints].reverse();
				this.reversed.add(glyph);
			}
		}
	}

	private graphicsState(opacity: number): { name: PDFName; ref: PDFRef } {
		const value = Math.max(0, Math.min(1, Math.round(opacity * 1000) / 1000));
		let state = this.states.get(value);
		if (!state) {
			const ref = this.pdf.context.register(
				this.pdf.context.obj({ Type: 'ExtGState', ca: value, CA: value }),
			);
			state = { name: PDFName.of(`TrGS${ref.objectNumber}`), ref };
			this.states.set(value, state);
		}
		return state;
	}
}
