/** Decisions on a request whose NDA is settled: by the approval rules, or by staff. */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import { accessRequestsTable, ndaClaimsTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { createGrant } from '../grants/grants.ts';
import type { JourneyContext } from './context.ts';
import { sendReviewEmails } from './notifications.ts';
import { getPolicyDecision, listApprovalRules, type PolicyDecision } from './policy.ts';
import { getRequestWithRequester, type RequestState, setRequestState } from './requests.ts';

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
	| { ok: false; reason: 'not_found' | 'not_pending'; state?: RequestState };

/**
 * Locks a request for a staff decision; it must be waiting for review. Confirms or rejects an NDA claim on
 * it the same way. Returns the refusal, or null when the decision may go ahead.
 */
async function lockPendingRequest(
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

/** Staff approval of a request waiting for review (confirms an NDA claim on it, too). */
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
		const refused = await lockPendingRequest(tx, requestId, 'confirmed', now, options.decidedBy);
		if (refused) return refused;
		const grantId = await createGrant(tx, ctx, requestId, {
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
