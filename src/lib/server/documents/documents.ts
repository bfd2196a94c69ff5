/**
 * Documents and their versions. The bytes of every version live only in the database: never in
 * public/, the repository or dist/.
 */
import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { documentsTable, documentVersionsTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { sha256Hex } from '../platform/crypto.ts';
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
