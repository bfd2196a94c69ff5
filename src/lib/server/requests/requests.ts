/**
 * The requester's journey: request → verified email → NDA → decision (rule or staff) → grant.
 * Every step changes state, writes its audit event and queues its email in one transaction.
 */
import { and, asc, count, desc, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import {
	accessRequestsTable,
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	grantDocumentsTable,
	grantsTable,
	ndaAcceptancesTable,
	ndaClaimsTable,
	ndaVersionsTable,
	requestersTable,
	usersTable,
} from '../../../../db/schema.ts';
import { appendAuditEvent, type Executor } from '../audit/audit.ts';
import type { Config } from '../platform/config.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { generateNdaReceipt } from '../pdf/nda-receipt.ts';
import { decide, listRules, type PolicyDecision } from './policy.ts';
import { createRequesterSession, type Requester } from '../auth/requester-session.ts';
import { consumeOneTimeToken, createOneTimeToken, MAGIC_LINK_TTL_MS } from '../auth/tokens.ts';

export interface JourneyContext {
	db: Database;
	config: Config;
	/** The company whose trust center this is, for emails ("Kestrel Analytics"). */
	companyName: string;
	/** NDA titles by version, from the content (the database keeps only the text). */
	ndaTitles?: Record<string, string>;
	now?: Date;
}

export interface RequestMeta {
	ip: string | null;
	userAgent: string | null;
}

export interface AccessRequestInput {
	name: string;
	email: string;
	company: string;
	title: string;
	reason: string;
	documents: string[];
}

type RequestState = (typeof accessRequestsTable.$inferSelect)['state'];

const ndaTitle = (ctx: JourneyContext, version: string) =>
	ctx.ndaTitles?.[version] ?? `${ctx.companyName} NDA`;
const trustCenter = (ctx: JourneyContext) => `${ctx.companyName} Trust Center`;
const url = (ctx: JourneyContext, path: string) => `${ctx.config.siteUrl}${path}`;

/** Documents a requester may ask for: every document that is not public. */
export async function listRequestableDocuments(db: Executor) {
	return db
		.select({
			slug: documentsTable.slug,
			title: documentsTable.title,
			accessLevel: documentsTable.accessLevel,
		})
		.from(documentsTable)
		.where(ne(documentsTable.accessLevel, 'public'))
		.orderBy(asc(documentsTable.id));
}

async function documentTitles(tx: Executor, slugs: string[]): Promise<string[]> {
	if (slugs.length === 0) return [];
	const rows = await tx
		.select({ slug: documentsTable.slug, title: documentsTable.title })
		.from(documentsTable)
		.where(inArray(documentsTable.slug, slugs));
	return slugs.map((slug) => rows.find((r) => r.slug === slug)?.title ?? slug);
}

/**
 * Records a request and emails a magic link. The caller answers the same way whatever happens
 * here, so the reply never tells whether an email address is known.
 */
export async function createAccessRequest(
	ctx: JourneyContext,
	input: AccessRequestInput,
	meta: RequestMeta,
): Promise<{ requestId: number }> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		let [requester] = await tx
			.select()
			.from(requestersTable)
			.where(eq(requestersTable.email, input.email));
		if (!requester) {
			// Name and company are only trusted (copied to the requester) once the email is verified.
			[requester] = await tx
				.insert(requestersTable)
				.values({
					email: input.email,
					name: input.name,
					company: input.company,
					title: input.title,
				})
				.returning();
		}
		if (!requester) throw new Error('Inserting the requester returned nothing');
		const [request] = await tx
			.insert(accessRequestsTable)
			.values({
				requesterId: requester.id,
				documentSlugs: input.documents,
				reason: input.reason || null,
				company: input.company,
				title: input.title,
				ip: meta.ip,
				userAgent: meta.userAgent?.slice(0, 500) ?? null,
				createdAt: now,
				updatedAt: now,
			})
			.returning({ id: accessRequestsTable.id });
		if (!request) throw new Error('Inserting the request returned nothing');
		const token = await createOneTimeToken(tx, {
			purpose: 'verify-email',
			requestId: request.id,
			now,
		});
		await enqueueEmail(tx, ctx.config, {
			to: input.email,
			template: 'verify-email',
			props: {
				name: input.name,
				trustCenterName: trustCenter(ctx),
				verifyUrl: url(ctx, `/verify?token=${token}`),
				expiresMinutes: MAGIC_LINK_TTL_MS / 60_000,
				documents: await documentTitles(tx, input.documents),
			},
		});
		await appendAuditEvent(tx, {
			type: 'request.created',
			actor: `requester:${requester.id}`,
			subject: `request:${request.id}`,
			data: { email: input.email, documents: input.documents, ip: meta.ip },
		});
		return { requestId: request.id };
	});
}

export type VerifyResult =
	| { ok: true; sessionToken: string; requestId: number; next: 'nda' | 'portal' }
	| { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** The magic link's POST: uses the token, verifies the request, opens a requester session. */
export async function verifyAccessRequest(
	ctx: JourneyContext,
	token: string,
	meta: RequestMeta,
): Promise<VerifyResult> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		const used = await consumeOneTimeToken(tx, token, 'verify-email', now);
		if (!used.ok) return used;
		const [request] = await tx
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.id, used.requestId));
		if (!request) throw new Error(`Token points at missing request ${used.requestId}`);
		if (request.state === 'unverified') {
			await setState(tx, request.id, 'verified', now);
			await tx
				.update(requestersTable)
				.set({ company: request.company ?? undefined, title: request.title })
				.where(eq(requestersTable.id, request.requesterId));
		}
		const sessionToken = await createRequesterSession(tx, request.requesterId, now);
		await appendAuditEvent(tx, {
			type: 'request.verified',
			actor: `requester:${request.requesterId}`,
			subject: `request:${request.id}`,
			data: { ip: meta.ip },
		});
		const onFile = await ndaOnFile(tx, request.requesterId, now);
		if (onFile && request.state === 'unverified') {
			await setState(tx, request.id, 'nda_accepted', now);
			await applyPolicy(tx, ctx, request.id, now);
			return { ok: true, sessionToken, requestId: request.id, next: 'portal' };
		}
		return { ok: true, sessionToken, requestId: request.id, next: onFile ? 'portal' : 'nda' };
	});
}

/** The NDA version in force today (from the content, mirrored in the database). */
export async function getCurrentNdaVersion(db: Executor, now = new Date()) {
	const today = now.toISOString().slice(0, 10);
	const rows = await db
		.select()
		.from(ndaVersionsTable)
		.orderBy(desc(ndaVersionsTable.effectiveDate));
	return rows.find((r) => r.effectiveDate <= today) ?? null;
}

/** Whether the requester accepted the current NDA version, or staff confirmed an NDA on file. */
async function ndaOnFile(tx: Executor, requesterId: number, now: Date): Promise<boolean> {
	const current = await getCurrentNdaVersion(tx, now);
	if (current) {
		const [accepted] = await tx
			.select({ id: ndaAcceptancesTable.id })
			.from(ndaAcceptancesTable)
			.where(
				and(
					eq(ndaAcceptancesTable.requesterId, requesterId),
					eq(ndaAcceptancesTable.ndaVersionId, current.id),
				),
			)
			.limit(1);
		if (accepted) return true;
	}
	const [claim] = await tx
		.select({ id: ndaClaimsTable.id })
		.from(ndaClaimsTable)
		.where(and(eq(ndaClaimsTable.requesterId, requesterId), eq(ndaClaimsTable.status, 'confirmed')))
		.limit(1);
	return Boolean(claim);
}

export async function requesterNeedsNda(
	db: Database,
	requesterId: number,
	now = new Date(),
): Promise<boolean> {
	return !(await ndaOnFile(db, requesterId, now));
}

export type AcceptNdaResult =
	| { ok: true; acceptanceId: number; decided: number }
	| { ok: false; reason: 'nda_changed' | 'no_nda' };

/**
 * Records a click-through acceptance as evidence (never overwritten), emails the receipt PDF and
 * decides every request of this requester that waited for it.
 */
export async function acceptNda(
	ctx: JourneyContext,
	requester: Requester,
	input: { ndaVersion: string; textSha256: string; signerName: string; signerTitle: string },
	meta: RequestMeta,
): Promise<AcceptNdaResult> {
	const now = ctx.now ?? new Date();
	const userAgent = meta.userAgent?.slice(0, 500) ?? null;
	const nda = await getCurrentNdaVersion(ctx.db, now);
	if (!nda) return { ok: false, reason: 'no_nda' };
	// The form carries the hash of the text it showed: accept only what the signer actually saw.
	if (nda.version !== input.ndaVersion || nda.sha256 !== input.textSha256)
		return { ok: false, reason: 'nda_changed' };
	const receiptInput = {
		trustCenterName: trustCenter(ctx),
		ndaTitle: ndaTitle(ctx, nda.version),
		ndaVersion: nda.version,
		ndaEffectiveDate: nda.effectiveDate,
		ndaText: nda.text,
		textSha256: nda.sha256,
		signerName: input.signerName,
		signerTitle: input.signerTitle,
		signerCompany: requester.company,
		signerEmail: requester.email,
		ip: meta.ip,
		// The same (bounded) value as stored, so a receipt rebuilt later matches the emailed one.
		userAgent,
		acceptedAt: now,
	};
	return ctx.db.transaction(async (tx) => {
		const waiting = await tx
			.select({ id: accessRequestsTable.id })
			.from(accessRequestsTable)
			.where(
				and(
					eq(accessRequestsTable.requesterId, requester.id),
					eq(accessRequestsTable.state, 'verified'),
				),
			)
			.orderBy(asc(accessRequestsTable.id));
		const [acceptance] = await tx
			.insert(ndaAcceptancesTable)
			.values({
				ndaVersionId: nda.id,
				textSha256: nda.sha256,
				requesterId: requester.id,
				signerName: input.signerName,
				signerTitle: input.signerTitle,
				company: requester.company,
				email: requester.email,
				ip: meta.ip,
				userAgent,
				acceptedAt: now,
				// The request that asked for it; the row is append-only, so it is set here or never.
				requestId: waiting[0]?.id ?? null,
			})
			.returning({ id: ndaAcceptancesTable.id });
		if (!acceptance) throw new Error('Inserting the NDA acceptance returned nothing');
		const receipt = await generateNdaReceipt({ ...receiptInput, acceptanceId: acceptance.id });
		await enqueueEmail(tx, ctx.config, {
			to: requester.email,
			template: 'nda-receipt',
			props: {
				name: input.signerName,
				trustCenterName: trustCenter(ctx),
				ndaTitle: receiptInput.ndaTitle,
				ndaVersion: nda.version,
				acceptedAt: now.toISOString(),
				textSha256: nda.sha256,
				portalUrl: url(ctx, '/portal'),
			},
			attachments: [
				{
					filename: `nda-receipt-${acceptance.id}.pdf`,
					contentType: 'application/pdf',
					content: receipt,
				},
			],
		});
		await appendAuditEvent(tx, {
			type: 'nda.accepted',
			actor: `requester:${requester.id}`,
			subject: `nda:${nda.version}`,
			data: {
				acceptanceId: acceptance.id,
				textSha256: nda.sha256,
				signerName: input.signerName,
				signerTitle: input.signerTitle,
				ip: meta.ip,
			},
		});
		for (const request of waiting) {
			await setState(tx, request.id, 'nda_accepted', now);
			await applyPolicy(tx, ctx, request.id, now);
		}
		return { ok: true, acceptanceId: acceptance.id, decided: waiting.length };
	});
}

/** "We already have an NDA/MSA with you": staff confirm it instead of the click-through. */
export async function claimExistingNda(
	ctx: JourneyContext,
	requester: Requester,
	input: { reference: string; signedOn: string | null },
	meta: RequestMeta,
): Promise<{ claimed: number }> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		const waiting = await tx
			.select()
			.from(accessRequestsTable)
			.where(
				and(
					eq(accessRequestsTable.requesterId, requester.id),
					eq(accessRequestsTable.state, 'verified'),
				),
			);
		for (const request of waiting) {
			await tx.insert(ndaClaimsTable).values({
				requestId: request.id,
				requesterId: requester.id,
				reference: input.reference,
				signedOn: input.signedOn,
				createdAt: now,
			});
			await setState(tx, request.id, 'pending', now);
			await appendAuditEvent(tx, {
				type: 'nda.claimed',
				actor: `requester:${requester.id}`,
				subject: `request:${request.id}`,
				data: { reference: input.reference, signedOn: input.signedOn, ip: meta.ip },
			});
			await notifyReview(tx, ctx, request.id, {
				action: 'review',
				rule: null,
				why: `the requester says an NDA or MSA is already signed (reference "${input.reference}"${input.signedOn ? `, signed ${input.signedOn}` : ''}); confirm it before approving`,
			});
		}
		return { claimed: waiting.length };
	});
}

/** Runs the approval rules on a request whose NDA is settled. */
async function applyPolicy(
	tx: Executor,
	ctx: JourneyContext,
	requestId: number,
	now: Date,
): Promise<PolicyDecision> {
	const { requester } = await getRequestWithRequester(tx, requestId);
	const decision = decide(await listRules(tx, now), requester.email, now);
	await tx
		.update(accessRequestsTable)
		.set({ ruleId: decision.rule?.id ?? null })
		.where(eq(accessRequestsTable.id, requestId));
	await appendAuditEvent(tx, {
		type: 'request.policy',
		actor: 'system',
		subject: `request:${requestId}`,
		data: { action: decision.action, ruleId: decision.rule?.id ?? null, why: decision.why },
	});
	if (decision.action === 'approve') {
		await grantRequest(tx, ctx, requestId, {
			actor: 'system',
			grantDays: decision.rule?.grantDays ?? null,
			downloadCap: decision.rule?.downloadCap ?? null,
			now,
		});
	} else if (decision.action === 'deny') {
		await setState(tx, requestId, 'denied', now, { decidedAt: now, decisionNote: decision.why });
		await appendAuditEvent(tx, {
			type: 'request.denied',
			actor: 'system',
			subject: `request:${requestId}`,
			data: { why: decision.why },
		});
	} else {
		await setState(tx, requestId, 'pending', now);
		await notifyReview(tx, ctx, requestId, decision);
	}
	return decision;
}

async function getRequestWithRequester(tx: Executor, requestId: number) {
	const [row] = await tx
		.select({ request: accessRequestsTable, requester: requestersTable })
		.from(accessRequestsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, accessRequestsTable.requesterId))
		.where(eq(accessRequestsTable.id, requestId));
	if (!row) throw new Error(`No request ${requestId}`);
	return row;
}

async function notifyReview(
	tx: Executor,
	ctx: JourneyContext,
	requestId: number,
	decision: PolicyDecision,
): Promise<void> {
	const row = await getRequestWithRequester(tx, requestId);
	const documents = await documentTitles(tx, row.request.documentSlugs);
	const staff = await tx
		.select({ email: usersTable.email })
		.from(usersTable)
		.where(isNull(usersTable.disabledAt));
	if (staff.length === 0) {
		console.warn(
			`Request ${requestId} waits for review, but there are no staff accounts to tell (npx trustroom users create).`,
		);
	}
	const [nda] = await tx
		.select({ version: ndaVersionsTable.version, at: ndaAcceptancesTable.acceptedAt })
		.from(ndaAcceptancesTable)
		.innerJoin(ndaVersionsTable, eq(ndaVersionsTable.id, ndaAcceptancesTable.ndaVersionId))
		.where(eq(ndaAcceptancesTable.requesterId, row.requester.id))
		.orderBy(desc(ndaAcceptancesTable.acceptedAt))
		.limit(1);
	for (const { email } of staff) {
		await enqueueEmail(tx, ctx.config, {
			to: email,
			template: 'staff-review',
			props: {
				trustCenterName: trustCenter(ctx),
				requesterName: row.requester.name,
				requesterEmail: row.requester.email,
				requesterCompany: row.request.company ?? row.requester.company,
				requesterTitle: row.request.title,
				reason: row.request.reason,
				documents,
				ndaStatus: nda
					? `accepted NDA ${nda.version} on ${nda.at.toISOString().slice(0, 10)}`
					: 'no click-through NDA accepted',
				why: decision.why,
				requestId,
				approveCommand: `npx trustroom requests approve ${requestId}`,
			},
		});
	}
	await enqueueEmail(tx, ctx.config, {
		to: row.requester.email,
		template: 'request-received',
		props: {
			name: row.requester.name,
			trustCenterName: trustCenter(ctx),
			statusUrl: url(ctx, '/portal'),
			documents,
		},
	});
}

/** Creates the grant for a request and emails the requester (within the caller's transaction). */
async function grantRequest(
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
	await setState(tx, requestId, 'approved', options.now, {
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
	await enqueueEmail(tx, ctx.config, {
		to: row.requester.email,
		template: 'access-granted',
		props: {
			name: row.requester.name,
			trustCenterName: trustCenter(ctx),
			portalUrl: url(ctx, '/portal'),
			documents: documents.map((d) => {
				const p = periods.find((x) => x.documentId === d.id);
				return { title: d.title, period: p?.start && p.end ? `${p.start} to ${p.end}` : null };
			}),
			expiresOn: expiresAt.toISOString().slice(0, 10),
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

export type StaffDecisionResult =
	| { ok: true; grantId?: number }
	| { ok: false; reason: 'not_found' | 'not_pending'; state?: RequestState };

/** Staff approval of a request waiting for review (confirms an NDA claim on it, too). */
/**
 * Locks a request for a staff decision; it must be waiting for review. Settles an NDA claim on it
 * the same way. Returns the refusal, or null when the decision may go ahead.
 */
async function settlePending(
	tx: Executor,
	requestId: number,
	claim: 'confirmed' | 'rejected',
	now: Date,
	decidedBy: number | null | undefined,
): Promise<Extract<StaffDecisionResult, { ok: false }> | null> {
	const [request] = await tx
		.select({ state: accessRequestsTable.state })
		.from(accessRequestsTable)
		.where(eq(accessRequestsTable.id, requestId))
		.for('update');
	if (!request) return { ok: false, reason: 'not_found' };
	if (request.state !== 'pending')
		return { ok: false, reason: 'not_pending', state: request.state };
	await tx
		.update(ndaClaimsTable)
		.set({ status: claim, decidedAt: now, decidedBy: decidedBy ?? null })
		.where(and(eq(ndaClaimsTable.requestId, requestId), eq(ndaClaimsTable.status, 'pending')));
	return null;
}

export async function approveRequest(
	ctx: JourneyContext,
	requestId: number,
	options: {
		actor: string;
		decidedBy?: number | null;
		grantDays?: number | null;
		downloadCap?: number | null;
	},
): Promise<StaffDecisionResult> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		const refused = await settlePending(tx, requestId, 'confirmed', now, options.decidedBy);
		if (refused) return refused;
		const grantId = await grantRequest(tx, ctx, requestId, {
			actor: options.actor,
			grantDays: options.grantDays ?? null,
			downloadCap: options.downloadCap ?? null,
			now,
			decidedBy: options.decidedBy ?? null,
		});
		await appendAuditEvent(tx, {
			type: 'request.approved',
			actor: options.actor,
			subject: `request:${requestId}`,
			data: { grantId },
		});
		return { ok: true, grantId };
	});
}

export async function denyRequest(
	ctx: JourneyContext,
	requestId: number,
	options: { actor: string; decidedBy?: number | null; note?: string | null },
): Promise<StaffDecisionResult> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		const refused = await settlePending(tx, requestId, 'rejected', now, options.decidedBy);
		if (refused) return refused;
		await setState(tx, requestId, 'denied', now, {
			decidedAt: now,
			decidedBy: options.decidedBy ?? null,
			decisionNote: options.note ?? null,
		});
		await appendAuditEvent(tx, {
			type: 'request.denied',
			actor: options.actor,
			subject: `request:${requestId}`,
			data: { note: options.note ?? null },
		});
		return { ok: true };
	});
}

export async function listRequests(db: Database, filter: { state?: RequestState } = {}) {
	return db
		.select({
			id: accessRequestsTable.id,
			state: accessRequestsTable.state,
			createdAt: accessRequestsTable.createdAt,
			documents: accessRequestsTable.documentSlugs,
			email: requestersTable.email,
			name: requestersTable.name,
			company: accessRequestsTable.company,
			title: accessRequestsTable.title,
			reason: accessRequestsTable.reason,
		})
		.from(accessRequestsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, accessRequestsTable.requesterId))
		.where(filter.state ? eq(accessRequestsTable.state, filter.state) : undefined)
		.orderBy(desc(accessRequestsTable.id));
}

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

/** Rebuilds the receipt PDF of one of the requester's own acceptances (null if not theirs). */
export async function getNdaReceipt(
	ctx: JourneyContext,
	requesterId: number,
	acceptanceId: number,
): Promise<Uint8Array | null> {
	const [row] = await ctx.db
		.select({ acceptance: ndaAcceptancesTable, nda: ndaVersionsTable })
		.from(ndaAcceptancesTable)
		.innerJoin(ndaVersionsTable, eq(ndaVersionsTable.id, ndaAcceptancesTable.ndaVersionId))
		.where(
			and(
				eq(ndaAcceptancesTable.id, acceptanceId),
				eq(ndaAcceptancesTable.requesterId, requesterId),
			),
		);
	if (!row) return null;
	const { acceptance, nda } = row;
	return generateNdaReceipt({
		trustCenterName: trustCenter(ctx),
		ndaTitle: ndaTitle(ctx, nda.version),
		ndaVersion: nda.version,
		ndaEffectiveDate: nda.effectiveDate,
		ndaText: nda.text,
		textSha256: acceptance.textSha256,
		signerName: acceptance.signerName,
		signerTitle: acceptance.signerTitle,
		signerCompany: acceptance.company,
		signerEmail: acceptance.email,
		ip: acceptance.ip,
		userAgent: acceptance.userAgent,
		acceptedAt: acceptance.acceptedAt,
		acceptanceId: acceptance.id,
	});
}

async function setState(
	tx: Executor,
	requestId: number,
	state: RequestState,
	now: Date,
	extra: Partial<typeof accessRequestsTable.$inferInsert> = {},
): Promise<void> {
	await tx
		.update(accessRequestsTable)
		.set({ ...extra, state, updatedAt: now })
		.where(eq(accessRequestsTable.id, requestId));
}
