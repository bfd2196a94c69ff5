/**
 * Coming back: a reviewer whose sign-in (7 days) ended while their access lasts asks for a link
 * from the portal and signs in again, without a new request and without staff. The link is a
 * one-time token like the first one: random, stored hashed, expiring, used only by a POST.
 */
import { and, desc, eq, gt, isNull, ne } from 'drizzle-orm';
import { z } from 'astro/zod';
import { accessRequestsTable, grantsTable, requestersTable } from '../../../../db/schema.ts';
import type { Executor } from '../../../../db/client.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createRequesterSession } from '../auth/requester-session.ts';
import {
	createOneTimeToken,
	getTokenRequester,
	invalidateOneTimeToken,
	MAGIC_LINK_TTL_MS,
	validateOneTimeToken,
	type TokenResult,
} from '../auth/tokens.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { emailAddress, fieldErrors } from '../platform/input.ts';
import { consumeSignInLimits } from '../platform/rate-limit.ts';
import { type JourneyContext, type RequestMeta, siteLink, trustCenterName } from './context.ts';

export const signInFormSchema = z.object({ email: emailAddress('Work email') });

export function readSignInLinkForm(form: FormData) {
	return { email: String(form.get('email') ?? '') };
}

export type SignInLinkFormResult =
	| { ok: true; email: string }
	| { ok: false; reason: 'invalid'; errors: Record<string, string> }
	| { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/**
 * The "email me a sign-in link" POST. Known or not, the answer is the same (the reply never tells
 * whether an address has requests here); only a reviewer who once confirmed the address gets mail.
 */
export async function submitSignInLinkForm(
	ctx: JourneyContext,
	values: ReturnType<typeof readSignInLinkForm>,
	meta: RequestMeta,
): Promise<SignInLinkFormResult> {
	const parsed = signInFormSchema.safeParse(values);
	if (!parsed.success) return { ok: false, reason: 'invalid', errors: fieldErrors(parsed.error) };
	const email = parsed.data.email;
	// Counted like access requests, so the form cannot be used to flood an inbox.
	const limit = await consumeSignInLimits(
		ctx.db,
		{ perIp: ctx.config.rateLimitPerIp, perEmail: ctx.config.rateLimitPerEmail },
		{ ip: meta.ip, email },
	);
	if (!limit.ok)
		return { ok: false, reason: 'rate_limited', retryAfterSeconds: limit.retryAfterSeconds };
	const now = ctx.now ?? new Date();
	await ctx.db.transaction(async (tx) => {
		const [requester] = await tx
			.select({ id: requestersTable.id, name: requestersTable.name })
			.from(requestersTable)
			.where(eq(requestersTable.email, email));
		if (!requester) return;
		const requestId = await getReturningRequest(tx, requester.id, now);
		if (requestId === null) return;
		const token = await createOneTimeToken(tx, { purpose: 'sign-in', requestId, now });
		await enqueueEmail(tx, ctx, {
			to: email,
			template: 'sign-in-link',
			props: {
				name: requester.name,
				trustCenterName: trustCenterName(ctx),
				signInUrl: siteLink(ctx, `/portal/sign-in?token=${token}`),
				expiresMinutes: MAGIC_LINK_TTL_MS / 60_000,
			},
		});
		await appendAuditEvent(tx, {
			type: 'requester.sign_in_link_sent',
			actor: `requester:${requester.id}`,
			subject: `request:${requestId}`,
			data: { ip: meta.ip },
		});
	});
	return { ok: true, email };
}

/**
 * The request a returning reviewer's link points at (tokens belong to a request): the one behind
 * their newest live grant, else their newest confirmed request; null when they never confirmed
 * the address, so an address that only typed a request once gets no sign-in link.
 */
async function getReturningRequest(
	tx: Executor,
	requesterId: number,
	now: Date,
): Promise<number | null> {
	const [grant] = await tx
		.select({ requestId: grantsTable.requestId })
		.from(grantsTable)
		.where(
			and(
				eq(grantsTable.requesterId, requesterId),
				isNull(grantsTable.revokedAt),
				gt(grantsTable.expiresAt, now),
			),
		)
		.orderBy(desc(grantsTable.id))
		.limit(1);
	if (grant?.requestId) return grant.requestId;
	const [request] = await tx
		.select({ id: accessRequestsTable.id })
		.from(accessRequestsTable)
		.where(
			and(
				eq(accessRequestsTable.requesterId, requesterId),
				ne(accessRequestsTable.state, 'unverified'),
			),
		)
		.orderBy(desc(accessRequestsTable.id))
		.limit(1);
	return request?.id ?? null;
}

/** The link's GET: whether it would still work, without using it (mail scanners fetch links). */
export function getSignInLinkStatus(ctx: JourneyContext, token: string): Promise<TokenResult> {
	return validateOneTimeToken(ctx.db, token, 'sign-in', ctx.now ?? new Date());
}

export type SignInLinkResult =
	{ ok: true; sessionToken: string | null } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/**
 * The link's POST: uses the token and opens a requester session. A second click that arrives
 * with the session the first click opened continues instead of failing.
 */
export async function validateSignInLink(
	ctx: JourneyContext,
	token: string,
	meta: RequestMeta,
	signedInAs: number | null,
): Promise<SignInLinkResult> {
	const now = ctx.now ?? new Date();
	const result = await ctx.db.transaction(async (tx): Promise<SignInLinkResult> => {
		const used = await invalidateOneTimeToken(tx, token, 'sign-in', now);
		if (!used.ok) return used;
		const [request] = await tx
			.select({ requesterId: accessRequestsTable.requesterId })
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.id, used.requestId));
		if (!request) throw new Error(`Token points at missing request ${used.requestId}`);
		// A new session for every sign-in: a session id planted earlier is worth nothing.
		const sessionToken = await createRequesterSession(tx, request.requesterId, now);
		await appendAuditEvent(tx, {
			type: 'requester.signed_in',
			actor: `requester:${request.requesterId}`,
			subject: `request:${used.requestId}`,
			data: { ip: meta.ip },
		});
		return { ok: true, sessionToken };
	});
	if (result.ok || result.reason !== 'used' || signedInAs === null) return result;
	return (await getTokenRequester(ctx.db, token)) === signedInAs
		? { ok: true, sessionToken: null }
		: result;
}
