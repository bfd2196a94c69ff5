/**
 * The prospect's side of a share link: opening it (never consumes it), proving the bound address
 * by the ordinary magic link, then the NDA unless one is on file, then a grant without staff
 * review (the rep already decided). Only a verified use counts against the cap.
 */
import { and, asc, eq, isNull, ne, notInArray } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import { accessRequestsTable, shareLinksTable, usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { fieldErrors } from '../platform/input.ts';
import { consumeRequestLimits } from '../platform/rate-limit.ts';
import type { JourneyContext, RequestMeta } from '../requests/context.ts';
import { requestFormSchema } from '../requests/forms.ts';
import { verifyNdaOnFile } from '../requests/nda.ts';
import {
	createAccessRequest,
	getDocumentTitles,
	getRequestWithRequester,
	setRequestState,
} from '../requests/requests.ts';
import { createGrant } from './grants.ts';
import { classifyLinkVisit } from './link-visits.ts';
import { notifyShareLinkOpened } from './share-link-activity.ts';
import {
	getShareLinkByToken,
	getShareLinkState,
	type ShareLink,
	type ShareLinkState,
	useShareLink,
	verifyShareLinkRecipient,
} from './share-links.ts';

export type ShareLinkRefusal = 'invalid' | Exclude<ShareLinkState, 'active'>;

export interface SharedView {
	repName: string;
	documents: string[];
	expiresAt: Date;
	boundEmail: string | null;
	boundDomain: string | null;
	ndaOnFile: boolean;
}

export type OpenShareLinkResult =
	{ ok: true; view: SharedView } | { ok: false; reason: ShareLinkRefusal };

async function viewOf(tx: Executor, link: ShareLink): Promise<SharedView> {
	const [rep] = await tx
		.select({ name: usersTable.name })
		.from(usersTable)
		.where(eq(usersTable.id, link.createdBy));
	return {
		repName: rep?.name ?? 'Your contact',
		documents: await getDocumentTitles(tx, link.documentSlugs),
		expiresAt: link.expiresAt,
		boundEmail: link.boundEmail,
		boundDomain: link.boundDomain,
		ndaOnFile: link.ndaOnFileReference !== null,
	};
}

/**
 * The link's GET: what is shared, by whom, until when. Logs the visit; uses nothing up. Only a
 * person's visit (link-visits.ts) is an open that the rep hears of; a preview bot's, a mail
 * scanner's or a prefetch is logged as such.
 */
export async function openShareLink(
	ctx: JourneyContext,
	token: string,
	meta: RequestMeta,
): Promise<OpenShareLinkResult> {
	const now = ctx.now ?? new Date();
	const visit = classifyLinkVisit(meta);
	return ctx.db.transaction(async (tx) => {
		const link = await getShareLinkByToken(tx, token);
		if (!link) return { ok: false, reason: 'invalid' };
		const state = getShareLinkState(link, now);
		if (state !== 'active') return { ok: false, reason: state };
		if (visit.person) await recordOpen(tx, ctx, link, meta, now, 'visit');
		else
			await appendAuditEvent(tx, {
				type: 'share_link.previewed',
				actor: 'anonymous',
				subject: `share-link:${link.id}`,
				data: {
					ip: meta.ip,
					userAgent: meta.userAgent?.slice(0, 200) ?? null,
					why: visit.why,
				},
			});
		return { ok: true, view: await viewOf(tx, link) };
	});
}

/**
 * Logs a person's open; the first one (`firstOpenedAt` still empty) tells the rep. `via`: the
 * page's visit, or its form, which a person sent even if their visit did not look like one.
 */
async function recordOpen(
	tx: Executor,
	ctx: JourneyContext,
	link: ShareLink,
	meta: RequestMeta,
	now: Date,
	via: 'visit' | 'form',
): Promise<void> {
	// Only the first open wins this update, so the rep hears about it once.
	const [first] = await tx
		.update(shareLinksTable)
		.set({ firstOpenedAt: now })
		.where(and(eq(shareLinksTable.id, link.id), isNull(shareLinksTable.firstOpenedAt)))
		.returning({ id: shareLinksTable.id });
	// A form sent after a counted visit is not another open.
	if (via === 'form' && !first) return;
	await appendAuditEvent(tx, {
		type: 'share_link.opened',
		actor: 'anonymous',
		subject: `share-link:${link.id}`,
		data: {
			ip: meta.ip,
			userAgent: meta.userAgent?.slice(0, 200) ?? null,
			first: Boolean(first),
			...(via === 'form' ? { via } : {}),
		},
	});
	if (first) await notifyShareLinkOpened(tx, ctx, link, now);
}

export interface ShareLinkEmailFormValues {
	email: string;
	name: string;
	company: string;
	title: string;
}

export function readShareLinkEmailForm(form: FormData): ShareLinkEmailFormValues {
	return {
		email: String(form.get('email') ?? ''),
		name: String(form.get('name') ?? ''),
		company: String(form.get('company') ?? ''),
		title: String(form.get('title') ?? ''),
	};
}

export type ShareLinkFormResult =
	| { ok: true; email: string }
	| { ok: false; reason: ShareLinkRefusal }
	| { ok: false; reason: 'invalid_form'; errors: Record<string, string>; view: SharedView }
	| { ok: false; reason: 'wrong_recipient'; view: SharedView }
	| { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/**
 * The email form's POST: checks the link and the address against its binding, then sends the
 * ordinary magic link for a request tied to the link. Nothing here counts a use.
 */
export async function submitShareLinkForm(
	ctx: JourneyContext,
	token: string,
	values: ShareLinkEmailFormValues,
	meta: RequestMeta,
): Promise<ShareLinkFormResult> {
	const now = ctx.now ?? new Date();
	const link = await getShareLinkByToken(ctx.db, token);
	if (!link) return { ok: false, reason: 'invalid' };
	const state = getShareLinkState(link, now);
	if (state !== 'active') return { ok: false, reason: state };
	// Someone filled in the form: a person opened the link, whatever their visit looked like.
	if (link.firstOpenedAt === null)
		await ctx.db.transaction((tx) => recordOpen(tx, ctx, link, meta, now, 'form'));
	const view = await viewOf(ctx.db, link);
	const parsed = requestFormSchema.safeParse({
		...values,
		reason: '',
		documents: link.documentSlugs,
	});
	if (!parsed.success)
		return { ok: false, reason: 'invalid_form', errors: fieldErrors(parsed.error), view };
	if (!verifyShareLinkRecipient(link, parsed.data.email)) {
		await ctx.db.transaction((tx) =>
			appendAuditEvent(tx, {
				type: 'share_link.refused',
				actor: 'anonymous',
				subject: `share-link:${link.id}`,
				data: { email: parsed.data.email, reason: 'wrong_recipient', ip: meta.ip },
			}),
		);
		return { ok: false, reason: 'wrong_recipient', view };
	}
	// The same limits as the request form: a link must not turn into a way to flood an inbox.
	const limit = await consumeRequestLimits(
		ctx.db,
		{ perIp: ctx.config.rateLimitPerIp, perEmail: ctx.config.rateLimitPerEmail },
		{ ip: meta.ip, email: parsed.data.email },
	);
	if (!limit.ok)
		return { ok: false, reason: 'rate_limited', retryAfterSeconds: limit.retryAfterSeconds };
	await createAccessRequest(ctx, { ...parsed.data, shareLinkId: link.id }, meta);
	return { ok: true, email: parsed.data.email };
}

/**
 * After the magic link proved the address (in the verification's transaction): counts the use,
 * then grants at once when an NDA is on file, or sends the prospect to the NDA.
 */
export async function continueShareLinkRequest(
	tx: Executor,
	ctx: JourneyContext,
	requestId: number,
	now: Date,
): Promise<'nda' | 'portal'> {
	const { request, requester } = await getRequestWithRequester(tx, requestId);
	const linkId = request.shareLinkId;
	if (linkId === null) throw new Error(`Request ${requestId} did not come through a share link`);
	// Locked: confirmations through one link take turns, so the check below sees the one before.
	const [link] = await tx
		.select()
		.from(shareLinksTable)
		.where(eq(shareLinksTable.id, linkId))
		.for('update');
	if (!link) throw new Error(`Request ${requestId} points at missing share link ${linkId}`);
	// The same person confirming through this link again (they sent its form twice and opened the
	// older email later) is not another use and gets no second grant: their first confirmation
	// stands, and this request ends, pointing at it.
	const [counted] = await tx
		.select({ id: accessRequestsTable.id })
		.from(accessRequestsTable)
		.where(
			and(
				eq(accessRequestsTable.shareLinkId, linkId),
				eq(accessRequestsTable.requesterId, requester.id),
				ne(accessRequestsTable.id, requestId),
				notInArray(accessRequestsTable.state, ['unverified', 'expired']),
			),
		)
		.orderBy(asc(accessRequestsTable.id))
		.limit(1);
	if (counted) {
		await setRequestState(tx, requestId, 'expired', now, {
			decidedAt: now,
			decisionNote: `the same address already confirmed through this share link (request #${counted.id})`,
		});
		await appendAuditEvent(tx, {
			type: 'share_link.repeated',
			actor: `requester:${requester.id}`,
			subject: `share-link:${linkId}`,
			data: { requestId, first: counted.id, email: requester.email },
		});
		const onFile =
			link.ndaOnFileReference !== null || (await verifyNdaOnFile(tx, requester.id, now));
		return onFile ? 'portal' : 'nda';
	}
	// The binding is checked again on the proven address (the form's check was before the proof).
	const used = verifyShareLinkRecipient(link, requester.email)
		? await useShareLink(tx, linkId, now)
		: ({ ok: false, reason: 'invalid' } as const);
	if (!used.ok) {
		await endShareLinkRequest(tx, requestId, linkId, used.reason, now);
		return 'portal';
	}
	await appendAuditEvent(tx, {
		type: 'share_link.used',
		actor: `requester:${requester.id}`,
		subject: `share-link:${linkId}`,
		data: { requestId, email: requester.email, uses: link.uses + 1, maxUses: link.maxUses },
	});
	const onFile = link.ndaOnFileReference !== null || (await verifyNdaOnFile(tx, requester.id, now));
	if (!onFile) return 'nda';
	await setRequestState(tx, requestId, 'nda_accepted', now);
	await grantShareLinkRequest(tx, ctx, requestId, now);
	return 'portal';
}

/**
 * Grants a share-link request whose NDA is settled, without staff review. A link revoked or
 * expired since the address was proven grants nothing.
 */
export async function grantShareLinkRequest(
	tx: Executor,
	ctx: JourneyContext,
	requestId: number,
	now: Date,
): Promise<number | null> {
	const [row] = await tx
		.select({ link: shareLinksTable })
		.from(accessRequestsTable)
		.innerJoin(shareLinksTable, eq(shareLinksTable.id, accessRequestsTable.shareLinkId))
		.where(eq(accessRequestsTable.id, requestId));
	if (!row) throw new Error(`Request ${requestId} did not come through a share link`);
	const { link } = row;
	// The use was counted at verification; only revocation or expiry can stop it now.
	const state = link.revokedAt ? 'revoked' : link.expiresAt <= now ? 'expired' : 'active';
	if (state !== 'active') {
		await endShareLinkRequest(tx, requestId, link.id, state, now);
		return null;
	}
	const grantId = await createGrant(tx, ctx, requestId, {
		actor: `user:${link.createdBy}`,
		grantDays: null,
		downloadCap: null,
		now,
		decidedBy: link.createdBy,
	});
	await appendAuditEvent(tx, {
		type: 'share_link.granted',
		actor: 'system',
		subject: `share-link:${link.id}`,
		data: { requestId, grantId, ndaOnFile: link.ndaOnFileReference },
	});
	return grantId;
}

async function endShareLinkRequest(
	tx: Executor,
	requestId: number,
	linkId: number,
	reason: ShareLinkRefusal,
	now: Date,
): Promise<void> {
	const note = {
		invalid: 'the confirmed address is not the one this share link is for',
		expired: 'the share link expired',
		used_up: 'the share link had been used as many times as allowed',
		revoked: 'the share link was revoked',
	}[reason];
	await setRequestState(tx, requestId, 'expired', now, { decidedAt: now, decisionNote: note });
	await appendAuditEvent(tx, {
		type: 'share_link.refused',
		actor: 'system',
		subject: `share-link:${linkId}`,
		data: { requestId, reason },
	});
}
