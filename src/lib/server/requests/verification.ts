/** The magic link: proves the requester owns the address, then opens their session. */
import { and, eq, gt, ne } from 'drizzle-orm';
import { accessRequestsTable, requestersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createRequesterSession } from '../auth/requester-session.ts';
import {
	getTokenRequester,
	invalidateOneTimeToken,
	validateOneTimeToken,
	type TokenResult,
} from '../auth/tokens.ts';
import type { JourneyContext, RequestMeta } from './context.ts';
import { continueShareLinkRequest } from '../grants/share-link-journey.ts';
import { applyApprovalPolicy } from './decisions.ts';
import { verifyNdaOnFile } from './nda.ts';
import { setRequestState } from './requests.ts';

export type EmailLinkResult =
	| { ok: true; sessionToken: string; requestId: number; next: 'nda' | 'portal' }
	| { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** The link's GET: whether it would still work, without using it (mail scanners fetch links). */
export async function getEmailLinkStatus(ctx: JourneyContext, token: string): Promise<TokenResult> {
	return validateOneTimeToken(ctx.db, token, 'verify-email', ctx.now ?? new Date());
}

/**
 * The confirm button's POST. A second click arrives after the first used the link: when it comes
 * with the session the first click opened, it continues as the first did instead of failing.
 */
export async function submitEmailLinkForm(
	ctx: JourneyContext,
	token: string,
	meta: RequestMeta,
	signedInAs: number | null,
): Promise<EmailLinkResult | { ok: true; sessionToken: null; next: 'nda' | 'portal' }> {
	const result = await validateEmailLink(ctx, token, meta);
	if (result.ok || result.reason !== 'used' || signedInAs === null) return result;
	if ((await getTokenRequester(ctx.db, token)) !== signedInAs) return result;
	const onFile = await verifyNdaOnFile(ctx.db, signedInAs, ctx.now ?? new Date());
	return { ok: true, sessionToken: null, next: onFile ? 'portal' : 'nda' };
}

/** The link's POST: uses the token, verifies the request, opens a requester session. */
export async function validateEmailLink(
	ctx: JourneyContext,
	token: string,
	meta: RequestMeta,
): Promise<EmailLinkResult> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		const used = await invalidateOneTimeToken(tx, token, 'verify-email', now);
		if (!used.ok) return used;
		const [request] = await tx
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.id, used.requestId));
		if (!request) throw new Error(`Token points at missing request ${used.requestId}`);
		if (request.state === 'unverified') {
			await setRequestState(tx, request.id, 'verified', now);
			// The address's owner confirmed what this request says about them: from now on it is
			// what copies are stamped with (never what an earlier, unconfirmed request claimed).
			// Unless they have since sent and confirmed a newer request: an older email opened late
			// must not turn the name on their copies back to what they typed before.
			const [newer] = await tx
				.select({ id: accessRequestsTable.id })
				.from(accessRequestsTable)
				.where(
					and(
						eq(accessRequestsTable.requesterId, request.requesterId),
						gt(accessRequestsTable.id, request.id),
						ne(accessRequestsTable.state, 'unverified'),
					),
				)
				.limit(1);
			if (!newer)
				await tx
					.update(requestersTable)
					.set({
						name: request.name ?? undefined,
						company: request.company ?? undefined,
						title: request.title,
					})
					.where(eq(requestersTable.id, request.requesterId));
		}
		const sessionToken = await createRequesterSession(tx, request.requesterId, now);
		await appendAuditEvent(tx, {
			type: 'request.verified',
			actor: `requester:${request.requesterId}`,
			subject: `request:${request.id}`,
			data: { ip: meta.ip },
		});
		// A share link: the rep already decided, so no approval rules; the use is counted here.
		if (request.shareLinkId !== null && request.state === 'unverified') {
			const next = await continueShareLinkRequest(tx, ctx, request.id, now);
			return { ok: true, sessionToken, requestId: request.id, next };
		}
		const onFile = await verifyNdaOnFile(tx, request.requesterId, now);
		if (onFile && request.state === 'unverified') {
			await setRequestState(tx, request.id, 'nda_accepted', now);
			await applyApprovalPolicy(tx, ctx, request.id, now);
			return { ok: true, sessionToken, requestId: request.id, next: 'portal' };
		}
		return { ok: true, sessionToken, requestId: request.id, next: onFile ? 'portal' : 'nda' };
	});
}
