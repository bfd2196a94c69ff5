/**
 * What a stamp draws and where: the texts for a recipient, each page's geometry (CropBox within
 * MediaBox, /Rotate) and the watermark form XObject for one geometry (a diagonal line and a
 * footer, in display space). Shared by both engines (stamp.ts, copy.ts).
 */
import {
	PDFArray,
	PDFDict,
	PDFDocument,
	PDFName,
	PDFNumber,
	type PDFObject,
	type PDFRef,
	type PDFStream,
} from 'pdf-lib';
import type { EmbeddedFonts } from '../pdf/fonts.ts';
import { measureText } from '../pdf/text-runs.ts';

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

export function formatDate(date: Date): string {
	return date.toISOString().slice(0, 10);
}

export function formatDateTime(date: Date): string {
	return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const WATERMARK = PDFName.of('TrWm');
export const OPACITY = PDFName.of('TrGS');
const FOOTER_SIZES = [7, 6.5, 6, 5.5, 5, 4.5, 4];
export const SEPARATOR = ' · ';

export interface Geometry {
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

export function pageGeometry(pdf: PDFDocument, leaf: PDFDict): Geometry {
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

export function inherited(leaf: PDFDict, key: string): PDFObject | undefined {
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

export function watermarkForm(
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
