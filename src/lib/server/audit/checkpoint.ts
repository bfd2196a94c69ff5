/**
 * Verifying the audit log incrementally: each check starts from the last event verified before
 * (its hash kept in the settings table) instead of re-reading the whole log on every staff view.
 * The checkpoint's own row is re-read too, so a rewritten checkpoint event is still caught; a full
 * verification (`trustroom audit verify`, and once at every server start) covers the rest.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { auditEventsTable } from '../../../../db/schema.ts';
import { getSetting, setSetting } from '../platform/settings.ts';
import { validateAuditChain } from './audit.ts';

const CHECKPOINT = 'audit.verified_through';

export interface AuditCheckpoint {
	seq: number;
	hash: string;
	verifiedAt: string;
}

export type AuditStatus =
	| { ok: true; count: number; verifiedAt: Date; checkedNow: number }
	| { ok: false; count: number; brokenAt: number; reason: string };

/** Verifies the events added since the last check, and moves the checkpoint forward. */
export async function getAuditStatus(
	db: Database,
	options: { full?: boolean; now?: Date } = {},
): Promise<AuditStatus> {
	const now = options.now ?? new Date();
	const checkpoint = options.full ? null : await getSetting<AuditCheckpoint>(db, CHECKPOINT);
	if (checkpoint) {
		const [row] = await db
			.select({ hash: auditEventsTable.hash })
			.from(auditEventsTable)
			.where(eq(auditEventsTable.seq, checkpoint.seq));
		if (row?.hash !== checkpoint.hash)
			return {
				ok: false,
				count: checkpoint.seq,
				brokenAt: checkpoint.seq,
				reason: row ? 'it changed after it was verified' : 'it was removed after it was verified',
			};
	}
	const result = await validateAuditChain(db, { from: checkpoint ?? undefined });
	if (!result.ok) return result;
	if (result.count > (checkpoint?.seq ?? 0))
		await setSetting(db, CHECKPOINT, {
			seq: result.count,
			hash: result.headHash,
			verifiedAt: now.toISOString(),
		} satisfies AuditCheckpoint);
	return {
		ok: true,
		count: result.count,
		verifiedAt: now,
		checkedNow: result.count - (checkpoint?.seq ?? 0),
	};
}
