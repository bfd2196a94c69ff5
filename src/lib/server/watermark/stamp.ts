/**
 * Per-recipient copies of a report: a diagonal "Confidential · name · company" line and a footer
 * naming the recipient, the copy id and where to verify it, on every page; the copy id also in the
 * document's metadata. `readCopyId` (trace.ts) finds the id again in a leaked copy.
 *
 * Efficiency (see DESIGN.md, "PDF facts measured here"): one embedded font set, one opacity state
 * and one form XObject per distinct page geometry, with fixed resource names; pages get two
 * content streams shared by the whole file. Shared resources dictionaries stay shared.
 */
import { randomBytes } from 'node:crypto';
import {
	PDFArray,
	PDFDict,
	PDFDocument,
	PDFHexString,
	PDFName,
	PDFNumber,
	type PDFObject,
	PDFRawStream,
	PDFRef,
	PDFStream,
	PDFString,
} from 'pdf-lib';
import { embedFonts, type EmbeddedFonts } from '../pdf/fonts.ts';
import { measureText } from '../pdf/text-runs.ts';
import { COPY_ID_INFO_KEY, COPY_ID_PATTERN } from './copy-id.ts';

export interface StampInput {
	name: string;
	email: string;
	company: string;
	/** Shown as 2026-11-22 14:03 UTC. */
	issuedAt: Date;
	/** Shown as "access valid until 2027-02-20". */
	validUntil: Date | null;
	/** ISO dates, shown as "report period 2025-01-01 to 2025-12-31". */
	periodStart: string | null;
	periodEnd: string | null;
	/** From generateCopyId(), e.g. 7F3K-Q9MD. */
	copyId: string;
	/** `${SITE_URL}/verify/${copyId}` */
	verifyUrl: string;
	documentTitle: string;
}

/** The two lines a stamp draws, in full (the footer may still be wrapped to fit a page). */
export function stampTexts(input: StampInput): { diagonal: string; footer: string[] } {
	const who = [input.name, input.company].map((s) => s.trim()).filter(Boolean);
	const issued = [
		`Issued to ${input.name.trim()} <${input.email.trim()}>`,
		input.company.trim(),
		formatDateTime(input.issuedAt),
	]
		.filter(Boolean)
		.join(', ');
	const footer = [issued];
	if (input.validUntil) footer.push(`access valid until ${formatDate(input.validUntil)}`);
	if (input.periodStart && input.periodEnd)
		footer.push(`report period ${input.periodStart} to ${input.periodEnd}`);
	footer.push(`copy ${input.copyId}`, `verify at ${input.verifyUrl}`);
	return { diagonal: ['Confidential', ...who].join(' · '), footer };
}

function formatDate(date: Date): string {
	return date.toISOString().slice(0, 10);
}

function formatDateTime(date: Date): string {
	return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// ---------------------------------------------------------------------------------------------
// Stamping

const WATERMARK = PDFName.of('TrWm');
const OPACITY = PDFName.of('TrGS');
const FOOTER_SIZES = [7, 6.5, 6, 5.5, 5, 4.5, 4];
const SEPARATOR = ' · ';

/** Stamps every page; throws with a message for the reader on encrypted or unreadable input. */
export async function stampPdf(bytes: Uint8Array, input: StampInput): Promise<Uint8Array> {
	if (!COPY_ID_PATTERN.test(input.copyId)) throw new Error(`not a copy id: ${input.copyId}`);
	const pdf = await loadForStamping(bytes);
	repairTruncatedStreams(pdf);
	const texts = stampTexts(input);
	// Everything a page might draw, wrapped or not: embedFonts picks faces by script, not glyphs.
	const fonts = await embedFonts(pdf, { regular: [texts.diagonal, texts.footer.join(SEPARATOR)] });
	const { context } = pdf;
	const opacity = context.register(context.obj({ Type: 'ExtGState', ca: 0.2, CA: 0.2 }));
	// Shared by every page: the original content runs inside q … Q, so whatever graphics state it
	// leaves behind cannot move, clip or hide the stamp drawn after it.
	const before = context.register(context.stream('q\n'));
	const after = context.register(context.stream(`\nQ\nq ${WATERMARK} Do Q\n`));

	const forms = new Map<string, PDFRef>();
	const resourcesFor = new Map<PDFObject, Map<string, PDFDict | PDFRef>>();
	for (const page of pdf.getPages()) {
		const leaf = page.node;
		const geometry = pageGeometry(pdf, leaf);
		let form = forms.get(geometry.key);
		if (!form) {
			form = context.register(watermarkForm(pdf, fonts, texts, geometry, opacity));
			forms.set(geometry.key, form);
		}
		leaf.set(PDFName.of('Resources'), withWatermark(pdf, leaf, geometry.key, form, resourcesFor));
		const contents = leaf.get(PDFName.of('Contents'));
		const original = contents ? context.lookup(contents) : undefined;
		const streams = original instanceof PDFArray ? original.asArray() : contents ? [contents] : [];
		leaf.set(PDFName.of('Contents'), context.obj([before, ...streams, after]));
	}

	setCopyMetadata(pdf, input);
	removeUnreachableObjects(pdf);
	// A whole rewrite, never an incremental update: the unstamped file is no prefix of a copy.
	return pdf.save({ useObjectStreams: true, addDefaultPage: false, updateFieldAppearances: false });
}

async function loadForStamping(bytes: Uint8Array): Promise<PDFDocument> {
	let pdf: PDFDocument;
	let pages: number;
	try {
		pdf = await PDFDocument.load(bytes, { updateMetadata: false });
		pages = pdf.getPageCount();
	} catch (error) {
		const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
		// pdf-lib's EncryptedPDFError: its class name does not survive every bundler.
		if (/is encrypted/.test(reason)) throw new Error(ENCRYPTED, { cause: error });
		throw new Error(`the PDF cannot be read (${reason}); upload a new export of it`, {
			cause: error,
		});
	}
	// ignoreEncryption would "succeed" and write an unreadable copy: refuse instead.
	if (pdf.isEncrypted) throw new Error(ENCRYPTED);
	if (pages === 0) throw new Error('the PDF has no pages; upload a new export of it');
	return pdf;
}

const ENCRYPTED =
	'the PDF is encrypted and cannot be stamped; upload an unprotected copy of the report';

/**
 * pdf-lib finds the end of a stream whose /Length is an indirect object by scanning for
 * "endstream", and takes a final 0x0D of the data for part of the line end (DESIGN.md). The
 * declared length tells us the byte is missing; the scan only ever drops a carriage return.
 */
function repairTruncatedStreams(pdf: PDFDocument): void {
	const { context } = pdf;
	for (const [ref, object] of context.enumerateIndirectObjects()) {
		if (!(object instanceof PDFRawStream)) continue;
		const length = object.dict.get(PDFName.of('Length'));
		if (!(length instanceof PDFRef)) continue;
		const declared = context.lookupMaybe(length, PDFNumber)?.asNumber();
		if (declared !== object.contents.length + 1) continue;
		const contents = new Uint8Array(declared);
		contents.set(object.contents);
		contents[declared - 1] = 0x0d;
		context.assign(ref, PDFRawStream.of(object.dict, contents));
	}
}

interface Geometry {
	key: string;
	/** The visible area (CropBox within MediaBox) in user space. */
	box: { x0: number; y0: number; x1: number; y1: number };
	rotation: 0 | 90 | 180 | 270;
	/** Size as displayed, after rotation. */
	width: number;
	height: number;
	/** Maps display space (origin at the displayed bottom-left of the visible area) to user space. */
	matrix: [number, number, number, number, number, number];
}

function pageGeometry(pdf: PDFDocument, leaf: PDFDict): Geometry {
	const media = boxOf(pdf, inherited(leaf, 'MediaBox')) ?? { x0: 0, y0: 0, x1: 612, y1: 792 };
	const crop = boxOf(pdf, inherited(leaf, 'CropBox'));
	// A crop box is clipped to the media box (PDF 32000-1, 14.11.2); ignore one that misses it.
	let box = media;
	if (crop) {
		const clipped = {
			x0: Math.max(crop.x0, media.x0),
			y0: Math.max(crop.y0, media.y0),
			x1: Math.min(crop.x1, media.x1),
			y1: Math.min(crop.y1, media.y1),
		};
		if (clipped.x1 - clipped.x0 >= 1 && clipped.y1 - clipped.y0 >= 1) box = clipped;
	}
	const angle = pdf.context.lookupMaybe(inherited(leaf, 'Rotate'), PDFNumber)?.asNumber() ?? 0;
	const rotation = ((((Math.round(angle / 90) * 90) % 360) + 360) % 360) as Geometry['rotation'];
	const { x0, y0, x1, y1 } = box;
	const w = x1 - x0;
	const h = y1 - y0;
	// /Rotate turns the page clockwise for display; the form draws upright in display space.
	const matrices: Record<Geometry['rotation'], Geometry['matrix']> = {
		0: [1, 0, 0, 1, x0, y0],
		90: [0, 1, -1, 0, x1, y0],
		180: [-1, 0, 0, -1, x1, y1],
		270: [0, -1, 1, 0, x0, y1],
	};
	const sideways = rotation === 90 || rotation === 270;
	return {
		key: [x0, y0, x1, y1, rotation].map((n) => Math.round(n * 100) / 100).join(' '),
		box,
		rotation,
		width: sideways ? h : w,
		height: sideways ? w : h,
		matrix: matrices[rotation],
	};
}

function inherited(leaf: PDFDict, key: string): PDFObject | undefined {
	const name = PDFName.of(key);
	for (let node: PDFDict | undefined = leaf, depth = 0; node && depth < 64; depth++) {
		const value = node.get(name);
		if (value !== undefined) return value;
		node = node.lookupMaybe(PDFName.of('Parent'), PDFDict);
	}
	return undefined;
}

function boxOf(pdf: PDFDocument, value: PDFObject | undefined) {
	const array = value ? pdf.context.lookupMaybe(value, PDFArray) : undefined;
	if (!array || array.size() !== 4) return undefined;
	const n = array.asArray().map((v) => pdf.context.lookupMaybe(v, PDFNumber)?.asNumber());
	if (n.some((v) => v === undefined || !Number.isFinite(v))) return undefined;
	const [a, b, c, d] = n as number[];
	return { x0: Math.min(a!, c!), y0: Math.min(b!, d!), x1: Math.max(a!, c!), y1: Math.max(b!, d!) };
}

/**
 * The page's resources with /TrWm pointing at the form for its geometry. Pages that share a
 * resources dictionary and a geometry share the result; a page with another geometry gets a
 * shallow copy (its fonts and images stay shared objects), never a deep one.
 */
function withWatermark(
	pdf: PDFDocument,
	leaf: PDFDict,
	geometryKey: string,
	form: PDFRef,
	cache: Map<PDFObject, Map<string, PDFDict | PDFRef>>,
): PDFDict | PDFRef {
	const { context } = pdf;
	const current = inherited(leaf, 'Resources');
	const identity: PDFObject = current instanceof PDFRef ? current : (current ?? leaf);
	let byGeometry = cache.get(identity);
	const done = byGeometry?.get(geometryKey);
	if (done) return done;
	const original = current ? context.lookupMaybe(current, PDFDict) : undefined;
	const resources = original ? (original.clone(context) as PDFDict) : context.obj({});
	const xobjects = resources.lookupMaybe(PDFName.of('XObject'), PDFDict);
	const ownXObjects = xobjects ? (xobjects.clone(context) as PDFDict) : context.obj({});
	ownXObjects.set(WATERMARK, form);
	resources.set(PDFName.of('XObject'), ownXObjects);
	let result: PDFDict | PDFRef = resources;
	if (current instanceof PDFRef) {
		if (!byGeometry || byGeometry.size === 0) {
			// First use of a shared dictionary: update it in place, so it stays one object.
			context.assign(current, resources);
			result = current;
		} else {
			result = context.register(resources);
		}
	}
	if (!byGeometry) cache.set(identity, (byGeometry = new Map()));
	byGeometry.set(geometryKey, result);
	return result;
}

function watermarkForm(
	pdf: PDFDocument,
	fonts: EmbeddedFonts,
	texts: { diagonal: string; footer: string[] },
	geometry: Geometry,
	opacity: PDFRef,
): PDFStream {
	const { width: W, height: H } = geometry;
	const usedFonts = new Map<string, PDFRef>();
	const ops: string[] = [];
	const line = (text: string, x: number, y: number, size: number, angle = 0) => {
		const prepared = fonts.prepare(text);
		const cos = Math.cos(angle);
		const sin = Math.sin(angle);
		for (const run of prepared.runs) {
			usedFonts.set(run.resource.asString().slice(1), run.font.ref);
			const dx = run.offset * size;
			const m = [cos, sin, -sin, cos, x + dx * cos, y + dx * sin].map(num).join(' ');
			ops.push(`${run.resource} ${num(size)} Tf ${m} Tm ${run.encoded} Tj`);
		}
	};

	// Diagonal, bottom-left to top-right of the page as displayed, centred.
	const angle = Math.atan2(H, W);
	const diagonalWidth = measureText(texts.diagonal, 1);
	const size = clamp((Math.hypot(W, H) * 0.7) / Math.max(diagonalWidth, 1), 6, 54);
	const half = (diagonalWidth * size) / 2;
	const lift = size * 0.35; // about half the cap height: the line's middle crosses the centre
	ops.push(`q ${OPACITY} gs 0.4 0.4 0.45 rg BT`);
	line(
		texts.diagonal,
		W / 2 - half * Math.cos(angle) + lift * Math.sin(angle),
		H / 2 - half * Math.sin(angle) - lift * Math.cos(angle),
		size,
		angle,
	);
	ops.push('ET Q');

	// Footer, centred at the bottom, one or two lines (more only on very narrow pages).
	const margin = clamp(W * 0.04, 4, 24);
	const footer = layoutFooter(texts.footer, W - 2 * margin);
	const leading = footer.size * 1.25;
	ops.push('q 0.3 0.3 0.33 rg BT');
	footer.lines.forEach((text, i) => {
		const y = Math.max(4, footer.size) + (footer.lines.length - 1 - i) * leading;
		line(text, (W - measureText(text, footer.size)) / 2, y, footer.size);
	});
	ops.push('ET Q');

	const { context } = pdf;
	const fontDict = context.obj({});
	for (const [name, ref] of usedFonts) fontDict.set(PDFName.of(name), ref);
	return context.flateStream(ops.join('\n'), {
		Type: 'XObject',
		Subtype: 'Form',
		BBox: [0, 0, num(W), num(H)].map(Number),
		Matrix: geometry.matrix,
		Resources: { Font: fontDict, ExtGState: { [OPACITY.asString().slice(1)]: opacity } },
	});
}

/** The footer's segments wrapped to `width`: the largest size that fits in two lines. */
function layoutFooter(segments: string[], width: number): { size: number; lines: string[] } {
	for (const size of FOOTER_SIZES) {
		const lines = wrap(segments, size, width);
		if (lines.length <= 2) return { size, lines };
	}
	const size = FOOTER_SIZES.at(-1)!;
	return { size, lines: wrap(segments, size, width) };
}

function wrap(segments: string[], size: number, width: number): string[] {
	const fits = (text: string) => measureText(text, size) <= width;
	const lines: string[] = [];
	let current = '';
	const add = (piece: string, glue: string) => {
		const candidate = current ? current + glue + piece : piece;
		if (fits(candidate)) {
			current = candidate;
			return true;
		}
		return false;
	};
	for (const segment of segments) {
		if (add(segment, SEPARATOR)) continue;
		if (current) lines.push(current);
		current = '';
		if (add(segment, SEPARATOR)) continue;
		// A segment wider than the page: break it at spaces, and a word wider still anywhere.
		for (const word of segment.split(' ')) {
			if (add(word, ' ')) continue;
			if (current) lines.push(current);
			current = '';
			let rest = [...new Intl.Segmenter('und').segment(word)].map((s) => s.segment);
			while (rest.length > 0) {
				let n = rest.length;
				while (n > 1 && !fits(rest.slice(0, n).join(''))) n--;
				if (n === rest.length) {
					current = rest.join('');
					break;
				}
				lines.push(rest.slice(0, n).join(''));
				rest = rest.slice(n);
			}
		}
	}
	if (current) lines.push(current);
	return lines;
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value));
}

function num(value: number): string {
	return String(Math.round(value * 1000) / 1000);
}

function setCopyMetadata(pdf: PDFDocument, input: StampInput): void {
	const subject = pdf.getSubject();
	const keywords = pdf.getKeywords();
	const mark = `Trustroom copy ${input.copyId}`;
	pdf.setSubject(subject ? `${subject} (${mark})` : `${input.documentTitle} (${mark})`);
	pdf.setKeywords([keywords ? `${keywords};` : '', mark].filter(Boolean));
	pdf.setModificationDate(input.issuedAt);
	const info = pdf.context.lookup(pdf.context.trailerInfo.Info, PDFDict);
	info.set(PDFName.of(COPY_ID_INFO_KEY), PDFString.of(input.copyId));
	// The file identifier's second half changes with every revision (PDF 32000-1, 14.4).
	const ids = pdf.context.lookupMaybe(pdf.context.trailerInfo.ID, PDFArray);
	const first = ids?.get(0);
	const fresh = PDFHexString.of(randomBytes(16).toString('hex'));
	pdf.context.trailerInfo.ID = pdf.context.obj([
		first instanceof PDFHexString || first instanceof PDFString ? first : fresh,
		fresh,
	]);
}

/**
 * pdf-lib writes every object it parsed, referenced or not: objects an earlier revision deleted
 * or replaced, and dictionaries this stamp replaced. Dropping them keeps the copy lean and leaves
 * no leftover of the original file in it.
 */
function removeUnreachableObjects(pdf: PDFDocument): void {
	const { context } = pdf;
	const seen = new Set<string>();
	const stack: PDFObject[] = [];
	const trailer = context.trailerInfo;
	for (const root of [trailer.Root, trailer.Info, trailer.ID]) if (root) stack.push(root);
	while (stack.length > 0) {
		const object = stack.pop()!;
		if (object instanceof PDFRef) {
			const tag = object.tag;
			if (seen.has(tag)) continue;
			seen.add(tag);
			const target = context.lookup(object);
			if (target) stack.push(target);
		} else if (object instanceof PDFDict) {
			for (const value of object.values()) stack.push(value);
		} else if (object instanceof PDFArray) {
			for (const value of object.asArray()) stack.push(value);
		} else if (object instanceof PDFStream) {
			stack.push(object.dict);
		}
	}
	for (const [ref] of context.enumerateIndirectObjects()) {
		if (!seen.has(ref.tag)) context.delete(ref);
	}
}
