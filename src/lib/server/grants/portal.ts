/** The requester's portal: where each request stands, what they may download, their receipts. */
import { and, count, desc, eq, isNull, ne } from 'drizzle-orm';
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
			expiresAt: grant.expiresAt,
			revoked: grant.revokedAt !== null,
			expired: grant.expiresAt <= now,
			downloadCap: grant.downloadCap,
			downloadsLeft:
				grant.downloadCap === null ? null : Math.max(0, grant.downloadCap - downloadsUsed),
			documents,
		});
	}
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
		grants: granted,
		acceptances,
	};
}
