/** Grants: what an approved requester may download, until when, and how many times. */
import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
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
		/** Staff's choice of documents; by default, those the request asked for. */
		documentSlugs?: string[] | null;
	},
): Promise<number> {
	const row = await getRequestWithRequester(tx, requestId);
	const slugs = options.documentSlugs ?? row.request.documentSlugs;
	const days = options.grantDays ?? ctx.config.grantDays;
	const expiresAt = new Date(options.now.getTime() + days * 86_400_000);
	const documents = await tx
		.select({ id: documentsTable.id, slug: documentsTable.slug, title: documentsTable.title })
		.from(documentsTable)
		.where(
			and(
				inArray(documentsTable.slug, slugs.length ? slugs : ['']),
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

export type GrantChangeResult =
	| { ok: true }
	| { ok: false; reason: 'not_found' | 'revoked' | 'nothing_to_change' | 'expiry_in_past' };

/**
 * Extends a grant: a later expiry and/or a new download cap. A revoked grant stays revoked (grant
 * access again by approving a new request).
 */
export async function extendGrant(
	db: Database,
	grantId: number,
	change: { expiresAt?: Date | null; downloadCap?: number | null },
	options: { actor: string; now?: Date },
): Promise<GrantChangeResult> {
	const now = options.now ?? new Date();
	if (!change.expiresAt && !change.downloadCap) return { ok: false, reason: 'nothing_to_change' };
	if (change.expiresAt && change.expiresAt <= now) return { ok: false, reason: 'expiry_in_past' };
	return db.transaction(async (tx) => {
		// Locked, so an extension and a revocation at the same moment apply one after the other.
		const [grant] = await tx
			.select()
			.from(grantsTable)
			.where(eq(grantsTable.id, grantId))
			.for('update');
		if (!grant) return { ok: false, reason: 'not_found' } as const;
		if (grant.revokedAt) return { ok: false, reason: 'revoked' } as const;
		const set = {
			...(change.expiresAt ? { expiresAt: change.expiresAt } : {}),
			...(change.downloadCap ? { downloadCap: change.downloadCap } : {}),
		};
		await tx.update(grantsTable).set(set).where(eq(grantsTable.id, grantId));
		await appendAuditEvent(tx, {
			type: 'grant.extended',
			actor: options.actor,
			subject: `grant:${grantId}`,
			data: {
				from: { expiresAt: grant.expiresAt.toISOString(), downloadCap: grant.downloadCap },
				to: {
					expiresAt: (change.expiresAt ?? grant.expiresAt).toISOString(),
					downloadCap: change.downloadCap ?? grant.downloadCap,
				},
			},
		});
		return { ok: true } as const;
	});
}

/**
 * Ends a grant. Every download checks the grant first, so the reviewer's next download is refused;
 * copies already handed out stay traceable.
 */
export async function revokeGrant(
	db: Database,
	grantId: number,
	options: { actor: string; revokedBy?: number | null; now?: Date },
): Promise<GrantChangeResult> {
	const now = options.now ?? new Date();
	return db.transaction(async (tx) => {
		const [grant] = await tx
			.select({ revokedAt: grantsTable.revokedAt })
			.from(grantsTable)
			.where(eq(grantsTable.id, grantId))
			.for('update');
		if (!grant) return { ok: false, reason: 'not_found' } as const;
		if (grant.revokedAt) return { ok: false, reason: 'revoked' } as const;
		await tx
			.update(grantsTable)
			.set({ revokedAt: now, revokedBy: options.revokedBy ?? null })
			.where(eq(grantsTable.id, grantId));
		await appendAuditEvent(tx, {
			type: 'grant.revoked',
			actor: options.actor,
			subject: `grant:${grantId}`,
			data: {},
		});
		return { ok: true } as const;
	});
}
