import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { documentVersionsTable } from '../../../../db/schema.ts';

/**
 * Document versions never change once stored, so their bytes are kept in memory (up to a budget)
 * instead of being read from the database for every download: on the embedded database a
 * multi-megabyte read runs on the event loop.
 */
const VERSION_CACHE_BYTES = 256 * 1024 * 1024;
const versionCache = new Map<number, Uint8Array>();
let versionCacheSize = 0;

export async function getVersionBytes(db: Database, versionId: number): Promise<Uint8Array> {
	const cached = versionCache.get(versionId);
	if (cached) {
		// Most recently used last, so the oldest entry is evicted first.
		versionCache.delete(versionId);
		versionCache.set(versionId, cached);
		return cached;
	}
	const [version] = await db
		.select({ bytes: documentVersionsTable.bytes })
		.from(documentVersionsTable)
		.where(eq(documentVersionsTable.id, versionId));
	if (!version) throw new Error(`Document version ${versionId} vanished`);
	// In shared memory, so stamping workers can read it without a copy per download.
	const shared = new Uint8Array(new SharedArrayBuffer(version.bytes.byteLength));
	shared.set(version.bytes);
	if (shared.byteLength <= VERSION_CACHE_BYTES) {
		versionCache.set(versionId, shared);
		versionCacheSize += shared.byteLength;
		for (const [id, bytes] of versionCache) {
			if (versionCacheSize <= VERSION_CACHE_BYTES) break;
			versionCache.delete(id);
			versionCacheSize -= bytes.byteLength;
		}
	}
	return shared;
}
