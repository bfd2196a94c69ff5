/** A copy as a stream of its parts, hashed on the way out. */
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface IssuedCopy {
	byteLength: number;
	/** The copy's bytes; nothing is joined into one buffer. */
	stream: ReadableStream<Uint8Array>;
	/** The SHA-256 of the whole copy, once recorded (after the stream ended or was cancelled). */
	recorded: Promise<string>;
}

/** Slices small enough that hashing one never holds the event loop for long (about 0.2 ms). */
const SLICE = 256 * 1024;

/**
 * Streams `parts` in order, hashing every byte that goes out, and calls `record` with the hex
 * SHA-256 of the whole copy when the last byte has been handed over, or when the reader cancels
 * (the rest is then hashed without being sent, so the recorded hash is always the whole copy's).
 */
export function streamCopy(
	parts: Uint8Array[],
	record: (sha256: string) => Promise<void>,
): IssuedCopy {
	const hash = createHash('sha256');
	const byteLength = parts.reduce((sum, part) => sum + part.byteLength, 0);
	let part = 0;
	let at = 0;
	const next = (): Uint8Array | null => {
		while (part < parts.length && at >= parts[part]!.byteLength) {
			part++;
			at = 0;
		}
		if (part >= parts.length) return null;
		const slice = parts[part]!.subarray(at, at + SLICE);
		at += slice.byteLength;
		hash.update(slice);
		return slice;
	};
	let settle!: (sha256: string) => void;
	let fail!: (error: unknown) => void;
	const recorded = new Promise<string>((resolve, reject) => {
		settle = resolve;
		fail = reject;
	});
	recorded.catch(() => {}); // a caller that does not wait must not crash the process
	const finish = async () => {
		const sha256 = hash.digest('hex');
		try {
			await record(sha256);
			settle(sha256);
		} catch (error) {
			console.error(`Recording a copy's hash failed: ${String(error)}`);
			fail(error);
		}
	};
	const stream = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				// One slice per turn of the event loop: a reader that never waits (Astro's writer
				// does not) would otherwise hash and queue the whole copy in one go, and every other
				// request would wait for it.
				await nextTurn();
				const slice = next();
				if (slice) {
					controller.enqueue(slice);
					return;
				}
				controller.close();
				return finish();
			},
			async cancel() {
				while (next()) await nextTurn();
				await finish();
			},
		},
		{ highWaterMark: 0 },
	);
	return { byteLength, stream, recorded };
}
