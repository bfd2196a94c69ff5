/** Document access levels as staff read them. */
import type { AccessLevel } from '../server/documents/documents.ts';

export const ACCESS_LABELS: Record<AccessLevel, string> = {
	public: 'Public',
	nda: 'NDA',
	approval: 'NDA and approval',
};

export const ACCESS_HINTS: Record<AccessLevel, string> = {
	public: 'anyone may download it as uploaded, without a stamp',
	nda: 'a stamped copy after the click-through NDA, once the approval rules or staff approve',
	approval: 'the same steps as NDA; the trust page labels it “NDA + approval”',
};
