/**
 * Copy-speed stamping, step one: done once per document version. The document is parsed, every
 * page is pointed at a watermark form XObject whose object number is reserved (one per page
 * geometry) and at two shared content streams that draw it, and every object of the result is
 * serialised into one body with its offsets. A copy (copy.ts) is then the per-recipient objects,
 * this body unchanged, and a fresh cross-reference table and trailer.
 */
import { randomBytes } from 'node:crypto';
import {
	PDFArray,
	PDFDict,
	type PDFDocument,
	PDFHexString,
	PDFName,
	type PDFObject,
	PDFRef,
	PDFString,
} from 'pdf-lib';
import { COPY_ID_INFO_KEY } from './copy-id.ts';
import { type Geometry, pageGeometry, WATERMARK } from './form.ts';
import {
	loadForStamping,
	removeUnreachableObjects,
	repairTruncatedStreams,
	withWatermark,
} from './stamp.ts';

/** Bumped whenever what is prepared changes: older preparations are then made again. */
export const PREPARATION_FORMAT = 1;

export interface StampPlan {
	format: number;
	pages: number;
	/** Objects numbered from here on are made per copy. */
	nextNumber: number;
	/** The reserved watermark forms, one per page geometry; each copy fills them. */
	forms: { number: number; geometry: Geometry }[];
	/** The catalog, as "n g R". */
	root: string;
	/** The original /Info entries a copy keeps, serialised (refs point into the body). */
	infoEntries: string;
	subject: string | null;
	keywords: string | null;
	/** The first half of the file identifier, hex; the second half is fresh per copy. */
	firstId: string;
	/** Where each object starts, from the body's start, by object number; -1 when absent. */
	offsets: Float64Array;
	/** Generation numbers other than 0, by object number. */
	generations: Record<number, number>;
}

export interface PreparedDocument {
	plan: StampPlan;
	body: Uint8Array;
}

// Per copy: /Subject and /Keywords gain the copy id, /ModDate is the issue time.
const PER_COPY_INFO = new Set(['/Subject', '/Keywords', '/ModDate', `/${COPY_ID_INFO_KEY}`]);

/**
 * Prepares a PDF for copy-speed stamping. Throws with a message for the uploader when the file
 * cannot be read (encrypted, damaged, no pages).
 */
export async function prepareDocument(bytes: Uint8Array): Promise<PreparedDocument> {
	const pdf = await loadForStamping(bytes, true);
	repairTruncatedStreams(pdf);
	const { context } = pdf;
	// As in stampPdf: the original content runs inside q … Q, so no state it leaves behind can
	// move, clip or hide the stamp drawn after it.
	const before = context.register(context.stream('q\n'));
	const after = context.register(context.stream(`\nQ\nq ${WATERMARK} Do Q\n`));
	const forms = new Map<string, { ref: PDFRef; geometry: Geometry }>();
	const resourcesFor = new Map<PDFObject, Map<string, PDFRef | PDFDict>>();
	const pages = pdf.getPages();
	for (const page of pages) {
		const leaf = page.node;
		const geometry = pageGeometry(pdf, leaf);
		let form = forms.get(geometry.key);
		if (!form) {
			// Reserved, never assigned here: each copy writes its own form under this number.
			form = { ref: context.nextRef(), geometry };
			forms.set(geometry.key, form);
		}
		leaf.set(
			PDFName.of('Resources'),
			withWatermark(pdf, leaf, geometry.key, form.ref, resourcesFor),
		);
		const contents = leaf.get(PDFName.of('Contents'));
		const original = contents ? context.lookup(contents) : undefined;
		const streams = original instanceof PDFArray ? original.asArray() : contents ? [contents] : [];
		leaf.set(PDFName.of('Contents'), context.obj([before, ...streams, after]));
	}
	removeUnreachableObjects(pdf);

	const info = infoOf(pdf);
	const { Info } = context.trailerInfo;
	// The information dictionary is written per copy; its original object is left out.
	if (Info instanceof PDFRef) context.delete(Info);
	const ids = context.lookupMaybe(context.trailerInfo.ID, PDFArray);
	const first = ids?.get(0);
	const firstId =
		first instanceof PDFHexString || first instanceof PDFString
			? Buffer.from(first.asBytes()).toString('hex')
			: randomBytes(16).toString('hex');
	const root = context.trailerInfo.Root;
	if (!(root instanceof PDFRef)) throw new Error('the PDF has no catalog; upload a new export');

	const { body, offsets, generations } = serialiseBody(pdf);
	return {
		plan: {
			format: PREPARATION_FORMAT,
			pages: pages.length,
			nextNumber: context.largestObjectNumber + 1,
			forms: [...forms.values()].map(({ ref, geometry }) => ({
				number: ref.objectNumber,
				geometry,
			})),
			root: root.toString(),
			...info,
			firstId,
			offsets,
			generations,
		},
		body,
	};
}

function infoOf(pdf: PDFDocument) {
	const info = pdf.context.lookupMaybe(pdf.context.trailerInfo.Info, PDFDict);
	let infoEntries = '';
	for (const [key, value] of info?.entries() ?? []) {
		if (PER_COPY_INFO.has(key.toString())) continue;
		infoEntries += `${key.toString()} ${value.toString()}\n`;
	}
	return {
		infoEntries,
		subject: pdf.getSubject() ?? null,
		keywords: pdf.getKeywords() ?? null,
	};
}

/** Every object as `n g obj … endobj`, in object number order, with where each starts. */
function serialiseBody(pdf: PDFDocument) {
	const objects = pdf.context.enumerateIndirectObjects();
	const heads = objects.map(([ref]) => `${ref.objectNumber} ${ref.generationNumber} obj\n`);
	let size = 0;
	objects.forEach(([, object], i) => (size += heads[i]!.length + object.sizeInBytes() + 8));
	const body = new Uint8Array(size);
	const offsets = new Float64Array(pdf.context.largestObjectNumber + 1).fill(-1);
	const generations: Record<number, number> = {};
	const END = Buffer.from('\nendobj\n', 'latin1');
	let at = 0;
	objects.forEach(([ref, object], i) => {
		offsets[ref.objectNumber] = at;
		if (ref.generationNumber !== 0) generations[ref.objectNumber] = ref.generationNumber;
		at += Buffer.from(body.buffer).write(heads[i]!, at, 'latin1');
		at += object.copyBytesInto(body, at);
		body.set(END, at);
		at += END.length;
	});
	if (at !== size) throw new Error(`serialised ${at} bytes, expected ${size}`);
	return { body, offsets, generations };
}
