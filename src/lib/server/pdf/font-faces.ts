/**
 * The font chain for Unicode text in pdf-lib: npm packages only (never system fonts or downloads),
 * parsed once per process (per worker thread) and shared by every document.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import fontkit, { type Font } from '@pdf-lib/fontkit';

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
export const FACES: Record<FaceId, FaceSource> = {
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

export const FACE_ORDER = Object.keys(FACES) as FaceId[];

/** The fallback chains: the first face with glyphs for a whole character draws it. */
export const CHAINS: Record<FontStyle, FaceId[]> = {
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

export function loadFace(id: FaceId): LoadedFace {
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
export function measuringFont(id: FaceId): Font {
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
	// pdf-lib only reads the glyphs of a layout, never their positions: skip GPOS positioning
	// (kerning, mark placement), about three quarters of fontkit's layout time.
	const layoutEngine = (font as unknown as { _layoutEngine: LayoutEngineInternals })._layoutEngine;
	layoutEngine.position = (run) => {
		run.positions = run.glyphs.map(() => ({ xAdvance: 0, yAdvance: 0, xOffset: 0, yOffset: 0 }));
		// What the OpenType engine's positioning also does: put right-to-left runs in visual order.
		if (run.direction === 'rtl' && typeof layoutEngine.engine?.position === 'function') {
			run.glyphs.reverse();
			run.positions.reverse();
		}
	};
	const getGlyph = font.getGlyph.bind(font);
	font.getGlyph = (id: number, codePoints?: number[]) => {
		const glyph = getGlyph(id, codePoints);
		// Keep the first code points a glyph is asked for with, even if it was created without.
		if (glyph && codePoints?.length && !glyph.codePoints?.length) glyph.codePoints = codePoints;
		return glyph;
	};
	return withEvenGlyphRecords(font);
}

interface LayoutEngineInternals {
	engine?: { position?: unknown };
	position(run: { glyphs: unknown[]; positions: object[]; direction: string }): void;
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
		encodesWithoutTimer(subset);
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

/**
 * fontkit's bundle encodes a subset on a browser-style `nextTick` made of `setTimeout`: every font
 * subset waited a timer turn (1 ms or more, and a stamp makes one or two per copy). The same
 * encoder, run on Node's own next tick and collected at once, gives the same bytes.
 */
function encodesWithoutTimer(subset: TtfSubsetInternals): void {
	const original = subset.encodeStream;
	subset.encodeStream = function (this: TtfSubsetInternals) {
		const EncodeStream = encodeStreamClass(original);
		const out = new EventEmitter();
		process.nextTick(() => {
			let bytes: Uint8Array;
			try {
				const parts: Uint8Array[] = [];
				const stream = new EncodeStream();
				stream.push = (chunk: Uint8Array | null) => {
					if (chunk) parts.push(chunk);
					return true;
				};
				this.encode(stream);
				stream.flush();
				bytes = Buffer.concat(parts);
			} catch (error) {
				out.emit('error', error);
				return;
			}
			out.emit('data', bytes);
			out.emit('end');
		});
		return out;
	};
}

type EncodeStreamClass = new () => {
	push(chunk: Uint8Array | null): boolean;
	flush(): void;
};
let encodeStreamType: EncodeStreamClass | undefined;

/** The bundle's EncodeStream class, taken once from a stream the original method makes. */
function encodeStreamClass(original: TtfSubsetInternals['encodeStream']): EncodeStreamClass {
	// The original schedules `this.encode(stream)`: on a stand-in that encodes nothing.
	encodeStreamType ??= (original.call({ encode() {} }) as { constructor: EncodeStreamClass })
		.constructor;
	return encodeStreamType;
}

interface GlyphRecord {
	length: number;
	fill(value: number): void;
	copy(target: GlyphRecord): void;
}

interface TtfSubsetInternals {
	_addGlyph(gid: number): number;
	encode(stream: object): void;
	encodeStream(this: { encode(stream: object): void }): unknown;
	glyf: GlyphRecord[];
	offset: number;
}

/** Given to pdf-lib: a document copy of the already parsed font for bytes this module loaded. */
export const cachingFontkit = {
	create(bytes: Uint8Array, postscriptName?: string): Font {
		const shared = sharedByBytes.get(bytes);
		return shared
			? documentFont(shared)
			: withEvenGlyphRecords(fontkit.create(bytes, postscriptName));
	},
};
