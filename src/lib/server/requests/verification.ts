/** The magic link: proves the requester owns the address, then opens their session. */
import { eq } from 'drizzle-orm';
import { accessRequestsTable, requestersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createRequesterSession } from '../auth/requester-session.ts';
import { invalidateOneTimeToken, validateOneTimeToken, type TokenResult } from '../auth/tokens.ts';
import type { JourneyContext, RequestMeta } from './context.ts';
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
		const onFile = await verifyNdaOnFile(tx, request.requesterId, now);
		if (onFile && request.state === 'unverified') {
			await setRequestState(tx, request.id, 'nda_accepted', now);
			await applyApprovalPolicy(tx, ctx, request.id, now);
			return { ok: true, sessionToken, requestId: request.id, next: 'portal' };
		}
		return { ok: true, sessionToken, requestId: request.id, next: onFile ? 'portal' : 'nda' };
	});
}
