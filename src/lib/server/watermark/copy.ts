/**
 * Copy-speed stamping, step two: one recipient's copy of a prepared document (prepare.ts). Only
 * the per-recipient objects are made here (the watermark forms under their reserved numbers,
 * their font subsets and opacity state, the information dictionary with the copy id); the copy is
 * `head` (header and those objects), the prepared body unchanged, then `tail` (a cross-reference
 * table for this layout and the trailer with a fresh file identifier): one ordinary PDF, one
 * revision. The per-recipient objects come first, so no prefix of a copy is an unstamped report.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFHexString, PDFName, PDFRef, PDFString } from 'pdf-lib';
import { embedFonts } from '../pdf/fonts.ts';
import { COPY_ID_INFO_KEY, COPY_ID_PATTERN } from './copy-id.ts';
import { SEPARATOR, type StampInput, stampTexts, watermarkForm } from './form.ts';
import type { StampPlan } from './prepare.ts';

export interface CopyParts {
	/** The header and the per-recipient objects. */
	head: Uint8Array;
	/** The cross-reference table and trailer. */
	tail: Uint8Array;
}

/** Most of what a stamp draws (with "·"): copy ids, dates and most names differ only in these. */
const PRINTABLE_ASCII = `${String.fromCharCode(...Array.from({ length: 95 }, (_, i) => 32 + i))}·`;

// A binary comment on the second line, as the standard recommends (PDF 32000-1, 7.5.2).
const HEADER = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');

/** The parts of one recipient's copy; the whole file is head + body + tail. */
export async function assembleCopy(
	plan: StampPlan,
	bodyLength: number,
	input: StampInput,
): Promise<CopyParts> {
	if (!COPY_ID_PATTERN.test(input.copyId)) throw new Error(`not a copy id: ${input.copyId}`);
	const pdf = await PDFDocument.create({ updateMetadata: false });
	const { context } = pdf;
	// zlib in C instead of pdf-lib's pure-JS deflate: font subsets are most of a copy's own bytes.
	context.flateStream = (contents, dict = {}) =>
		context.stream(
			deflateSync(typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents),
			{
				...dict,
				Filter: 'FlateDecode',
			},
		);
	const reserved = new Set(plan.forms.map((f) => f.number));
	// Numbers below nextNumber belong to the body; this document's own catalog (1, 2) is unused.
	context.largestObjectNumber = plan.nextNumber - 1;
	const texts = stampTexts(input);
	const fonts = await embedFonts(
		pdf,
		{ regular: [texts.diagonal, texts.footer.join(SEPARATOR)] },
		{ alwaysInclude: PRINTABLE_ASCII },
	);
	const opacity = context.register(context.obj({ Type: 'ExtGState', ca: 0.2, CA: 0.2 }));
	for (const { number, geometry } of plan.forms) {
		context.assign(PDFRef.of(number), watermarkForm(pdf, fonts, texts, geometry, opacity));
	}
	await pdf.flush(); // writes the font subsets into the context
	const info = context.nextRef();

	const chunks: Uint8Array[] = [HEADER];
	const own: [number, number][] = []; // object number, offset
	let at = HEADER.length;
	for (const [ref, object] of context.enumerateIndirectObjects()) {
		const number = ref.objectNumber;
		if (number < plan.nextNumber && !reserved.has(number)) continue;
		const bytes = new Uint8Array(object.sizeInBytes() + 32);
		let n = Buffer.from(bytes.buffer).write(`${number} 0 obj\n`, 0, 'latin1');
		n += object.copyBytesInto(bytes, n);
		n += Buffer.from(bytes.buffer).write('\nendobj\n', n, 'latin1');
		own.push([number, at]);
		chunks.push(bytes.subarray(0, n));
		at += n;
	}
	const infoObject = Buffer.from(
		`${info.objectNumber} 0 obj\n<<\n${plan.infoEntries}${copyInfo(plan, input)}>>\nendobj\n`,
		'latin1',
	);
	own.push([info.objectNumber, at]);
	chunks.push(infoObject);
	at += infoObject.length;
	const head = Buffer.concat(chunks);

	const size = Math.max(plan.offsets.length, info.objectNumber + 1);
	const offsets = new Float64Array(size).fill(-1);
	for (let i = 0; i < plan.offsets.length; i++) {
		const o = plan.offsets[i]!;
		if (o >= 0) offsets[i] = o + head.length;
	}
	for (const [number, offset] of own) offsets[number] = offset;
	const fresh = randomBytes(16).toString('hex');
	const trailer =
		`trailer\n<<\n/Size ${size}\n/Root ${plan.root}\n/Info ${info.objectNumber} 0 R\n` +
		`/ID [<${plan.firstId}> <${fresh}>]\n>>\nstartxref\n${head.length + bodyLength}\n%%EOF\n`;
	return { head, tail: crossReferenceTable(offsets, plan.generations, trailer) };
}

/** /Subject and /Keywords naming the copy (as stampPdf writes them), /ModDate, the copy id. */
function copyInfo(plan: StampPlan, input: StampInput): string {
	const mark = `Trustroom copy ${input.copyId}`;
	const subject = plan.subject ? `${plan.subject} (${mark})` : `${input.documentTitle} (${mark})`;
	const keywords = plan.keywords ? `${plan.keywords}; ${mark}` : mark;
	return [
		`/Subject ${PDFHexString.fromText(subject).toString()}`,
		`/Keywords ${PDFHexString.fromText(keywords).toString()}`,
		`/ModDate ${PDFString.fromDate(input.issuedAt).toString()}`,
		`${PDFName.of(COPY_ID_INFO_KEY).toString()} ${PDFString.of(input.copyId).toString()}`,
		'',
	].join('\n');
}

/** "00" to "99", for writing offsets two digits at a time. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) =>
	i % 2 === 0 ? 48 + Math.floor(i / 20) : 48 + ((i >> 1) % 10),
);

/**
 * `xref` with one subsection per run of consecutive object numbers (entry 0 is the head of the
 * free list), each entry exactly 20 bytes, then the trailer. Written byte by byte: a report has
 * tens of thousands of entries.
 */
function crossReferenceTable(
	offsets: Float64Array,
	generations: Record<number, number>,
	trailer: string,
): Uint8Array {
	offsets[0] = -2; // the free-list head
	const someGenerations = Object.keys(generations).length > 0;
	const starts: number[] = [];
	const counts: number[] = [];
	const n = offsets.length;
	for (let i = 0; i < n;) {
		if (offsets[i] === -1) {
			i++;
			continue;
		}
		const start = i;
		while (i < n && offsets[i] !== -1) i++;
		starts.push(start);
		counts.push(i - start);
	}
	let size = 5 + trailer.length;
	for (let r = 0; r < starts.length; r++)
		size += `${starts[r]} ${counts[r]}\n`.length + counts[r]! * 20;
	const out = Buffer.allocUnsafe(size); // every byte is written below
	let at = out.write('xref\n', 0, 'latin1');
	for (let r = 0; r < starts.length; r++) {
		const start = starts[r]!;
		const end = start + counts[r]!;
		at += out.write(`${start} ${counts[r]}\n`, at, 'latin1');
		for (let i = start; i < end; i++) {
			if (i === 0) {
				at += out.write('0000000000 65535 f \n', at, 'latin1');
				continue;
			}
			// Offsets stay below 2 GB (uploads are capped far lower): integer arithmetic is exact.
			let value = offsets[i]! | 0;
			for (let p = at + 8; p >= at; p -= 2) {
				const next = (value / 100) | 0;
				const pair = (value - next * 100) << 1;
				out[p] = DIGIT_PAIRS[pair]!;
				out[p + 1] = DIGIT_PAIRS[pair + 1]!;
				value = next;
			}
			out[at + 10] = 32;
			let generation = someGenerations ? (generations[i] ?? 0) : 0;
			for (let p = at + 15; p >= at + 11; p--) {
				const next = (generation / 10) | 0;
				out[p] = 48 + generation - next * 10;
				generation = next;
			}
			out[at + 16] = 32;
			out[at + 17] = 110; // n
			out[at + 18] = 32;
			out[at + 19] = 10;
			at += 20;
		}
	}
	at += out.write(trailer, at, 'latin1');
	if (at !== size) throw new Error(`cross-reference table: wrote ${at} bytes, expected ${size}`);
	return out;
}
