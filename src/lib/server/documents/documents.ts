/**
 * Documents and their versions. The bytes of every version live only in the database: never in
 * public/, the repository or dist/.
 */
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { documentsTable, documentVersionsTable, usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { sha256Hex } from '../platform/crypto.ts';
import { getSetting, setSetting } from '../platform/settings.ts';
import { type PreparedDocument, prepareDocument } from '../watermark/prepare.ts';
import { invalidatePreparations, storePreparation } from './version-cache.ts';

export interface NewVersion {
	slug: string;
	bytes: Uint8Array;
	filename: string;
	pages: number;
	period?: { start: string; end: string } | null;
	uploadedBy?: number | null;
	actor: string;
	/**
	 * The version prepared for stamping (preflightPdf returns it). Without one it is prepared here,
	 * on this thread; a file that cannot be prepared is refused with an error that says why.
	 */
	preparation?: PreparedDocument;
}

/**
 * Stores a new version of a document with its stamping preparation, marks the previous one
 * superseded and drops the previous preparations, in one transaction.
 */
export async function createDocumentVersion(db: Database, input: NewVersion) {
	let preparation = input.preparation;
	if (!preparation) {
		try {
			preparation = await prepareDocument(input.bytes);
		} catch (error) {
			const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
			throw new Error(`The PDF cannot be prepared for stamping copies: ${reason}`, {
				cause: error,
			});
		}
	}
	const prepared = preparation;
	return db.transaction(async (tx) => {
		const [document] = await tx
			.select()
			.from(documentsTable)
			.where(eq(documentsTable.slug, input.slug));
		if (!document) throw new Error(`No document "${input.slug}"`);
		const sha256 = sha256Hex(input.bytes);
		const [version] = await tx
			.insert(documentVersionsTable)
			.values({
				documentId: document.id,
				bytes: input.bytes,
				byteLength: input.bytes.byteLength,
				sha256,
				pages: input.pages,
				filename: input.filename,
				periodStart: input.period?.start ?? null,
				periodEnd: input.period?.end ?? null,
				uploadedBy: input.uploadedBy ?? null,
			})
			.returning({ id: documentVersionsTable.id, createdAt: documentVersionsTable.createdAt });
		if (!version) throw new Error('Inserting the document version returned nothing');
		await tx
			.update(documentVersionsTable)
			.set({ supersededBy: version.id })
			.where(
				and(
					eq(documentVersionsTable.documentId, document.id),
					isNull(documentVersionsTable.supersededBy),
					ne(documentVersionsTable.id, version.id),
				),
			);
		await storePreparation(tx, version.id, prepared);
		// A version's copies are made from its own preparation only; older ones go with it.
		await invalidatePreparations(tx, document.id, version.id);
		await appendAuditEvent(tx, {
			type: 'document.version_created',
			actor: input.actor,
			subject: `document:${input.slug}`,
			data: {
				versionId: version.id,
				sha256,
				pages: input.pages,
				bytes: input.bytes.byteLength,
				filename: input.filename,
			},
		});
		return { id: version.id, documentId: document.id, sha256, createdAt: version.createdAt };
	});
}

/** The current (not superseded) version of a document, with its bytes. */
export async function getCurrentVersion(db: Database, slug: string) {
	const [row] = await db
		.select({
			id: documentVersionsTable.id,
			bytes: documentVersionsTable.bytes,
			sha256: documentVersionsTable.sha256,
			pages: documentVersionsTable.pages,
			filename: documentVersionsTable.filename,
			accessLevel: documentsTable.accessLevel,
			title: documentsTable.title,
		})
		.from(documentVersionsTable)
		.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
		.where(and(eq(documentsTable.slug, slug), isNull(documentVersionsTable.supersededBy)))
		.orderBy(desc(documentVersionsTable.id))
		.limit(1);
	return row ?? null;
}

export async function countDocumentVersions(db: Database): Promise<number> {
	const rows = await db
		.select({ id: documentVersionsTable.id })
		.from(documentVersionsTable)
		.limit(1);
	return rows.length;
}

/** Every document with its current version's facts (no bytes). */
export async function listDocuments(db: Database) {
	return db
		.select({
			slug: documentsTable.slug,
			title: documentsTable.title,
			accessLevel: documentsTable.accessLevel,
			versionId: documentVersionsTable.id,
			pages: documentVersionsTable.pages,
			byteLength: documentVersionsTable.byteLength,
			sha256: documentVersionsTable.sha256,
			createdAt: documentVersionsTable.createdAt,
			// Which upload of the document this is (1 for the first): ids count every document's.
			revision: sql<number>`(select count(*)::int from ${documentVersionsTable} as earlier
				where earlier.document_id = ${documentsTable.id}
				and earlier.id <= ${documentVersionsTable.id})`,
		})
		.from(documentsTable)
		.leftJoin(
			documentVersionsTable,
			and(
				eq(documentVersionsTable.documentId, documentsTable.id),
				isNull(documentVersionsTable.supersededBy),
			),
		)
		.orderBy(documentsTable.slug);
}

export const ACCESS_LEVELS = ['public', 'nda', 'approval'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** Staff's access levels by slug (settings): they win over src/content/reports when content syncs. */
export const ACCESS_LEVEL_OVERRIDES = 'documents.access_levels';

/** A document and every version of it (no bytes), newest first. */
export async function getDocumentWithVersions(db: Executor, slug: string) {
	const [document] = await db.select().from(documentsTable).where(eq(documentsTable.slug, slug));
	if (!document) return null;
	const versions = await db
		.select({
			id: documentVersionsTable.id,
			filename: documentVersionsTable.filename,
			pages: documentVersionsTable.pages,
			byteLength: documentVersionsTable.byteLength,
			sha256: documentVersionsTable.sha256,
			periodStart: documentVersionsTable.periodStart,
			periodEnd: documentVersionsTable.periodEnd,
			supersededBy: documentVersionsTable.supersededBy,
			createdAt: documentVersionsTable.createdAt,
			uploadedBy: usersTable.name,
		})
		.from(documentVersionsTable)
		.leftJoin(usersTable, eq(usersTable.id, documentVersionsTable.uploadedBy))
		.where(eq(documentVersionsTable.documentId, document.id))
		.orderBy(desc(documentVersionsTable.id));
	return { document, versions };
}

export type DocumentChangeResult =
	{ ok: true } | { ok: false; reason: 'not_found' | 'already_superseded' | 'invalid_level' };

/**
 * Marks a version superseded: by the newest later version if there is one, otherwise by itself
 * (withdrawn, nothing replaces it), so it is no longer handed out and /verify says so.
 */
export async function supersedeDocumentVersion(
	db: Database,
	slug: string,
	versionId: number,
	actor: string,
): Promise<DocumentChangeResult> {
	return db.transaction(async (tx) => {
		const [version] = await tx
			.select({ id: documentVersionsTable.id, supersededBy: documentVersionsTable.supersededBy })
			.from(documentVersionsTable)
			.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
			.where(and(eq(documentsTable.slug, slug), eq(documentVersionsTable.id, versionId)))
			.for('update');
		if (!version) return { ok: false, reason: 'not_found' } as const;
		if (version.supersededBy !== null) return { ok: false, reason: 'already_superseded' } as const;
		const [newer] = await tx
			.select({ id: documentVersionsTable.id })
			.from(documentVersionsTable)
			.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
			.where(and(eq(documentsTable.slug, slug), gt(documentVersionsTable.id, versionId)))
			.orderBy(desc(documentVersionsTable.id))
			.limit(1);
		await tx
			.update(documentVersionsTable)
			.set({ supersededBy: newer?.id ?? versionId })
			.where(eq(documentVersionsTable.id, versionId));
		await appendAuditEvent(tx, {
			type: 'document.version_superseded',
			actor,
			subject: `document:${slug}`,
			data: { versionId, supersededBy: newer?.id ?? null },
		});
		return { ok: true } as const;
	});
}

/** Sets who may get a document: anyone (public), NDA, or NDA plus approval. */
export async function setDocumentAccessLevel(
	db: Database,
	slug: string,
	level: string,
	actor: string,
): Promise<DocumentChangeResult> {
	if (!ACCESS_LEVELS.includes(level as AccessLevel)) return { ok: false, reason: 'invalid_level' };
	return db.transaction(async (tx) => {
		const [document] = await tx
			.update(documentsTable)
			.set({ accessLevel: level as AccessLevel })
			.where(eq(documentsTable.slug, slug))
			.returning({ id: documentsTable.id });
		if (!document) return { ok: false, reason: 'not_found' } as const;
		const overrides =
			(await getSetting<Record<string, AccessLevel>>(tx, ACCESS_LEVEL_OVERRIDES)) ?? {};
		await setSetting(tx, ACCESS_LEVEL_OVERRIDES, { ...overrides, [slug]: level });
		await appendAuditEvent(tx, {
			type: 'document.access_changed',
			actor,
			subject: `document:${slug}`,
			data: { accessLevel: level },
		});
		return { ok: true } as const;
	});
}
