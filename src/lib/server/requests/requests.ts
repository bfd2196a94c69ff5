/**
 * Access requests: the form a reviewer sends, the request rows and their states. Every step
 * changes state, writes its audit event and queues its email in one transaction.
 */
import { and, asc, desc, eq, gt, inArray, ne } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { accessRequestsTable, documentsTable, requestersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createOneTimeToken, MAGIC_LINK_TTL_MS } from '../auth/tokens.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { fieldErrors } from '../platform/input.ts';
import { consumeRequestLimits } from '../platform/rate-limit.ts';
import { type JourneyContext, type RequestMeta, siteLink, trustCenterName } from './context.ts';
import { requestFormSchema, type RequestFormValues } from './forms.ts';

export interface AccessRequestInput {
	name: string;
	email: string;
	company: string;
	title: string;
	reason: string;
	documents: string[];
	/** The share link this request came through (a rep already decided: no staff review). */
	shareLinkId?: number | null;
}

export type RequestState = (typeof accessRequestsTable.$inferSelect)['state'];

/** How long an identical, unconfirmed request counts as a double submit of the first. */
const REPEAT_WINDOW_MS = 2 * 60 * 1000;

const sameSet = (a: string[], b: string[]) =>
	a.length === b.length && a.every((item) => b.includes(item));

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

/** Titles for document slugs, in the order given (an unknown slug stands for itself). */
export async function getDocumentTitles(tx: Executor, slugs: string[]): Promise<string[]> {
	if (slugs.length === 0) return [];
	const rows = await tx
		.select({ slug: documentsTable.slug, title: documentsTable.title })
		.from(documentsTable)
		.where(inArray(documentsTable.slug, slugs));
	return slugs.map((slug) => rows.find((r) => r.slug === slug)?.title ?? slug);
}

export type RequestFormResult =
	| { ok: true; email: string }
	| { ok: false; reason: 'invalid'; errors: Record<string, string> }
	| { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/**
 * The request form's POST: validates what was typed, counts it against the per-IP and
 * per-address limits, then records the request and emails a magic link.
 */
export async function submitAccessRequestForm(
	ctx: JourneyContext,
	values: RequestFormValues,
	meta: RequestMeta,
): Promise<RequestFormResult> {
	const parsed = requestFormSchema.safeParse(values);
	if (!parsed.success) return { ok: false, reason: 'invalid', errors: fieldErrors(parsed.error) };
	const offered = await listRequestableDocuments(ctx.db);
	if (parsed.data.documents.some((slug) => !offered.some((d) => d.slug === slug)))
		return { ok: false, reason: 'invalid', errors: { documents: 'Pick documents from the list' } };
	const limit = await consumeRequestLimits(
		ctx.db,
		{ perIp: ctx.config.rateLimitPerIp, perEmail: ctx.config.rateLimitPerEmail },
		{ ip: meta.ip, email: parsed.data.email },
	);
	if (!limit.ok)
		return { ok: false, reason: 'rate_limited', retryAfterSeconds: limit.retryAfterSeconds };
	await createAccessRequest(ctx, parsed.data, meta);
	return { ok: true, email: parsed.data.email };
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
		// Name, company and title are trusted (copied to the requester) only once the email is
		// verified. Insert-or-nothing, so two first requests at once do not collide on the address.
		await tx
			.insert(requestersTable)
			.values({ email: input.email, name: input.name, company: input.company, title: input.title })
			.onConflictDoNothing({ target: requestersTable.email });
		const [requester] = await tx
			.select()
			.from(requestersTable)
			.where(eq(requestersTable.email, input.email));
		if (!requester) throw new Error('Inserting the requester returned nothing');
		// A double submit (every field the same, link not yet used) is the same request:
		// answer as for the first, without a second row or a second email.
		const [repeat] = await tx
			.select({
				id: accessRequestsTable.id,
				documents: accessRequestsTable.documentSlugs,
				name: accessRequestsTable.name,
				company: accessRequestsTable.company,
				title: accessRequestsTable.title,
				reason: accessRequestsTable.reason,
				shareLinkId: accessRequestsTable.shareLinkId,
			})
			.from(accessRequestsTable)
			.where(
				and(
					eq(accessRequestsTable.requesterId, requester.id),
					eq(accessRequestsTable.state, 'unverified'),
					gt(accessRequestsTable.createdAt, new Date(now.getTime() - REPEAT_WINDOW_MS)),
				),
			)
			.orderBy(desc(accessRequestsTable.id))
			.limit(1);
		if (
			repeat &&
			sameSet(repeat.documents, input.documents) &&
			repeat.name === input.name &&
			repeat.company === input.company &&
			repeat.title === input.title &&
			(repeat.reason ?? '') === input.reason &&
			repeat.shareLinkId === (input.shareLinkId ?? null)
		)
			return { requestId: repeat.id };
		const [request] = await tx
			.insert(accessRequestsTable)
			.values({
				requesterId: requester.id,
				documentSlugs: input.documents,
				reason: input.reason || null,
				name: input.name,
				company: input.company,
				title: input.title,
				shareLinkId: input.shareLinkId ?? null,
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
		await enqueueEmail(tx, ctx, {
			to: input.email,
			template: 'verify-email',
			props: {
				name: input.name,
				trustCenterName: trustCenterName(ctx),
				verifyUrl: siteLink(ctx, `/verify?token=${token}`),
				expiresMinutes: MAGIC_LINK_TTL_MS / 60_000,
				documents: await getDocumentTitles(tx, input.documents),
			},
		});
		await appendAuditEvent(tx, {
			type: 'request.created',
			actor: `requester:${requester.id}`,
			subject: `request:${request.id}`,
			data: {
				email: input.email,
				documents: input.documents,
				ip: meta.ip,
				...(input.shareLinkId ? { shareLinkId: input.shareLinkId } : {}),
			},
		});
		return { requestId: request.id };
	});
}

export async function getRequestWithRequester(tx: Executor, requestId: number) {
	const [row] = await tx
		.select({ request: accessRequestsTable, requester: requestersTable })
		.from(accessRequestsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, accessRequestsTable.requesterId))
		.where(eq(accessRequestsTable.id, requestId));
	if (!row) throw new Error(`No request ${requestId}`);
	return row;
}

/** Serialises a requester's form submissions (a double click) within the caller's transaction. */
export async function lockRequester(tx: Executor, requesterId: number): Promise<void> {
	await tx
		.select({ id: requestersTable.id })
		.from(requestersTable)
		.where(eq(requestersTable.id, requesterId))
		.for('update');
}

export async function setRequestState(
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

/** The requester's requests in one state (verified ones waiting for the NDA, say), oldest first. */
export async function listRequesterRequests(
	tx: Executor,
	requesterId: number,
	state: RequestState,
) {
	return tx
		.select()
		.from(accessRequestsTable)
		.where(
			and(eq(accessRequestsTable.requesterId, requesterId), eq(accessRequestsTable.state, state)),
		)
		.orderBy(asc(accessRequestsTable.id));
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
