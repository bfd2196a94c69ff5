/**
 * Document versions prepared for copy-speed stamping (watermark/prepare.ts). A preparation is made
 * once per version, at upload, and stored in the database (shared by every instance); each process
 * keeps the ones it serves in memory, up to a budget, in shared memory the stamping workers read
 * in place (to hash a copy beside its stream). A version stored before preparations existed, or
 * prepared in an older format, is prepared on first use and stored for the next.
 */
import { and, eq, ne } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { documentVersionsTable, stampPreparationsTable } from '../../../../db/schema.ts';
import { PREPARATION_FORMAT, type PreparedDocument, type StampPlan } from '../watermark/prepare.ts';

const CACHE_BYTES = 256 * 1024 * 1024;
// Per database (version ids are only unique within one; tests open several in one process).
const caches = new WeakMap<object, Map<number, PreparedDocument>>();
let cacheSize = 0;

function cacheFor(db: object): Map<number, PreparedDocument> {
	let cache = caches.get(db);
	if (!cache) caches.set(db, (cache = new Map()));
	return cache;
}

/** Makes a preparation (in a worker, in production); throws with the reason it cannot. */
export type Prepare = (bytes: Uint8Array) => Promise<PreparedDocument>;

/** The preparation of a version, from memory, the database, or made now and stored. */
export async function getPreparedVersion(
	db: Database,
	versionId: number,
	prepare: Prepare,
): Promise<PreparedDocument> {
	const cache = cacheFor(db);
	const cached = cache.get(versionId);
	if (cached) {
		// Most recently used last, so the oldest entry is evicted first.
		cache.delete(versionId);
		cache.set(versionId, cached);
		return cached;
	}
	const [row] = await db
		.select()
		.from(stampPreparationsTable)
		.where(
			and(
				eq(stampPreparationsTable.versionId, versionId),
				eq(stampPreparationsTable.format, PREPARATION_FORMAT),
			),
		);
	let prepared: PreparedDocument;
	if (row) {
		prepared = decodePreparation(row);
	} else {
		const [version] = await db
			.select({ bytes: documentVersionsTable.bytes })
			.from(documentVersionsTable)
			.where(eq(documentVersionsTable.id, versionId));
		if (!version) throw new Error(`Document version ${versionId} vanished`);
		prepared = await prepare(version.bytes);
		await storePreparation(db, versionId, prepared);
		prepared = inSharedMemory(prepared);
	}
	remember(cache, versionId, prepared);
	return prepared;
}

/** Stores (or replaces) the preparation of a version. */
export async function storePreparation(
	db: Executor,
	versionId: number,
	prepared: PreparedDocument,
): Promise<void> {
	const { offsets, ...plan } = prepared.plan;
	const values = {
		format: plan.format,
		plan: plan as unknown as Record<string, unknown>,
		offsets: new Uint8Array(offsets.buffer, offsets.byteOffset, offsets.byteLength),
		body: prepared.body,
	};
	await db
		.insert(stampPreparationsTable)
		.values({ versionId, ...values })
		.onConflictDoUpdate({ target: stampPreparationsTable.versionId, set: values });
}

/** Drops the preparations of a document's other versions: a new version replaces them. */
export async function invalidatePreparations(
	db: Executor,
	documentId: number,
	currentVersionId: number,
): Promise<void> {
	const stale = await db
		.select({ id: documentVersionsTable.id })
		.from(documentVersionsTable)
		.where(
			and(
				eq(documentVersionsTable.documentId, documentId),
				ne(documentVersionsTable.id, currentVersionId),
			),
		);
	for (const { id } of stale) {
		// A process that kept one in memory never asks for it again: only current versions are issued.
		await db.delete(stampPreparationsTable).where(eq(stampPreparationsTable.versionId, id));
	}
}

function decodePreparation(row: typeof stampPreparationsTable.$inferSelect): PreparedDocument {
	const plan = row.plan as unknown as Omit<StampPlan, 'offsets'>;
	const offsets = new Float64Array(sharedCopy(row.offsets).buffer);
	return { plan: { ...plan, offsets }, body: sharedCopy(row.body) };
}

/** The same preparation with its body and offsets in shared memory (copied once). */
function inSharedMemory(prepared: PreparedDocument): PreparedDocument {
	const { body, plan } = prepared;
	const offsets = new Uint8Array(
		plan.offsets.buffer,
		plan.offsets.byteOffset,
		plan.offsets.byteLength,
	);
	return {
		plan: { ...plan, offsets: new Float64Array(sharedCopy(offsets).buffer) },
		body: sharedCopy(body),
	};
}

/** Shared memory: stamping workers read it in place, without a copy per job. */
function sharedCopy(bytes: Uint8Array): Uint8Array {
	const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
	shared.set(bytes);
	return shared;
}

function remember(
	cache: Map<number, PreparedDocument>,
	versionId: number,
	prepared: PreparedDocument,
): void {
	const size = prepared.body.byteLength + prepared.plan.offsets.byteLength;
	if (size > CACHE_BYTES) return;
	cache.set(versionId, prepared);
	cacheSize += size;
	for (const id of cache.keys()) {
		if (cacheSize <= CACHE_BYTES) break;
		forget(cache, id);
	}
}

function forget(cache: Map<number, PreparedDocument>, versionId: number): void {
	const prepared = cache.get(versionId);
	if (!prepared) return;
	cache.delete(versionId);
	cacheSize -= prepared.body.byteLength + prepared.plan.offsets.byteLength;
}
