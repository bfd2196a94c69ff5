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
	ParseSpeeds,
} from 'pdf-lib';
import { embedFonts } from '../pdf/fonts.ts';
import { COPY_ID_INFO_KEY, COPY_ID_PATTERN } from './copy-id.ts';
import {
	pageGeometry,
	inherited,
	type StampInput,
	SEPARATOR,
	stampTexts,
	WATERMARK,
	watermarkForm,
} from './form.ts';

export { type StampInput, stampTexts } from './form.ts';

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

/** `fast`: no pauses while parsing (pdf-lib's default yields every 100 objects). */
export async function loadForStamping(bytes: Uint8Array, fast = false): Promise<PDFDocument> {
	let pdf: PDFDocument;
	let pages: number;
	try {
		pdf = await PDFDocument.load(bytes, {
			updateMetadata: false,
			...(fast ? { parseSpeed: ParseSpeeds.Fastest } : {}),
		});
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
export function repairTruncatedStreams(pdf: PDFDocument): void {
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

/**
 * The page's resources with /TrWm pointing at the form for its geometry. Pages that share a
 * resources dictionary and a geometry share the result; a page with another geometry gets a
 * shallow copy (its fonts and images stay shared objects), never a deep one.
 */
export function withWatermark(
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
export function removeUnreachableObjects(pdf: PDFDocument): void {
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
