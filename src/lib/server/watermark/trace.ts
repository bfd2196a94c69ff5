/** Finding the copy id in a (leaked) copy again. */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import { COPY_ID_INFO_KEY, COPY_ID_PATTERN } from './copy-id.ts';

/**
 * The copy id of an issued copy: from the metadata, or, when that was stripped, from the pages'
 * text (the footer carries it on every page). Null when neither has one.
 */
export async function readCopyId(
	bytes: Uint8Array,
): Promise<{ copyId: string; source: 'metadata' | 'text' } | null> {
	const fromMetadata = await copyIdFromMetadata(bytes);
	if (fromMetadata) return { copyId: fromMetadata, source: 'metadata' };
	const fromText = await copyIdFromText(bytes);
	return fromText ? { copyId: fromText, source: 'text' } : null;
}

async function copyIdFromMetadata(bytes: Uint8Array): Promise<string | null> {
	let pdf: PDFDocument;
	try {
		pdf = await PDFDocument.load(bytes, { updateMetadata: false });
	} catch {
		return null; // encrypted or damaged: the text extractor may still read it
	}
	const info = pdf.context.lookupMaybe(pdf.context.trailerInfo.Info, PDFDict);
	const custom = info?.lookup(PDFName.of(COPY_ID_INFO_KEY));
	const candidates = [
		custom instanceof PDFString || custom instanceof PDFHexString ? custom.decodeText() : '',
		pdf.getKeywords() ?? '',
		pdf.getSubject() ?? '',
	];
	for (const text of candidates) {
		const match = text.match(COPY_ID_PATTERN);
		if (match) return match[0];
	}
	return null;
}

const require = createRequire(import.meta.url);

/**
 * Text extraction with pdfjs-dist (a dependency, so `trace` works after `npm install` alone; no
 * poppler needed). The stamp is drawn with subset fonts, so the raw bytes never contain the id.
 * The footer's "copy XXXX-XXXX" wins over a bare id-shaped string elsewhere in the report.
 */
async function copyIdFromText(bytes: Uint8Array): Promise<string | null> {
	const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
	// Absolute, so a bundled server (dist/) still finds the worker module pdfjs loads in-process.
	pdfjs.GlobalWorkerOptions.workerSrc = pathToFileURL(
		require.resolve('pdfjs-dist/legacy/build/pdf.worker.mjs'),
	).href;
	const task = pdfjs.getDocument({
		data: new Uint8Array(bytes), // pdfjs detaches the buffer it is given
		disableFontFace: true,
		useSystemFonts: false,
		stopAtErrors: false,
		verbosity: 0,
	});
	let bare: string | null = null;
	try {
		const doc = await task.promise;
		for (let number = 1; number <= doc.numPages; number++) {
			const page = await doc.getPage(number);
			const content = await page.getTextContent();
			const text = content.items
				.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
				.join(' ')
				.replace(/\s+/g, ' ');
			page.cleanup();
			const labelled = text.match(new RegExp(`(?:copy |verify/)(${COPY_ID_PATTERN.source})`));
			if (labelled) return labelled[1]!;
			bare ??= text.match(COPY_ID_PATTERN)?.[0] ?? null;
		}
	} catch {
		return bare; // unreadable (wrong password, damage): whatever was found so far
	} finally {
		await task.destroy();
	}
	return bare;
}
