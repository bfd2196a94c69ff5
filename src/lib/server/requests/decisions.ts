/** Decisions on a request whose NDA is settled: by the approval rules, or by staff. */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import { accessRequestsTable, ndaClaimsTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createGrant } from '../grants/grants.ts';
import type { JourneyContext } from './context.ts';
import { sendReviewEmails } from './notifications.ts';
import { getPolicyDecision, listApprovalRules, type PolicyDecision } from './policy.ts';
import {
	getRequestWithRequester,
	listRequestableDocuments,
	type RequestState,
	setRequestState,
} from './requests.ts';

/** Runs the approval rules on a request whose NDA is settled. */
export async function applyApprovalPolicy(
	tx: Executor,
	ctx: JourneyContext,
	requestId: number,
	now: Date,
): Promise<PolicyDecision> {
	const { requester } = await getRequestWithRequester(tx, requestId);
	const decision = getPolicyDecision(await listApprovalRules(tx, now), requester.email, now);
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
		await createGrant(tx, ctx, requestId, {
			actor: 'system',
			grantDays: decision.rule?.grantDays ?? null,
			downloadCap: decision.rule?.downloadCap ?? null,
			now,
		});
	} else if (decision.action === 'deny') {
		await setRequestState(tx, requestId, 'denied', now, {
			decidedAt: now,
			decisionNote: decision.why,
		});
		await appendAuditEvent(tx, {
			type: 'request.denied',
			actor: 'system',
			subject: `request:${requestId}`,
			data: { why: decision.why },
		});
	} else {
		await setRequestState(tx, requestId, 'pending', now);
		await sendReviewEmails(tx, ctx, requestId, decision);
	}
	return decision;
}

export type StaffDecisionResult =
	| { ok: true; grantId?: number }
	| { ok: false; reason: 'not_found' | 'not_pending'; state?: RequestState }
	| { ok: false; reason: 'no_claim' | 'no_documents' };

/**
 * Locks a request for a staff decision; it must be waiting for review. Confirms or rejects an NDA claim on
 * it the same way. Returns the refusal, or null when the decision may go ahead.
 */
async function lockPendingRequest(
	tx: Executor,
	requestId: number,
	claim: 'confirmed' | 'rejected' | null,
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
	if (claim === null) return null;
	await tx
		.update(ndaClaimsTable)
		.set({ status: claim, decidedAt: now, decidedBy: decidedBy ?? null })
		.where(and(eq(ndaClaimsTable.requestId, requestId), eq(ndaClaimsTable.status, 'pending')));
	return null;
}

/** Staff approval of a request waiting for review (confirms an NDA claim on it, too). */
export async function approveRequest(
	ctx: JourneyContext,
	requestId: number,
	options: {
		actor: string;
		decidedBy?: number | null;
		grantDays?: number | null;
		downloadCap?: number | null;
		/** The documents to grant, when staff choose other than those asked for. */
		documentSlugs?: string[] | null;
	},
): Promise<StaffDecisionResult> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		const refused = await lockPendingRequest(tx, requestId, 'confirmed', now, options.decidedBy);
		if (refused) return refused;
		if (options.documentSlugs) {
			const offered = await listRequestableDocuments(tx);
			if (!options.documentSlugs.some((slug) => offered.some((d) => d.slug === slug)))
				return { ok: false, reason: 'no_documents' } as const;
		}
		const grantId = await createGrant(tx, ctx, requestId, {
			actor: options.actor,
			grantDays: options.grantDays ?? null,
			downloadCap: options.downloadCap ?? null,
			now,
			decidedBy: options.decidedBy ?? null,
			documentSlugs: options.documentSlugs ?? null,
		});
		await appendAuditEvent(tx, {
			type: 'request.approved',
			actor: options.actor,
			subject: `request:${requestId}`,
			data: {
				grantId,
				grantDays: options.grantDays ?? null,
				downloadCap: options.downloadCap ?? null,
				documents: options.documentSlugs ?? null,
			},
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
		const refused = await lockPendingRequest(tx, requestId, 'rejected', now, options.decidedBy);
		if (refused) return refused;
		await setRequestState(tx, requestId, 'denied', now, {
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

/**
 * Staff settle an "NDA already on file" claim on a request waiting for review. Confirmed: the
 * claim stands in for the click-through (this request and later ones) and the request still waits
 * for approval. Rejected: the request goes back to the NDA step, so the reviewer is asked to
 * accept the click-through at their next visit.
 */
export async function decideNdaClaim(
	ctx: JourneyContext,
	requestId: number,
	decision: 'confirmed' | 'rejected',
	options: { actor: string; decidedBy?: number | null },
): Promise<StaffDecisionResult> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		const refused = await lockPendingRequest(tx, requestId, null, now, options.decidedBy);
		if (refused) return refused;
		const settled = await tx
			.update(ndaClaimsTable)
			.set({ status: decision, decidedAt: now, decidedBy: options.decidedBy ?? null })
			.where(and(eq(ndaClaimsTable.requestId, requestId), eq(ndaClaimsTable.status, 'pending')))
			.returning({ id: ndaClaimsTable.id });
		if (settled.length === 0) return { ok: false, reason: 'no_claim' } as const;
		if (decision === 'rejected') await setRequestState(tx, requestId, 'verified', now);
		await appendAuditEvent(tx, {
			type: decision === 'confirmed' ? 'nda.claim_confirmed' : 'nda.claim_rejected',
			actor: options.actor,
			subject: `request:${requestId}`,
			data: { claimIds: settled.map((c) => c.id) },
		});
		return { ok: true };
	});
}
