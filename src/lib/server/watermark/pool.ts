/**
 * Stamping off the event loop: a piscina pool of worker threads, one per process, with a bounded
 * queue (a full one answers "busy" with a retry hint) and a time limit per job.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Piscina } from 'piscina';
import type { CopyParts } from './copy.ts';
import type { PreparedDocument, StampPlan } from './prepare.ts';
import type { StampInput } from './stamp.ts';
import type { WorkerTask } from './worker.ts';

export interface StampPoolOptions {
	/** Worker threads; default min(2, cores). */
	workers?: number;
	/** Jobs allowed to wait for a free worker; default 4 per worker. */
	maxQueue?: number;
	/** Time a job may take from submission; default 60 s. */
	timeoutMs?: number;
}

export type PoolFailure =
	| { ok: false; reason: 'busy'; retryAfterSeconds: number }
	| { ok: false; reason: 'timeout' | 'failed'; message: string };
export type StampResult = { ok: true; bytes: Uint8Array } | PoolFailure;
export type CopyResult = { ok: true; parts: CopyParts } | PoolFailure;
export type PrepareResult = { ok: true; prepared: PreparedDocument } | PoolFailure;

export interface StampPool {
	/**
	 * Stamps in a worker. Bytes in a SharedArrayBuffer are shared, read-only. When `bytes` spans
	 * its whole ArrayBuffer, that buffer is transferred
	 * (not copied) and `bytes` is empty afterwards; pass a copy to keep using it.
	 */
	stamp(bytes: Uint8Array, input: StampInput): Promise<StampResult>;
	/** One copy of a prepared document: its own objects and cross-reference table (copy.ts). */
	copy(plan: StampPlan, bodyLength: number, input: StampInput): Promise<CopyResult>;
	/**
	 * The SHA-256 (hex) of `parts` in order. Never refused as busy: it is asked for a copy already
	 * issued, so it waits its turn. Parts in shared memory are read in place, others copied.
	 */
	hash(parts: Uint8Array[]): Promise<{ ok: true; sha256: string } | PoolFailure>;
	/** Prepares a document for copy-speed stamping (prepare.ts); bytes as for stamp(). */
	prepare(bytes: Uint8Array): Promise<PrepareResult>;
	close(): Promise<void>;
	readonly size: number;
}

// The route is bundled by Vite into dist/server/, so import.meta.url is no guide to this file's
// sources; the server runs with the project root as its working directory.
const WORKER_PATH = 'src/lib/server/watermark/worker.ts';
const POOL = Symbol.for('trustroom.stampPool');
const globals = globalThis as typeof globalThis & { [POOL]?: StampPool };

/** The process's pool, created on first use; options only apply to that first call. */
export function getStampPool(options: StampPoolOptions = {}): StampPool {
	return (globals[POOL] ??= createStampPool(options));
}

/** A pool of its own (tests, benchmarks); most callers want getStampPool. */
export function createStampPool(options: StampPoolOptions = {}): StampPool {
	const workers = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
	const maxQueue = Math.max(0, options.maxQueue ?? workers * 4);
	const timeoutMs = Math.max(1, options.timeoutMs ?? 60_000);
	const filename = resolve(process.cwd(), WORKER_PATH);
	if (!existsSync(filename)) {
		throw new Error(
			`the stamping worker is missing at ${filename}; start the server from the project root`,
		);
	}
	const piscina = new Piscina<WorkerTask, unknown>({
		filename,
		minThreads: workers,
		maxThreads: workers,
		maxQueue: 'auto',
		idleTimeout: 60_000,
	});
	let inFlight = 0;
	let averageMs = 2_000; // until the first jobs are measured
	let closed = false;

	async function run<T>(
		task: WorkerTask,
		transferList: ArrayBuffer[],
		bounded = true,
	): Promise<{ ok: true; value: T } | PoolFailure> {
		if (closed) return { ok: false, reason: 'failed', message: 'the stamping pool is closed' };
		// Bounded: past workers + queue, refuse at once instead of letting requests pile up.
		if (bounded && inFlight >= workers + maxQueue) {
			const waves = (inFlight - workers + 1) / workers;
			return {
				ok: false,
				reason: 'busy',
				retryAfterSeconds: Math.max(1, Math.ceil((waves * averageMs) / 1000)),
			};
		}
		if (bounded) inFlight++;
		const started = performance.now();
		const signal = AbortSignal.timeout(timeoutMs);
		try {
			const value = (await piscina.run(task, { signal, transferList })) as T;
			if (bounded) averageMs = averageMs * 0.8 + (performance.now() - started) * 0.2;
			return { ok: true, value };
		} catch (error) {
			if (signal.aborted) {
				// piscina ends the worker running an aborted job and starts a fresh one.
				return {
					ok: false,
					reason: 'timeout',
					message: `stamping took longer than ${timeoutMs} ms`,
				};
			}
			const message = error instanceof Error ? error.message : String(error);
			return { ok: false, reason: 'failed', message };
		} finally {
			if (bounded) inFlight--;
		}
	}

	/** Shared memory is read in place; a whole buffer is moved; anything else is copied once. */
	function handOver(bytes: Uint8Array): { bytes: Uint8Array; transfer: ArrayBuffer[] } {
		if (bytes.buffer instanceof SharedArrayBuffer) return { bytes, transfer: [] };
		const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
		const moved = owned ? bytes : new Uint8Array(bytes); // a copy (Buffer#slice is a view)
		return { bytes: moved, transfer: [moved.buffer as ArrayBuffer] };
	}

	const pool: StampPool = {
		size: workers,
		async stamp(bytes, input) {
			const given = handOver(bytes);
			const result = await run<Uint8Array>(
				{ kind: 'stamp', bytes: given.bytes, input },
				given.transfer,
			);
			return result.ok ? { ok: true, bytes: result.value } : result;
		},
		async copy(plan, bodyLength, input) {
			const result = await run<CopyParts>({ kind: 'copy', plan, bodyLength, input }, []);
			return result.ok ? { ok: true, parts: result.value } : result;
		},
		async hash(parts) {
			const result = await run<string>({ kind: 'hash', parts }, [], false);
			return result.ok ? { ok: true, sha256: result.value } : result;
		},
		async prepare(bytes) {
			const given = handOver(bytes);
			const result = await run<PreparedDocument>(
				{ kind: 'prepare', bytes: given.bytes },
				given.transfer,
			);
			return result.ok ? { ok: true, prepared: result.value } : result;
		},
		async close() {
			closed = true;
			if (globals[POOL] === pool) delete globals[POOL];
			await piscina.destroy();
		},
	};
	return pool;
}
