/** Tracing a (leaked) copy: its copy id from the file or as typed, then who received it, when, how. */
import type { Database } from '../../../../db/client.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { sha256Hex } from '../platform/crypto.ts';
import { normalizeCopyId } from '../watermark/copy-id.ts';
import { readCopyId } from '../watermark/trace.ts';
import { getCopy } from './copies.ts';

export type TracedCopy = NonNullable<Awaited<ReturnType<typeof getCopy>>>;

export type TraceResult =
	| {
			ok: true;
			copy: TracedCopy;
			/** Where the id came from: the file's metadata, its page text, or typed. */
			source: 'metadata' | 'text' | 'typed';
			/** Whether the file is byte for byte what was issued (null without a file or a hash). */
			file: 'identical' | 'differs' | null;
	  }
	| {
			ok: false;
			reason: 'no_copy_id_in_file' | 'not_a_copy_id' | 'not_issued_here';
			/** The id looked up (not_issued_here), else null. */
			copyId: string | null;
	  };

/** Finds who received a copy; every trace is logged (who looked, for which copy). */
export async function traceCopy(
	db: Database,
	input: { bytes?: Uint8Array; copyId?: string },
	actor: string,
): Promise<TraceResult> {
	let copyId: string;
	let source: 'metadata' | 'text' | 'typed' = 'typed';
	if (input.bytes) {
		// pdf-lib reports damage it works around on the console; a trace is not the place for it.
		const warn = console.warn;
		console.warn = () => {};
		const found = await readCopyId(input.bytes).finally(() => (console.warn = warn));
		if (!found) return { ok: false, reason: 'no_copy_id_in_file', copyId: null };
		copyId = found.copyId;
		source = found.source;
	} else {
		const typed = normalizeCopyId(input.copyId ?? '');
		if (!typed) return { ok: false, reason: 'not_a_copy_id', copyId: null };
		copyId = typed;
	}
	const copy = await getCopy(db, copyId);
	await db.transaction((tx) =>
		appendAuditEvent(tx, {
			type: 'copy.traced',
			actor,
			subject: `copy:${copyId}`,
			data: { source, found: Boolean(copy) },
		}),
	);
	if (!copy) return { ok: false, reason: 'not_issued_here', copyId };
	const file =
		input.bytes && copy.outputSha256
			? sha256Hex(input.bytes) === copy.outputSha256
				? 'identical'
				: 'differs'
			: null;
	return { ok: true, copy, source, file };
}
