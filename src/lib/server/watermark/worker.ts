/**
 * The stamping worker thread (piscina). Loaded by path from the project root, also by the bundled
 * server, so every import here is a relative `.ts` path or a package.
 */
import { createHash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { measureText } from '../pdf/text-runs.ts';
import { HELPER_NICENESS } from '../platform/priorities.ts';
import { assembleCopy, type CopyParts } from './copy.ts';
import { type PreparedDocument, prepareDocument, type StampPlan } from './prepare.ts';
import { type StampInput, stampPdf } from './stamp.ts';

export type WorkerTask =
	| { kind: 'stamp'; bytes: Uint8Array; input: StampInput }
	| { kind: 'copy'; plan: StampPlan; bodyLength: number; input: StampInput }
	| { kind: 'prepare'; bytes: Uint8Array }
	| { kind: 'hash'; parts: Uint8Array[] };

// This thread yields the CPU to the server's event loop: pages stay fast while copies are made.
// (Linux: a thread's own id from /proc/thread-self; niceness is per thread there.) Best effort.
try {
	const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
	if (Number.isInteger(tid) && tid !== process.pid) setPriority(tid, HELPER_NICENESS);
} catch {
	// Another system, or no permission: run at the process's priority.
}

// Parse the Latin font now, while the thread is idle, not during the first request.
measureText('Confidential', 1);

export default async function work(task: WorkerTask): Promise<unknown> {
	switch (task.kind) {
		case 'stamp':
			return move(whole(await stampPdf(task.bytes, task.input))) as Uint8Array;
		case 'copy': {
			const parts: CopyParts = await assembleCopy(task.plan, task.bodyLength, task.input);
			const head = whole(parts.head);
			const tail = whole(parts.tail);
			return moving({ head, tail }, [head.buffer, tail.buffer]);
		}
		case 'hash': {
			const hash = createHash('sha256');
			for (const part of task.parts) hash.update(part);
			return hash.digest('hex');
		}
		case 'prepare': {
			const prepared: PreparedDocument = await prepareDocument(task.bytes);
			const body = whole(prepared.body);
			return moving({ plan: prepared.plan, body }, [body.buffer]);
		}
	}
}

/** A buffer can only be moved when the bytes span all of it. */
function whole(bytes: Uint8Array): Uint8Array {
	if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
	const copy = new Uint8Array(bytes.byteLength); // not .slice(): on a Buffer that is a view
	copy.set(bytes);
	return copy;
}

/** Handed back to the main thread, not copied: the buffers are moved with the value. */
function moving<T>(value: T, buffers: ArrayBufferLike[]): unknown {
	const shared = buffers.some((b) => b instanceof SharedArrayBuffer);
	if (shared) return value;
	return move({ [transferableSymbol]: buffers, [valueSymbol]: value } as never);
}
