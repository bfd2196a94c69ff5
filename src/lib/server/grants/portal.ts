/**
 * The requester's portal: where each request stands, what they may download, the copies they
 * were issued and their NDA receipts.
 */
import { and, count, desc, eq, inArray, isNull, lte, ne } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import {
	accessRequestsTable,
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	grantDocumentsTable,
	grantsTable,
	ndaAcceptancesTable,
	ndaVersionsTable,
} from '../../../../db/schema.ts';

/** Everything the portal shows one requester: their requests and what they may download. */
export async function getPortal(db: Database, requesterId: number, now = new Date()) {
	const requests = await db
		.select({
			id: accessRequestsTable.id,
			state: accessRequestsTable.state,
			documents: accessRequestsTable.documentSlugs,
			createdAt: accessRequestsTable.createdAt,
			updatedAt: accessRequestsTable.updatedAt,
		})
		.from(accessRequestsTable)
		.where(
			and(
				eq(accessRequestsTable.requesterId, requesterId),
				ne(accessRequestsTable.state, 'unverified'),
			),
		)
		.orderBy(desc(accessRequestsTable.id));
	const titles = new Map(
		(
			await db
				.select({ slug: documentsTable.slug, title: documentsTable.title })
				.from(documentsTable)
		).map((d) => [d.slug, d.title]),
	);
	const grants = await db
		.select()
		.from(grantsTable)
		.where(eq(grantsTable.requesterId, requesterId))
		.orderBy(desc(grantsTable.id));
	const granted = [];
	for (const grant of grants) {
		const documents = await db
			.select({
				documentId: documentsTable.id,
				slug: documentsTable.slug,
				title: documentsTable.title,
				kind: documentsTable.kind,
				versionId: documentVersionsTable.id,
				pages: documentVersionsTable.pages,
				periodStart: documentVersionsTable.periodStart,
				periodEnd: documentVersionsTable.periodEnd,
				versionDate: documentVersionsTable.createdAt,
			})
			.from(grantDocumentsTable)
			.innerJoin(documentsTable, eq(documentsTable.id, grantDocumentsTable.documentId))
			.leftJoin(
				documentVersionsTable,
				and(
					eq(documentVersionsTable.documentId, documentsTable.id),
					isNull(documentVersionsTable.supersededBy),
				),
			)
			.where(eq(grantDocumentsTable.grantId, grant.id));
		const [used] = await db
			.select({ n: count() })
			.from(downloadsTable)
			.where(and(eq(downloadsTable.grantId, grant.id), ne(downloadsTable.status, 'failed')));
		const downloadsUsed = Number(used?.n ?? 0);
		granted.push({
			id: grant.id,
			createdAt: grant.createdAt,
			expiresAt: grant.expiresAt,
			revoked: grant.revokedAt !== null,
			revokedAt: grant.revokedAt,
			expired: grant.expiresAt <= now,
			downloadCap: grant.downloadCap,
			downloadsLeft:
				grant.downloadCap === null ? null : Math.max(0, grant.downloadCap - downloadsUsed),
			documents,
		});
	}
	// Which upload of its document each current version is (1 for the first), so a re-issued file
	// reads as a revision of the report rather than as its upload date.
	const revisions = new Map<number, number>();
	for (const doc of granted.flatMap((g) => g.documents)) {
		if (doc.versionId === null || revisions.has(doc.versionId)) continue;
		const [row] = await db
			.select({ n: count() })
			.from(documentVersionsTable)
			.where(
				and(
					eq(documentVersionsTable.documentId, doc.documentId),
					lte(documentVersionsTable.id, doc.versionId),
				),
			);
		revisions.set(doc.versionId, Number(row?.n ?? 1));
	}
	const copies = await db
		.select({
			copyId: downloadsTable.copyId,
			issuedAt: downloadsTable.createdAt,
			documentSlug: documentsTable.slug,
			documentTitle: documentsTable.title,
		})
		.from(downloadsTable)
		.innerJoin(
			documentVersionsTable,
			eq(documentVersionsTable.id, downloadsTable.documentVersionId),
		)
		.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
		.where(
			and(
				eq(downloadsTable.requesterId, requesterId),
				// Only copies that left the server are theirs to verify (as on /verify/<id>).
				eq(downloadsTable.status, 'served'),
				granted.length
					? inArray(
							downloadsTable.grantId,
							granted.map((g) => g.id),
						)
					: undefined,
			),
		)
		.orderBy(desc(downloadsTable.id));
	const acceptances = await db
		.select({
			id: ndaAcceptancesTable.id,
			version: ndaVersionsTable.version,
			acceptedAt: ndaAcceptancesTable.acceptedAt,
			textSha256: ndaAcceptancesTable.textSha256,
		})
		.from(ndaAcceptancesTable)
		.innerJoin(ndaVersionsTable, eq(ndaVersionsTable.id, ndaAcceptancesTable.ndaVersionId))
		.where(eq(ndaAcceptancesTable.requesterId, requesterId))
		.orderBy(desc(ndaAcceptancesTable.acceptedAt));
	return {
		requests: requests.map((r) => ({
			...r,
			documentTitles: r.documents.map((slug) => titles.get(slug) ?? slug),
		})),
		grants: granted.map((grant) => ({
			...grant,
			documents: grant.documents.map((d) => ({
				...d,
				revision: d.versionId ? (revisions.get(d.versionId) ?? 1) : null,
			})),
		})),
		copies,
		acceptances,
	};
}
