/**
 * The first admin: while no active admin exists, each start prints a one-time setup link instead
 * of a password in the log. The link is random, stored hashed, expires, works once, and a newer
 * link replaces any older one. `/admin/setup` (auth/invitations.ts) uses it.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { staffInvitationsTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { sha256 } from '../platform/crypto.ts';
import { countActiveAdmins } from './users.ts';

export const SETUP_LINK_TTL_MS = 24 * 60 * 60 * 1000;

/** A fresh setup link when there is no active admin; null when there is one. */
export async function createSetupLink(
	db: Database,
	siteUrl: string,
	now = new Date(),
): Promise<{ url: string; expiresAt: Date } | null> {
	return db.transaction(async (tx) => {
		if ((await countActiveAdmins(tx)) > 0) return null;
		const token = randomBytes(32).toString('base64url');
		const expiresAt = new Date(now.getTime() + SETUP_LINK_TTL_MS);
		// Only the newest printed link works: an old log line is worth nothing.
		await tx
			.update(staffInvitationsTable)
			.set({ revokedAt: now })
			.where(
				and(
					eq(staffInvitationsTable.purpose, 'setup'),
					isNull(staffInvitationsTable.usedAt),
					isNull(staffInvitationsTable.revokedAt),
				),
			);
		await tx.insert(staffInvitationsTable).values({
			tokenHash: sha256(token),
			purpose: 'setup',
			role: 'admin',
			expiresAt,
			createdAt: now,
		});
		await appendAuditEvent(tx, { type: 'staff.setup_link_created', actor: 'system' });
		return { url: `${siteUrl}/admin/setup?token=${token}`, expiresAt };
	});
}
