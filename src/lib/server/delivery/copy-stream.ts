/** A copy as a stream of its parts, its SHA-256 taken beside the stream and recorded. */
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface IssuedCopy {
	byteLength: number;
	/** The copy's bytes, part by part; nothing is joined into one buffer. */
	stream: ReadableStream<Uint8Array>;
	/** The SHA-256 of the whole copy, once recorded. */
	recorded: Promise<string>;
}

/** SHA-256 of the parts in order, hex; in production a stamping worker (watermark/pool.ts). */
export type HashParts = (parts: Uint8Array[]) => Promise<string>;

/**
 * Streams `parts` in order, each whole (the socket takes them as they are: no copy, and no turn
 * of the event loop per slice), while their SHA-256 is taken by `hash` (off the event loop) and
 * handed to `record`. The hash is the whole copy's even when the reader stops early: the copy was
 * issued. Should `hash` fail, the copy is hashed here, in small slices, one per turn.
 */
export function streamCopy(
	parts: Uint8Array[],
	hash: HashParts | undefined,
	record: (sha256: string) => Promise<void>,
): IssuedCopy {
	const byteLength = parts.reduce((sum, part) => sum + part.byteLength, 0);
	const recorded = (async () => {
		const sha256 = hash
			? await hash(parts).catch(() => hashOnLoop(parts))
			: await hashOnLoop(parts);
		try {
			await record(sha256);
		} catch (error) {
			console.error(`Recording a copy's hash failed: ${String(error)}`);
			throw error;
		}
		return sha256;
	})();
	recorded.catch(() => {}); // a caller that does not wait must not crash the process
	let next = 0;
	const stream = new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				while (next < parts.length && parts[next]!.byteLength === 0) next++;
				if (next < parts.length) controller.enqueue(parts[next++]!);
				else controller.close();
			},
		},
		{ highWaterMark: 0 },
	);
	return { byteLength, stream, recorded };
}

/** Slices small enough that hashing one never holds the event loop for long (about 0.2 ms). */
const SLICE = 256 * 1024;

/** SHA-256 of the parts on this thread, one slice per turn of the event loop. */
export async function hashOnLoop(parts: Uint8Array[]): Promise<string> {
	const hash = createHash('sha256');
	for (const part of parts) {
		for (let at = 0; at < part.byteLength; at += SLICE) {
			hash.update(part.subarray(at, at + SLICE));
			await nextTurn();
		}
	}
	return hash.digest('hex');
}
