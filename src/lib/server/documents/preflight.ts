/** The upload pre-flight: what a stored version must be, so every copy of it can be stamped. */
import { ParseSpeeds, PDFDocument } from 'pdf-lib';
import { type PreparedDocument, prepareDocument } from '../watermark/prepare.ts';

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_PAGES = 2000;

export type PreflightResult =
	| {
			ok: true;
			pages: number;
			warnings: string[];
			/** The version prepared for copy-speed stamping: pass it to createDocumentVersion. */
			preparation: PreparedDocument;
	  }
	| { ok: false; reason: string };

/** Checks an uploaded file before it is stored; the reason says what to fix. */
export async function preflightPdf(
	bytes: Uint8Array,
	limits: { maxBytes?: number; maxPages?: number } = {},
): Promise<PreflightResult> {
	const maxBytes = limits.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
	const maxPages = limits.maxPages ?? DEFAULT_MAX_PAGES;
	if (bytes.byteLength === 0) return { ok: false, reason: 'the file is empty' };
	if (bytes.byteLength > maxBytes) {
		return {
			ok: false,
			reason: `the file is ${formatBytes(bytes.byteLength)}, over the ${formatBytes(maxBytes)} limit`,
		};
	}
	const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
	if (!head.includes('%PDF-'))
		return { ok: false, reason: 'this is not a PDF (no %PDF- header); export the report as PDF' };
	const encrypted = {
		ok: false,
		reason:
			'the PDF is encrypted (even an empty password counts); save an unprotected copy and upload that',
	} as const;
	// pdf-lib "loads" many encrypted files and later writes unreadable copies: look for the
	// trailer's /Encrypt entry first.
	if (latin1(bytes).includes('/Encrypt')) return encrypted;
	let pdf: PDFDocument;
	const parserWarnings: string[] = [];
	const warn = console.warn;
	// pdf-lib reports recoverable damage on the console; keep it out of the CLI's output.
	console.warn = (...args: unknown[]) => void parserWarnings.push(args.map(String).join(' '));
	try {
		// No pauses while parsing: pdf-lib's default yields every 100 objects (100 ms per 10,000).
		pdf = await PDFDocument.load(bytes, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
	} catch (error) {
		if (error instanceof Error && error.constructor.name === 'EncryptedPDFError') return encrypted;
		return {
			ok: false,
			reason: `the PDF is damaged and cannot be read (${firstLine(error)}); export it again`,
		};
	} finally {
		console.warn = warn;
	}
	if (pdf.isEncrypted) return encrypted;
	if (parserWarnings.length > 0) {
		// Objects pdf-lib skipped would be missing from every stamped copy.
		return {
			ok: false,
			reason: `the PDF is damaged: ${parserWarnings.length} part(s) could not be read (${parserWarnings[0]?.slice(0, 120)}); export it again`,
		};
	}
	const pages = pdf.getPageCount();
	if (pages === 0) return { ok: false, reason: 'the PDF has no pages' };
	if (pages > maxPages)
		return { ok: false, reason: `the PDF has ${pages} pages, over the ${maxPages}-page limit` };
	const warnings: string[] = [];
	if (latin1(bytes).includes('/ByteRange')) {
		warnings.push('the PDF is digitally signed; stamping each copy will invalidate the signature');
	}
	let preparation: PreparedDocument;
	try {
		preparation = await prepareDocument(bytes);
	} catch (error) {
		// Every copy is made from the preparation: a file that cannot be prepared cannot be issued.
		return {
			ok: false,
			reason: `the PDF cannot be prepared for stamping copies (${firstLine(error)}); export it again`,
		};
	}
	return { ok: true, pages, warnings, preparation };
}

function latin1(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function formatBytes(bytes: number): string {
	return bytes >= 1024 * 1024
		? `${(bytes / 1024 / 1024).toFixed(1)} MB`
		: `${Math.ceil(bytes / 1024)} KB`;
}

function firstLine(error: unknown): string {
	return (
		(error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 160) ??
		'unknown error'
	);
}
