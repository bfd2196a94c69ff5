/** Request states as staff read them. */
import type { RequestState } from '../server/requests/requests.ts';

export const STATE_LABELS: Record<RequestState, string> = {
	pending: 'Waiting for staff',
	unverified: 'Email not confirmed',
	verified: 'Waiting for the NDA',
	nda_accepted: 'NDA accepted',
	approved: 'Approved',
	denied: 'Declined',
	expired: 'Expired',
};
