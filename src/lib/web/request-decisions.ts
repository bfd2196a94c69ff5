/** The request page's POSTs: one form action → one decision in the domain → where to go next. */
import type { User } from '../server/auth/users.ts';
import type { JourneyContext } from '../server/requests/context.ts';
import {
	approveRequest,
	decideNdaClaim,
	denyRequest,
	type StaffDecisionResult,
} from '../server/requests/decisions.ts';
import { readApprovalForm, readDenialNote } from '../server/requests/queue.ts';

export type DecisionOutcome = {
	redirect?: string;
	notFound?: boolean;
	errors?: Record<string, string>;
};

export const DECISION_NOTICES: Record<string, { tone: 'ok' | 'info' | 'warn'; text: string }> = {
	approved: { tone: 'ok', text: 'Approved. The reviewer is emailed a link to their documents.' },
	denied: {
		tone: 'ok',
		text: 'Declined. The reviewer reads “we will be in touch”; your reason stays internal.',
	},
	'claim-confirmed': {
		tone: 'ok',
		text: 'NDA on file confirmed. The request still waits for your approval.',
	},
	'claim-rejected': {
		tone: 'ok',
		text: 'Claim rejected. The reviewer is asked to accept the click-through NDA at their next visit.',
	},
	'not-pending': {
		tone: 'warn',
		text: 'This request was already decided (perhaps in another tab or by a colleague): nothing was changed.',
	},
	'no-claim': { tone: 'warn', text: 'There is no NDA claim left to decide on this request.' },
};

function after(id: number, result: StaffDecisionResult, done: string): DecisionOutcome {
	if (result.ok) return { redirect: `/admin/requests/${id}?done=${done}` };
	switch (result.reason) {
		case 'not_found':
			return { notFound: true };
		case 'not_pending':
			return { redirect: `/admin/requests/${id}?done=not-pending` };
		case 'no_claim':
			return { redirect: `/admin/requests/${id}?done=no-claim` };
		case 'no_documents':
			return { errors: { documents: 'Tick at least one document that can be granted' } };
	}
}

export async function decideRequestForm(
	ctx: JourneyContext,
	id: number,
	form: FormData,
	user: User,
): Promise<DecisionOutcome> {
	if (!id) return { notFound: true };
	const who = { actor: `user:${user.id}`, decidedBy: user.id };
	switch (form.get('action')) {
		case 'approve': {
			const read = readApprovalForm(form);
			if (!read.ok) return { errors: read.errors };
			return after(id, await approveRequest(ctx, id, { ...who, ...read.values }), 'approved');
		}
		case 'deny':
			return after(
				id,
				await denyRequest(ctx, id, { ...who, note: readDenialNote(form) }),
				'denied',
			);
		case 'claim-confirm':
			return after(id, await decideNdaClaim(ctx, id, 'confirmed', who), 'claim-confirmed');
		case 'claim-reject':
			return after(id, await decideNdaClaim(ctx, id, 'rejected', who), 'claim-rejected');
		default:
			return { errors: { action: 'Use the buttons on this page to decide the request' } };
	}
}
