/** Splitting text into runs one face can draw, in visual order, and measuring it. */
import {
	CHAINS,
	type FaceId,
	type FontStyle,
	loadFace,
	measuringFont,
	REPLACEMENT_CHARACTER,
} from './font-faces.ts';

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

/** What a grapheme needs, worked out once per process: stamps draw the same characters again. */
interface Grapheme {
	needed: number[];
	kind: Kind;
	covered: Map<FaceId, boolean>;
	drawn: Map<FaceId, string>;
}
const graphemeCache = new Map<string, Grapheme>();

function graphemeOf(segment: string): Grapheme {
	let info = graphemeCache.get(segment);
	if (!info) {
		const needed = [...segment].filter((ch) => !IGNORABLE.test(ch)).map((ch) => ch.codePointAt(0)!);
		info = { needed, kind: kindOf(segment), covered: new Map(), drawn: new Map() };
		if (graphemeCache.size > 20_000) graphemeCache.clear(); // names are many; bound the cache
		graphemeCache.set(segment, info);
	}
	return info;
}

function coversGrapheme(face: FaceId, info: Grapheme): boolean {
	let covered = info.covered.get(face);
	if (covered === undefined) info.covered.set(face, (covered = covers(face, info.needed)));
	return covered;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function clustersOf(text: string, style: FontStyle): Cluster[] {
	const chain = CHAINS[style];
	const clean = text
		.normalize('NFC')
		.replace(/[\t\n\r]/g, ' ')
		.replace(/\p{Cc}/gu, '');
	// Each printable ASCII character is a grapheme of its own: no need for the segmenter.
	const segments = PRINTABLE_ASCII.test(clean)
		? clean
		: Array.from(graphemes.segment(clean), (s) => s.segment);
	const out: Cluster[] = [];
	for (const segment of segments) {
		const info = graphemeOf(segment);
		if (info.needed.length === 0) continue; // only invisible format characters
		const { kind } = info;
		const previous = out.at(-1)?.face;
		// Spaces and punctuation stay with the face before them, so a run is not cut at every space.
		const keep =
			(kind === 'neutral' || kind === 'number') &&
			previous !== undefined &&
			previous !== 'unifont' && // its space is half an em wide: prefer Noto's
			coversGrapheme(previous, info);
		const face = keep ? previous : chain.find((f) => coversGrapheme(f, info));
		if (face) {
			let drawn = info.drawn.get(face);
			if (drawn === undefined) info.drawn.set(face, (drawn = clusterFor(face, segment)));
			out.push({ text: drawn, face, kind, replaced: false });
		} else
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
	const first = CHAINS[style][0]!;
	if (isSimple(first, text)) return text ? [{ text, face: first, level: 0 }] : [];
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
export function visualOrder(runs: TextRun[]): TextRun[] {
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

/**
 * Simple text: characters each drawn by one glyph of `face`, found in its character map, with no
 * shaping (no ligatures, no reordering, no joining): printable ASCII, the middle dot and the
 * precomposed letters and signs of Latin-1 and Latin Extended-A, where the face has them. A line of
 * it is one left-to-right run in the chain's first face, and its width the sum of its advances:
 * no segmenter, no bidi, no OpenType layout (a stamp's lines are nearly always simple, and laying
 * them out was most of a stamp's own time).
 */
const SIMPLE_LIMIT = 0x180;
const simpleAdvances = new Map<FaceId, Float64Array>();

/** Each simple character's advance at 1 pt in `face`, NaN for characters that are not simple. */
function simpleTable(face: FaceId): Float64Array {
	let table = simpleAdvances.get(face);
	if (!table) {
		const font = measuringFont(face);
		table = new Float64Array(SIMPLE_LIMIT).fill(Number.NaN);
		for (let cp = 0x20; cp < SIMPLE_LIMIT; cp++) {
			if (cp >= 0x7f && cp < 0xa0) continue; // C1 controls
			if (cp === 0xad) continue; // soft hyphen: invisible, dropped by the full path
			if (!font.hasGlyphForCodePoint(cp)) continue;
			table[cp] = font.glyphForCodePoint(cp).advanceWidth / font.unitsPerEm;
		}
		simpleAdvances.set(face, table);
	}
	return table;
}

export function isSimple(face: FaceId, text: string): boolean {
	const table = simpleTable(face);
	for (let i = 0; i < text.length; i++) {
		const cp = text.charCodeAt(i);
		if (cp >= SIMPLE_LIMIT || Number.isNaN(table[cp]!)) return false;
	}
	return true;
}

/** Advance of `text` in `face` at 1 pt, the way pdf-lib draws it (glyph advances, no kerning). */
const advanceCache = new Map<string, number>();
export function advanceOf(face: FaceId, text: string): number {
	if (isSimple(face, text)) {
		const table = simpleTable(face);
		let advance = 0;
		for (let i = 0; i < text.length; i++) advance += table[text.charCodeAt(i)]!;
		return advance;
	}
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
