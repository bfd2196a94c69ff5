/**
 * Unicode text for pdf-lib. The standard fonts only encode WinAnsi and pdf-lib has no font
 * fallback, so this module ships its own chain of fonts (npm packages, never system fonts or
 * downloads), splits text into runs that one font can draw, orders right-to-left runs, and embeds
 * only the fonts a document uses, as subsets.
 *
 * Parsed fonts are cached per process (per worker thread): a PDF costs one embedded font object
 * per face it uses, and drawing the same line on many pages reuses one shaped, encoded copy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import fontkit, { type Font } from '@pdf-lib/fontkit';
import {
	beginText,
	type Color,
	endText,
	type PDFDocument,
	type PDFFont,
	type PDFHexString,
	PDFName,
	type PDFOperator,
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

export type FontStyle = 'regular' | 'bold';

export type FaceId =
	| 'noto-sans'
	| 'noto-sans-bold'
	| 'noto-sans-hebrew'
	| 'noto-sans-hebrew-bold'
	| 'noto-naskh-arabic'
	| 'noto-naskh-arabic-bold'
	| 'unifont';

/** Drawn in place of a character no font in the chain has. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

const require = createRequire(import.meta.url);
const inPackage = (pkg: string, file: string) => join(dirname(require.resolve(pkg)), '..', file);

interface FaceSource {
	path: () => string;
	/** The same script in the other style, used when only that one was embedded. */
	sibling: FaceId;
}

// Noto for Latin, Greek, Cyrillic, Hebrew and Arabic; GNU Unifont (the whole BMP, including CJK
// and Hangul) last. All TrueType outlines: @pdf-lib/fontkit mis-encodes CFF (OTF) subsets.
const FACES: Record<FaceId, FaceSource> = {
	'noto-sans': {
		path: () => inPackage('@embedpdf/fonts-latin', 'fonts/NotoSans-Regular.ttf'),
		sibling: 'noto-sans-bold',
	},
	'noto-sans-bold': {
		path: () => inPackage('@embedpdf/fonts-latin', 'fonts/NotoSans-Bold.ttf'),
		sibling: 'noto-sans',
	},
	'noto-sans-hebrew': {
		path: () => inPackage('@embedpdf/fonts-hebrew', 'fonts/NotoSansHebrew-Regular.ttf'),
		sibling: 'noto-sans-hebrew-bold',
	},
	'noto-sans-hebrew-bold': {
		path: () => inPackage('@embedpdf/fonts-hebrew', 'fonts/NotoSansHebrew-Bold.ttf'),
		sibling: 'noto-sans-hebrew',
	},
	'noto-naskh-arabic': {
		path: () => inPackage('@embedpdf/fonts-arabic', 'fonts/NotoNaskhArabic-Regular.ttf'),
		sibling: 'noto-naskh-arabic-bold',
	},
	'noto-naskh-arabic-bold': {
		path: () => inPackage('@embedpdf/fonts-arabic', 'fonts/NotoNaskhArabic-Bold.ttf'),
		sibling: 'noto-naskh-arabic',
	},
	unifont: {
		path: () => require.resolve('@fontsource/unifont/files/unifont-latin-400-normal.woff'),
		sibling: 'unifont',
	},
};

const FACE_ORDER = Object.keys(FACES) as FaceId[];

/** The fallback chains: the first face with glyphs for a whole character draws it. */
const CHAINS: Record<FontStyle, FaceId[]> = {
	regular: ['noto-sans', 'noto-sans-hebrew', 'noto-naskh-arabic', 'unifont'],
	bold: ['noto-sans-bold', 'noto-sans-hebrew-bold', 'noto-naskh-arabic-bold', 'unifont'],
};

// ---------------------------------------------------------------------------------------------
// Loading, once per process

interface LoadedFace {
	bytes: Uint8Array;
	/** Shared by every document: its tables and cmap are decoded once. Never laid out directly. */
	font: Font;
}

const loaded = new Map<FaceId, LoadedFace>();
const sharedByBytes = new WeakMap<Uint8Array, Font>();
const measuring = new Map<FaceId, Font>();
const stats = { filesRead: 0, fontsParsed: 0 };

/** How often font files were read and parsed in this process (a cache check for tests). */
export function getFontCacheStats(): { filesRead: number; fontsParsed: number } {
	return { ...stats };
}

function loadFace(id: FaceId): LoadedFace {
	let face = loaded.get(id);
	if (face) return face;
	const path = FACES[id].path();
	let bytes: Uint8Array;
	try {
		bytes = readFileSync(path);
	} catch (cause) {
		throw new Error(`font ${id} is missing at ${path}; run npm install`, { cause });
	}
	stats.filesRead++;
	// fontkit inflates a WOFF table on every access (per glyph, when laying out and subsetting).
	if (isWoff(bytes)) bytes = woffToSfnt(bytes);
	const font = fontkit.create(bytes);
	stats.fontsParsed++;
	face = { bytes, font };
	loaded.set(id, face);
	sharedByBytes.set(bytes, font);
	return face;
}

/** A process-wide copy for widths, which do not depend on the glyph state `documentFont` guards. */
function measuringFont(id: FaceId): Font {
	let font = measuring.get(id);
	if (!font) {
		font = documentFont(loadFace(id).font);
		measuring.set(id, font);
	}
	return font;
}

/**
 * A copy of a shared font for one document: it reads the shared, already decoded tables but owns
 * its glyph objects and layout engine. fontkit caches glyph objects per font, and pdf-lib writes a
 * glyph's code points (the ToUnicode map that text extraction reads) from them; shared glyphs let
 * one document change what another maps, e.g. the subsetter creates the "o" inside "ó" with no
 * code points, and a later document's "o" then extracts as nothing.
 */
function documentFont(shared: Font): Font {
	const font = Object.create(shared) as Font & FontkitInternals;
	font._glyphs = {};
	const engine = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(shared), '_layoutEngine');
	if (typeof engine?.get !== 'function')
		throw new Error('@pdf-lib/fontkit changed: no layout engine');
	engine.get.call(font); // fontkit's cached getter defines the engine on the copy itself
	const getGlyph = font.getGlyph.bind(font);
	font.getGlyph = (id: number, codePoints?: number[]) => {
		const glyph = getGlyph(id, codePoints);
		// Keep the first code points a glyph is asked for with, even if it was created without.
		if (glyph && codePoints?.length && !glyph.codePoints?.length) glyph.codePoints = codePoints;
		return glyph;
	};
	return withEvenGlyphRecords(font);
}

interface FontkitInternals {
	_glyphs: Record<number, unknown>;
}

function isWoff(bytes: Uint8Array): boolean {
	return (
		bytes.length > 44 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) === 0x774f4646
	);
}

/** Unpacks a WOFF 1.0 file into the TrueType/OpenType file it wraps. */
function woffToSfnt(woff: Uint8Array): Uint8Array {
	const view = new DataView(woff.buffer, woff.byteOffset, woff.byteLength);
	const numTables = view.getUint16(12);
	const tables = Array.from({ length: numTables }, (_, i) => {
		const at = 44 + i * 20;
		const offset = view.getUint32(at + 4);
		const compLength = view.getUint32(at + 8);
		const origLength = view.getUint32(at + 12);
		const stored = woff.subarray(offset, offset + compLength);
		const data = compLength < origLength ? new Uint8Array(inflateSync(stored)) : stored;
		if (data.length !== origLength) throw new Error('WOFF table has the wrong length');
		return { tag: view.getUint32(at), checksum: view.getUint32(at + 16), data };
	});
	const header = 12 + numTables * 16;
	const size = tables.reduce((sum, t) => sum + Math.ceil(t.data.length / 4) * 4, header);
	const sfnt = new Uint8Array(size);
	const out = new DataView(sfnt.buffer);
	const power = 2 ** Math.floor(Math.log2(numTables));
	out.setUint32(0, view.getUint32(4)); // flavor: 0x00010000 (TrueType) or 'OTTO'
	out.setUint16(4, numTables);
	out.setUint16(6, power * 16);
	out.setUint16(8, Math.log2(power));
	out.setUint16(10, numTables * 16 - power * 16);
	let offset = header;
	tables.forEach((table, i) => {
		out.setUint32(12 + i * 16, table.tag);
		out.setUint32(16 + i * 16, table.checksum);
		out.setUint32(20 + i * 16, offset);
		out.setUint32(24 + i * 16, table.data.length);
		sfnt.set(table.data, offset);
		offset += Math.ceil(table.data.length / 4) * 4;
	});
	return sfnt;
}

/**
 * @pdf-lib/fontkit writes a subset's `loca` in the short format, which stores offsets halved,
 * without padding odd-length glyph records: every glyph after the first odd one reads garbage
 * and renders blank (fixed upstream in fontkit 1.8). Padding each record to an even length keeps
 * the halved offsets exact.
 */
function withEvenGlyphRecords(font: Font): Font {
	const createSubset = font.createSubset.bind(font);
	font.createSubset = () => {
		const subset = createSubset() as ReturnType<typeof createSubset> & TtfSubsetInternals;
		const addGlyph = subset._addGlyph;
		if (typeof addGlyph !== 'function') return subset; // CFF subsets have no glyf records
		subset._addGlyph = function (this: TtfSubsetInternals, gid: number) {
			const index = addGlyph.call(this, gid);
			const record = this.glyf[index];
			if (record && record.length % 2 === 1) {
				// The same Buffer class fontkit bundles, so its encoder accepts the padded record.
				const Padded = record.constructor as new (size: number) => GlyphRecord;
				const padded = new Padded(record.length + 1);
				padded.fill(0);
				record.copy(padded);
				this.glyf[index] = padded;
				this.offset += 1;
			}
			return index;
		};
		return subset;
	};
	return font;
}

interface GlyphRecord {
	length: number;
	fill(value: number): void;
	copy(target: GlyphRecord): void;
}

interface TtfSubsetInternals {
	_addGlyph(gid: number): number;
	glyf: GlyphRecord[];
	offset: number;
}

/** Given to pdf-lib: a document copy of the already parsed font for bytes this module loaded. */
const cachingFontkit = {
	create(bytes: Uint8Array, postscriptName?: string): Font {
		const shared = sharedByBytes.get(bytes);
		return shared
			? documentFont(shared)
			: withEvenGlyphRecords(fontkit.create(bytes, postscriptName));
	},
};

// ---------------------------------------------------------------------------------------------
// Runs

/** A piece of text one face draws. `level` is its bidi level: 0 LTR, 1 RTL, 2 digits in RTL. */
export interface TextRun {
	text: string;
	face: FaceId;
	level: 0 | 1 | 2;
}

type Kind = 'ltr' | 'rtl' | 'number' | 'neutral';

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
const RTL_SCRIPT =
	/[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}]/u;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;

function kindOf(cluster: string): Kind {
	if (/^\p{Nd}/u.test(cluster)) return 'number';
	if (RTL_SCRIPT.test(cluster)) return 'rtl';
	if (/[\p{L}\p{M}]/u.test(cluster)) return 'ltr';
	return 'neutral';
}

function covers(face: FaceId, codePoints: number[]): boolean {
	const { font } = loadFace(face);
	return codePoints.every((cp) => font.hasGlyphForCodePoint(cp));
}

/** The text of a cluster as `face` draws it: invisible format characters it lacks are dropped. */
function clusterFor(face: FaceId, cluster: string): string {
	const { font } = loadFace(face);
	let out = '';
	for (const ch of cluster) {
		if (!IGNORABLE.test(ch) || font.hasGlyphForCodePoint(ch.codePointAt(0)!)) out += ch;
	}
	return out;
}

interface Cluster {
	text: string;
	face: FaceId;
	kind: Kind;
	replaced: boolean;
}

function clustersOf(text: string, style: FontStyle): Cluster[] {
	const chain = CHAINS[style];
	const clean = text
		.normalize('NFC')
		.replace(/[\t\n\r]/g, ' ')
		.replace(/\p{Cc}/gu, '');
	const out: Cluster[] = [];
	for (const { segment } of graphemes.segment(clean)) {
		const needed = [...segment].filter((ch) => !IGNORABLE.test(ch)).map((ch) => ch.codePointAt(0)!);
		if (needed.length === 0) continue; // only invisible format characters
		const kind = kindOf(segment);
		const previous = out.at(-1)?.face;
		// Spaces and punctuation stay with the face before them, so a run is not cut at every space.
		const keep =
			(kind === 'neutral' || kind === 'number') &&
			previous !== undefined &&
			previous !== 'unifont' && // its space is half an em wide: prefer Noto's
			covers(previous, needed);
		const face = keep ? previous : chain.find((f) => covers(f, needed));
		if (face) out.push({ text: clusterFor(face, segment), face, kind, replaced: false });
		else
			out.push({ text: REPLACEMENT_CHARACTER, face: chain[0]!, kind: 'neutral', replaced: true });
	}
	return out;
}

/** Bidi levels for a left-to-right line (a simplified Unicode bidi algorithm, no mirroring). */
function levelsOf(clusters: Cluster[]): (0 | 1 | 2)[] {
	let strong: 'ltr' | 'rtl' | null = null;
	const levels = clusters.map((cluster) => {
		if (cluster.kind === 'rtl' || cluster.kind === 'ltr') strong = cluster.kind;
		if (cluster.kind === 'rtl') return 1;
		if (cluster.kind === 'number') return strong === 'rtl' ? 2 : 0;
		return cluster.kind === 'ltr' ? 0 : -1;
	});
	// A neutral between right-to-left text (digits there included) joins it; otherwise it is LTR.
	return levels.map((level, i) => {
		if (level >= 0) return level as 0 | 1 | 2;
		const before = levels.slice(0, i).findLast((l) => l >= 0) ?? 0;
		const after = levels.slice(i + 1).find((l) => l >= 0) ?? 0;
		return before > 0 && after > 0 ? 1 : 0;
	});
}

/**
 * Splits `text` into runs in logical order: each run is drawn by the first face of the style's
 * chain that has glyphs for all its characters; right-to-left text gets its own runs. Characters
 * no face has become U+FFFD.
 */
export function splitRuns(text: string, style: FontStyle = 'regular'): TextRun[] {
	const clusters = clustersOf(text, style);
	const levels = levelsOf(clusters);
	const runs: TextRun[] = [];
	clusters.forEach((cluster, i) => {
		const level = levels[i]!;
		const last = runs.at(-1);
		if (last && last.face === cluster.face && last.level === level) last.text += cluster.text;
		else runs.push({ text: cluster.text, face: cluster.face, level });
	});
	return runs;
}

/** Runs in the order they are drawn, left to right (each RTL run is reversed by fontkit). */
function visualOrder(runs: TextRun[]): TextRun[] {
	const out = [...runs];
	for (const level of [2, 1]) {
		let start = 0;
		while (start < out.length) {
			if (out[start]!.level < level) {
				start++;
				continue;
			}
			let end = start;
			while (end < out.length && out[end]!.level >= level) end++;
			out.splice(start, end - start, ...out.slice(start, end).reverse());
			start = end;
		}
	}
	return out;
}

/** Advance of `text` in `face` at 1 pt, the way pdf-lib draws it (glyph advances, no kerning). */
const advanceCache = new Map<string, number>();
function advanceOf(face: FaceId, text: string): number {
	const key = `${face}\u0000${text}`;
	let advance = advanceCache.get(key);
	if (advance === undefined) {
		const font = measuringFont(face);
		const glyphs = font.layout(text).glyphs;
		advance = glyphs.reduce((sum, glyph) => sum + (glyph.advanceWidth || 0), 0) / font.unitsPerEm;
		// Wrapping measures many one-off candidate lines: bound the cache instead of growing forever.
		if (advanceCache.size > 5_000) advanceCache.clear();
		advanceCache.set(key, advance);
	}
	return advance;
}

/** Width in points of `text` drawn at `size`; needs no document. */
export function measureText(text: string, size: number, style: FontStyle = 'regular'): number {
	return splitRuns(text, style).reduce((sum, run) => sum + advanceOf(run.face, run.text), 0) * size;
}

// ---------------------------------------------------------------------------------------------
// Embedding and drawing

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
		faces.set(
			id,
			await pdf.embedFont(bytes, { subset: true, customName: `${tag}+${font.postscriptName}` }),
		);
	}
	return new DocumentFonts(pdf, faces);
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
		line.replaced = clustersOf(text, style).filter((c) => c.replaced).length;
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
				encoded: font.encodeText(run.text),
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
