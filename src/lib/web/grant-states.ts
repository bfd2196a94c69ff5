/** Grant states as staff read them, with the badge tone. */
import type { GrantState } from '../server/grants/grant-records.ts';

export const GRANT_STATES: Record<GrantState, { label: string; tone: string }> = {
	active: { label: 'Active', tone: 'ok' },
	expired: { label: 'Expired', tone: 'neutral' },
	revoked: { label: 'Revoked', tone: 'bad' },
	used_up: { label: 'Downloads used up', tone: 'warn' },
};
