/** A copy's stream: its parts whole and in order, its SHA-256 taken beside it and recorded. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { hashOnLoop, streamCopy } from '../../src/lib/server/delivery/copy-stream.ts';

const parts = () => [randomBytes(3000), new Uint8Array(0), randomBytes(700_000), randomBytes(50)];
const sha = (chunks: Uint8Array[]) => {
	const hash = createHash('sha256');
	for (const chunk of chunks) hash.update(chunk);
	return hash.digest('hex');
};

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
	const chunks: Uint8Array[] = [];
	for await (const chunk of stream) chunks.push(chunk);
	return chunks;
}

describe('streamCopy', () => {
	it('hands each part over whole, in order, and records the hash the worker took', async () => {
		const given = parts();
		const recorded: string[] = [];
		const copy = streamCopy(
			given,
			async (p) => sha(p),
			async (h) => void recorded.push(h),
		);
		expect(copy.byteLength).toBe(703_050);
		const chunks = await readAll(copy.stream);
		// No slicing and no copying: the socket gets the very buffers (the empty part is skipped).
		expect(chunks).toEqual([given[0], given[2], given[3]]);
		expect(chunks[1]).toBe(given[2]);
		expect(await copy.recorded).toBe(sha(given));
		expect(recorded).toEqual([sha(given)]);
	});

	it('hashes on the event loop when the worker cannot', async () => {
		const given = parts();
		const copy = streamCopy(
			given,
			async () => {
				throw new Error('the stamping pool is closed');
			},
			async () => {},
		);
		await readAll(copy.stream);
		expect(await copy.recorded).toBe(sha(given));
		expect(await hashOnLoop(given)).toBe(sha(given));
	});

	it('records the whole copy when the reader stops after the first part', async () => {
		const given = parts();
		const copy = streamCopy(given, undefined, async () => {});
		const reader = copy.stream.getReader();
		expect((await reader.read()).value).toBe(given[0]);
		await reader.cancel();
		expect(await copy.recorded).toBe(sha(given));
	});

	it('says so when the hash cannot be recorded, without an unhandled rejection', async () => {
		const error = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const copy = streamCopy(parts(), undefined, async () => {
				throw new Error('database away');
			});
			await readAll(copy.stream);
			await expect(copy.recorded).rejects.toThrow('database away');
			expect(error).toHaveBeenCalledWith(expect.stringContaining('database away'));
		} finally {
			error.mockRestore();
		}
	});
});
