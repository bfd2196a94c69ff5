/**
 * Staff invitations: an admin invites an address with a role; the emailed one-time link (random,
 * stored hashed, 7 days, single use) lets the person choose a name and password. The first-admin
 * setup link (setup-link.ts) is accepted here too. Opening a link (GET) only shows the form; the
 * form's POST uses the link, so mail scanners cannot spend it.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { staffInvitationsTable, usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { enqueueEmail, type MailContext } from '../mail/outbox.ts';
import { sha256 } from '../platform/crypto.ts';
import { newPasswordErrors } from './account.ts';
import { hashPassword } from './password.ts';
import {
	cleanUserName,
	countActiveAdmins,
	EMAIL,
	getUserByEmail,
	normalizeEmail,
	ROLES,
	type Role,
	type User,
} from './users.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type InvitationPurpose = 'invite' | 'setup';

export const ROLE_LABELS: Record<Role, string> = { admin: 'an admin', sales: 'a sales rep' };

export function readInvitationForm(form: FormData | null) {
	return {
		email: String(form?.get('email') ?? '').slice(0, 254),
		role: String(form?.get('role') ?? ''),
	};
}

export type InvitationResult =
	{ ok: true; email: string } | { ok: false; errors: Record<string, string> };

/** Invites an address: a newer invitation to it replaces older unused ones. */
export async function createInvitation(
	db: Database,
	mail: MailContext & { companyName: string },
	actor: User,
	values: ReturnType<typeof readInvitationForm>,
	now = new Date(),
): Promise<InvitationResult> {
	const email = normalizeEmail(values.email);
	if (!EMAIL.test(email) || email.length > 254)
		return { ok: false, errors: { email: 'Enter a work email address, such as sam@example.com.' } };
	if (!ROLES.includes(values.role as Role))
		return { ok: false, errors: { role: 'Choose a role: admin or sales.' } };
	const role = values.role as Role;
	if (await getUserByEmail(db, email))
		return {
			ok: false,
			errors: { email: `${email} already has a staff account. Find it in the list below.` },
		};
	const token = randomBytes(32).toString('base64url');
	await db.transaction(async (tx) => {
		await tx
			.update(staffInvitationsTable)
			.set({ revokedAt: now })
			.where(and(eq(staffInvitationsTable.email, email), isNull(staffInvitationsTable.usedAt)));
		const [row] = await tx
			.insert(staffInvitationsTable)
			.values({
				tokenHash: sha256(token),
				purpose: 'invite',
				email,
				role,
				invitedBy: actor.id,
				expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
				createdAt: now,
			})
			.returning({ id: staffInvitationsTable.id });
		await enqueueEmail(tx, mail, {
			to: email,
			template: 'staff-invitation',
			props: {
				trustCenterName: `${mail.companyName} Trust Center`,
				inviterName: actor.name,
				roleLabel: ROLE_LABELS[role],
				acceptUrl: `${mail.config.siteUrl}/admin/invite?token=${token}`,
				expiresDays: INVITATION_TTL_MS / 86_400_000,
			},
		});
		await appendAuditEvent(tx, {
			type: 'user.invited',
			actor: `user:${actor.id}`,
			subject: `invitation:${row!.id}`,
			data: { email, role },
		});
	});
	return { ok: true, email };
}

export interface PendingInvitation {
	id: number;
	email: string;
	role: Role;
	expiresAt: Date;
	invitedBy: string | null;
}

/** Invitations not yet used, replaced or expired, newest first. */
export async function listPendingInvitations(
	db: Database,
	now = new Date(),
): Promise<PendingInvitation[]> {
	const rows = await db
		.select({
			id: staffInvitationsTable.id,
			email: staffInvitationsTable.email,
			role: staffInvitationsTable.role,
			expiresAt: staffInvitationsTable.expiresAt,
			invitedBy: usersTable.name,
		})
		.from(staffInvitationsTable)
		.leftJoin(usersTable, eq(usersTable.id, staffInvitationsTable.invitedBy))
		.where(
			and(
				eq(staffInvitationsTable.purpose, 'invite'),
				isNull(staffInvitationsTable.usedAt),
				isNull(staffInvitationsTable.revokedAt),
				gt(staffInvitationsTable.expiresAt, now),
			),
		)
		.orderBy(desc(staffInvitationsTable.createdAt));
	return rows.map((row) => ({ ...row, email: row.email ?? '' }));
}

export type InvitationLookup =
	| { ok: true; id: number; purpose: InvitationPurpose; email: string | null; role: Role }
	| { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** Whether a link would be accepted now, without using it (the GET of the link). */
export async function getInvitation(
	db: Executor,
	token: string,
	purpose: InvitationPurpose,
	now = new Date(),
): Promise<InvitationLookup> {
	// Looked up by the token's hash: a guess must match a 256-bit preimage, so timing reveals nothing.
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'invalid' };
	const [row] = await db
		.select()
		.from(staffInvitationsTable)
		.where(
			and(
				eq(staffInvitationsTable.tokenHash, sha256(token)),
				eq(staffInvitationsTable.purpose, purpose),
			),
		);
	if (!row) return { ok: false, reason: 'invalid' };
	if (row.usedAt || row.revokedAt) return { ok: false, reason: 'used' };
	if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
	return { ok: true, id: row.id, purpose: row.purpose, email: row.email, role: row.role };
}

export function readAcceptForm(form: FormData | null) {
	return {
		email: String(form?.get('email') ?? '').slice(0, 254),
		name: String(form?.get('name') ?? '').slice(0, 200),
		password: String(form?.get('password') ?? '').slice(0, 1024),
		confirm: String(form?.get('confirm') ?? '').slice(0, 1024),
	};
}

export type AcceptResult =
	| { ok: true; user: User }
	| { ok: false; reason: 'invalid' | 'expired' | 'used' | 'admin_exists' }
	| { ok: false; reason: 'form'; errors: Record<string, string> };

/** The link's POST: checks the form, then uses the link and makes the account in one transaction. */
export async function acceptInvitation(
	db: Database,
	token: string,
	purpose: InvitationPurpose,
	values: ReturnType<typeof readAcceptForm>,
	now = new Date(),
): Promise<AcceptResult> {
	const found = await getInvitation(db, token, purpose, now);
	if (!found.ok) return found;
	const email = normalizeEmail(found.email ?? values.email);
	const errors: Record<string, string> = {};
	if (!EMAIL.test(email) || email.length > 254)
		errors.email = 'Enter your work email address, such as sam@example.com.';
	const name = cleanUserName(values.name);
	if (!name) errors.name = 'Enter your name (1 to 120 characters, one line).';
	Object.assign(errors, newPasswordErrors(values, { email, name }) ?? {});
	if (Object.keys(errors).length > 0) return { ok: false, reason: 'form', errors };
	const passwordHash = await hashPassword(values.password);
	return db.transaction(async (tx): Promise<AcceptResult> => {
		// A setup link is for the first admin only: once one exists (say from the CLI), it is void.
		if (purpose === 'setup' && (await countActiveAdmins(tx)) > 0)
			return { ok: false, reason: 'admin_exists' };
		if (await getUserByEmail(tx, email))
			return {
				ok: false,
				reason: 'form',
				errors: { email: `${email} already has a staff account. Sign in instead.` },
			};
		// Single use: the update succeeds for one request only, even for two at once.
		const used = await tx
			.update(staffInvitationsTable)
			.set({ usedAt: now })
			.where(
				and(
					eq(staffInvitationsTable.id, found.id),
					isNull(staffInvitationsTable.usedAt),
					isNull(staffInvitationsTable.revokedAt),
					gt(staffInvitationsTable.expiresAt, now),
				),
			)
			.returning({ id: staffInvitationsTable.id });
		if (used.length === 0) return { ok: false, reason: 'used' };
		const [row] = await tx
			.insert(usersTable)
			.values({ email, name: name!, role: found.role, passwordHash, createdAt: now })
			.returning({ id: usersTable.id });
		if (!row) throw new Error('Inserting the user returned nothing');
		await tx
			.update(staffInvitationsTable)
			.set({ userId: row.id })
			.where(eq(staffInvitationsTable.id, found.id));
		await appendAuditEvent(tx, {
			type: 'user.created',
			actor: `invitation:${found.id}`,
			subject: `user:${row.id}`,
			data: { email, role: found.role, via: purpose },
		});
		return {
			ok: true,
			user: { id: row.id, email, name: name!, role: found.role, totpEnabled: false },
		};
	});
}
