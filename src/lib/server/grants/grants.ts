/** Grants: what an approved requester may download, until when, and how many times. */
import { and, inArray, isNull, ne } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import {
	documentsTable,
	documentVersionsTable,
	grantDocumentsTable,
	grantsTable,
} from '../../../../db/schema.ts';
import { formatDateTime, formatPeriod } from '../../content/dates.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { type JourneyContext, siteLink, trustCenterName } from '../requests/context.ts';
import { getRequestWithRequester, setRequestState } from '../requests/requests.ts';

/** Creates the grant for a request and emails the requester (within the caller's transaction). */
export async function createGrant(
	tx: Executor,
	ctx: JourneyContext,
	requestId: number,
	options: {
		actor: string;
		grantDays: number | null;
		downloadCap: number | null;
		now: Date;
		decidedBy?: number | null;
	},
): Promise<number> {
	const row = await getRequestWithRequester(tx, requestId);
	const days = options.grantDays ?? ctx.config.grantDays;
	const expiresAt = new Date(options.now.getTime() + days * 86_400_000);
	const documents = await tx
		.select({ id: documentsTable.id, slug: documentsTable.slug, title: documentsTable.title })
		.from(documentsTable)
		.where(
			and(
				inArray(documentsTable.slug, row.request.documentSlugs),
				ne(documentsTable.accessLevel, 'public'),
			),
		);
	const [grant] = await tx
		.insert(grantsTable)
		.values({
			requesterId: row.requester.id,
			requestId,
			expiresAt,
			downloadCap: options.downloadCap,
			createdBy: options.decidedBy ?? null,
			createdAt: options.now,
		})
		.returning({ id: grantsTable.id });
	if (!grant) throw new Error('Inserting the grant returned nothing');
	if (documents.length > 0) {
		await tx
			.insert(grantDocumentsTable)
			.values(documents.map((d) => ({ grantId: grant.id, documentId: d.id })));
	}
	await setRequestState(tx, requestId, 'approved', options.now, {
		decidedAt: options.now,
		decidedBy: options.decidedBy ?? null,
		grantId: grant.id,
	});
	const periods = await tx
		.select({
			documentId: documentVersionsTable.documentId,
			start: documentVersionsTable.periodStart,
			end: documentVersionsTable.periodEnd,
		})
		.from(documentVersionsTable)
		.where(
			and(
				inArray(
					documentVersionsTable.documentId,
					documents.length ? documents.map((d) => d.id) : [-1],
				),
				isNull(documentVersionsTable.supersededBy),
			),
		);
	await enqueueEmail(tx, ctx, {
		to: row.requester.email,
		template: 'access-granted',
		props: {
			name: row.requester.name,
			trustCenterName: trustCenterName(ctx),
			portalUrl: siteLink(ctx, '/portal'),
			documents: documents.map((d) => {
				const p = periods.find((x) => x.documentId === d.id);
				return { title: d.title, period: p?.start && p.end ? formatPeriod(p.start, p.end) : null };
			}),
			expiresOn: formatDateTime(expiresAt),
			downloadCap: options.downloadCap,
		},
	});
	await appendAuditEvent(tx, {
		type: 'grant.created',
		actor: options.actor,
		subject: `grant:${grant.id}`,
		data: {
			requestId,
			requesterId: row.requester.id,
			documents: documents.map((d) => d.slug),
			expiresAt: expiresAt.toISOString(),
			downloadCap: options.downloadCap,
		},
	});
	return grant.id;
}
