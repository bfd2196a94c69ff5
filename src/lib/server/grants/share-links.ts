/**
 * Share links: a rep sends a prospect a link bound to one address or an email domain, for chosen
 * documents, expiring, with a use cap. The token is `<tokenId>.<secret>`; only the secret's
 * SHA-256 is stored and it is compared in constant time, so a database leak yields no usable link.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import { z } from 'astro/zod';
import type { Executor } from '../../../../db/client.ts';
import {
	accessRequestsTable,
	grantsTable,
	shareLinksTable,
	usersTable,
} from '../../../../db/schema.ts';
import { formatDateTime } from '../../content/dates.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { generateSessionToken, parseSessionToken } from '../auth/auth-session.ts';
import { can } from '../auth/permissions.ts';
import type { User } from '../auth/users.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { constantTimeEqual, sha256 } from '../platform/crypto.ts';
import { emailAddress, emailDomain, fieldErrors, singleLine } from '../platform/input.ts';
import { type JourneyContext, siteLink, trustCenterName } from '../requests/context.ts';
import { FREE_MAIL_DOMAINS, isValidDomainPattern } from '../requests/policy.ts';
import { getDocumentTitles, listRequestableDocuments } from '../requests/requests.ts';

export type ShareLink = typeof shareLinksTable.$inferSelect;
export type ShareLinkState = 'active' | 'expired' | 'used_up' | 'revoked';

export const MAX_SHARE_LINK_DAYS = 90;
export const MAX_SHARE_LINK_USES = 100;

const DOMAIN = /^@?([a-z0-9.-]+)$/;

export const shareLinkFormSchema = z.object({
	recipient: z
		.string()
		.transform((value) => value.trim().toLowerCase())
		.pipe(z.string().min(1, { error: 'Recipient is required: an address or @company.com' })),
	documents: z
		.array(z.string().regex(/^[a-z0-9-]{1,100}$/, { error: 'Pick documents from the list' }))
		.min(1, { error: 'Pick at least one document' })
		.max(50),
	expiresInDays: z.coerce
		.number({ error: 'Expires in must be a number of days' })
		.int({ error: 'Expires in must be a whole number of days' })
		.min(1, { error: 'Expires in must be at least 1 day' })
		.max(MAX_SHARE_LINK_DAYS, {
			error: `Expires in must be at most ${MAX_SHARE_LINK_DAYS} days`,
		}),
	maxUses: z.coerce
		.number({ error: 'Uses must be a number' })
		.int({ error: 'Uses must be a whole number' })
		.min(1, { error: 'Uses must be at least 1' })
		.max(MAX_SHARE_LINK_USES, { error: `Uses must be at most ${MAX_SHARE_LINK_USES}` }),
	ndaOnFile: z.boolean(),
	ndaReference: z.string().transform((value) => value.trim()),
	delivery: z.enum(['copy', 'email'], { error: 'Choose how the link reaches the prospect' }),
});

/** Checked beside the schema, not after it: every field's error shows at once. */
function ndaReferenceError(values: ShareLinkFormValues): string | null {
	if (!values.ndaOnFile) return null;
	return singleLine('NDA reference', 200).safeParse(values.ndaReference.trim()).success
		? null
		: 'Give the reference of the NDA on file (such as "MSA-2025-014"), or untick it';
}

export type ShareLinkFormValues = {
	recipient: string;
	documents: string[];
	expiresInDays: string;
	maxUses: string;
	ndaOnFile: boolean;
	ndaReference: string;
	delivery: string;
	/** The form's one-time key (newFormKey), when it came from the form: see createShareLink. */
	formKey?: string;
};

/** A fresh key for one share-link form: 128 random bits. */
export function newFormKey(): string {
	return randomBytes(16).toString('base64url');
}

const FORM_KEY = /^[A-Za-z0-9_-]{16,64}$/;

export function readShareLinkForm(form: FormData): ShareLinkFormValues {
	return {
		recipient: String(form.get('recipient') ?? ''),
		documents: form.getAll('documents').map(String),
		expiresInDays: String(form.get('expiresInDays') ?? ''),
		maxUses: String(form.get('maxUses') ?? ''),
		ndaOnFile: form.get('ndaOnFile') === 'yes',
		ndaReference: String(form.get('ndaReference') ?? ''),
		delivery: String(form.get('delivery') ?? ''),
		// Anything but a key this page could have made is ignored (the link is still made).
		...(FORM_KEY.test(String(form.get('formKey') ?? ''))
			? { formKey: String(form.get('formKey')) }
			: {}),
	};
}

/** `jane@acme.com` → bound to that address; `@acme.com` (or `acme.com`) → anyone at that domain. */
export function parseRecipient(
	value: string,
): { ok: true; email: string | null; domain: string | null } | { ok: false; error: string } {
	if (value.includes('@') && !value.startsWith('@')) {
		const email = emailAddress('Recipient').safeParse(value);
		return email.success
			? { ok: true, email: email.data, domain: null }
			: { ok: false, error: email.error.issues[0]?.message ?? 'Recipient is not an address' };
	}
	const domain = DOMAIN.exec(value)?.[1] ?? '';
	if (!isValidDomainPattern(domain) || domain.startsWith('*'))
		return {
			ok: false,
			error: 'Recipient must be an address such as jane@acme.com or a domain such as @acme.com',
		};
	return { ok: true, email: null, domain };
}

export const recipientLabel = (link: Pick<ShareLink, 'boundEmail' | 'boundDomain'>) =>
	link.boundEmail ?? `anyone at @${link.boundDomain}`;

export type CreateShareLinkResult =
	| { ok: true; id: number; token: string; url: string; emailed: boolean }
	| { ok: false; errors: Record<string, string> }
	/** The same form was sent before (a reload, a double click): its link stands, nothing new. */
	| { ok: false; reason: 'already_created'; id: number };

/**
 * Creates a link for the rep; the token is returned once and never stored. A form sent again with
 * the same key makes no second link and no second email: the unique (rep, key) index decides, so
 * two sends at once (a double click) make one link too.
 */
export async function createShareLink(
	ctx: JourneyContext,
	rep: User,
	values: ShareLinkFormValues,
): Promise<CreateShareLinkResult> {
	const parsed = shareLinkFormSchema.safeParse(values);
	const errors = parsed.success ? {} : fieldErrors(parsed.error);
	const ndaReference = ndaReferenceError(values);
	if (ndaReference) errors.ndaReference ??= ndaReference;
	const recipient = parseRecipient(values.recipient.trim().toLowerCase());
	if (!recipient.ok) errors.recipient ??= recipient.error;
	// Anyone can get an address there: a link for the whole domain would be a link for anyone.
	else if (recipient.domain && FREE_MAIL_DOMAINS.has(recipient.domain))
		errors.recipient ??= `${recipient.domain} is a free email provider where anyone can get an address; give the person's own address (name@${recipient.domain}) instead`;
	const offered = await listRequestableDocuments(ctx.db);
	if (values.documents.some((slug) => !offered.some((d) => d.slug === slug)))
		errors.documents ??= 'Pick documents from the list';
	if (recipient.ok && recipient.email === null && values.delivery === 'email')
		errors.delivery ??=
			'Trustroom can only email a link bound to one address: give an address, or copy the link';
	if (!parsed.success || !recipient.ok || Object.keys(errors).length > 0)
		return { ok: false, errors };
	const input = parsed.data;
	const now = ctx.now ?? new Date();
	const { id: tokenId, secret, token } = generateSessionToken();
	const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000);
	const url = siteLink(ctx, `/share/${token}`);
	return ctx.db.transaction(async (tx) => {
		const [link] = await tx
			.insert(shareLinksTable)
			.values({
				tokenId,
				tokenHash: sha256(secret),
				createdBy: rep.id,
				boundEmail: recipient.email,
				boundDomain: recipient.domain,
				documentSlugs: input.documents,
				expiresAt,
				maxUses: input.maxUses,
				ndaOnFileReference: input.ndaOnFile ? input.ndaReference : null,
				formKey: values.formKey ?? null,
				createdAt: now,
			})
			.onConflictDoNothing({ target: [shareLinksTable.createdBy, shareLinksTable.formKey] })
			.returning();
		if (!link) {
			const [earlier] = await tx
				.select({ id: shareLinksTable.id })
				.from(shareLinksTable)
				.where(
					and(
						eq(shareLinksTable.createdBy, rep.id),
						eq(shareLinksTable.formKey, values.formKey ?? ''),
					),
				);
			if (!earlier) throw new Error('Inserting the share link returned nothing');
			return { ok: false, reason: 'already_created', id: earlier.id } as const;
		}
		await appendAuditEvent(tx, {
			type: 'share_link.created',
			actor: `user:${rep.id}`,
			subject: `share-link:${link.id}`,
			data: {
				recipient: recipient.email ?? `@${recipient.domain}`,
				documents: input.documents,
				expiresAt: expiresAt.toISOString(),
				maxUses: input.maxUses,
				// The rep's word that an NDA is on file: it replaces the click-through, so it is logged.
				ndaOnFile: link.ndaOnFileReference,
				emailed: input.delivery === 'email',
			},
		});
		if (input.delivery === 'email' && recipient.email) {
			await enqueueEmail(tx, ctx, {
				to: recipient.email,
				template: 'share-link-invite',
				// Replies reach the rep who knows the prospect, not a no-reply mailbox.
				replyTo: rep.email,
				props: {
					repName: rep.name,
					trustCenterName: trustCenterName(ctx),
					companyName: ctx.companyName,
					shareUrl: url,
					documents: await getDocumentTitles(tx, input.documents),
					expiresOn: formatDateTime(expiresAt),
					recipient: recipient.email,
				},
			});
		}
		return { ok: true, id: link.id, token, url, emailed: input.delivery === 'email' };
	});
}

/** The link a token names, whatever its state, or null. The secret is compared in constant time. */
export async function getShareLinkByToken(tx: Executor, token: string): Promise<ShareLink | null> {
	const parts = parseSessionToken(token);
	if (!parts) return null;
	const [link] = await tx
		.select()
		.from(shareLinksTable)
		.where(eq(shareLinksTable.tokenId, parts.id));
	if (!link || !constantTimeEqual(sha256(parts.secret), link.tokenHash)) return null;
	return link;
}

export function getShareLinkState(
	link: Pick<ShareLink, 'revokedAt' | 'expiresAt' | 'uses' | 'maxUses'>,
	now: Date,
): ShareLinkState {
	if (link.revokedAt) return 'revoked';
	if (link.expiresAt <= now) return 'expired';
	if (link.uses >= link.maxUses) return 'used_up';
	return 'active';
}

/** Whether an address may use the link: the bound address exactly, or any address at the domain. */
export function verifyShareLinkRecipient(
	link: Pick<ShareLink, 'boundEmail' | 'boundDomain'>,
	email: string,
): boolean {
	if (link.boundEmail) return link.boundEmail === email.toLowerCase();
	return link.boundDomain !== null && emailDomain(email) === link.boundDomain;
}

/**
 * Counts one verified use. A conditional UPDATE (PostgreSQL re-checks `uses < max_uses` on the
 * row it locks), so parallel uses can never push the count past the cap.
 */
export async function useShareLink(
	tx: Executor,
	linkId: number,
	now: Date,
): Promise<{ ok: true } | { ok: false; reason: Exclude<ShareLinkState, 'active'> }> {
	const [used] = await tx
		.update(shareLinksTable)
		.set({ uses: sql`${shareLinksTable.uses} + 1` })
		.where(
			and(
				eq(shareLinksTable.id, linkId),
				lt(shareLinksTable.uses, shareLinksTable.maxUses),
				isNull(shareLinksTable.revokedAt),
				gt(shareLinksTable.expiresAt, now),
			),
		)
		.returning({ id: shareLinksTable.id });
	if (used) return { ok: true };
	const [link] = await tx.select().from(shareLinksTable).where(eq(shareLinksTable.id, linkId));
	if (!link) throw new Error(`No share link ${linkId}`);
	const state = getShareLinkState(link, now);
	return { ok: false, reason: state === 'active' ? 'used_up' : state };
}

export interface ShareLinkRow {
	id: number;
	recipient: string;
	documents: string[];
	expiresAt: Date;
	uses: number;
	maxUses: number;
	state: ShareLinkState;
	createdAt: Date;
	createdBy: { id: number; name: string };
	ndaOnFileReference: string | null;
	firstOpenedAt: Date | null;
	revokedAt: Date | null;
}

/** A rep's own links; with links.manageAll (admins), everyone's. Newest first. */
export async function listShareLinks(
	db: Executor,
	viewer: User,
	now = new Date(),
): Promise<ShareLinkRow[]> {
	const rows = await db
		.select({ link: shareLinksTable, repName: usersTable.name })
		.from(shareLinksTable)
		.innerJoin(usersTable, eq(usersTable.id, shareLinksTable.createdBy))
		.where(can(viewer, 'links.manageAll') ? undefined : eq(shareLinksTable.createdBy, viewer.id))
		.orderBy(desc(shareLinksTable.id));
	const titles = new Map(
		(await listRequestableDocuments(db)).map((d) => [d.slug, d.title] as const),
	);
	return rows.map(({ link, repName }) => toRow(link, repName, titles, now));
}

function toRow(
	link: ShareLink,
	repName: string,
	titles: Map<string, string>,
	now: Date,
): ShareLinkRow {
	return {
		id: link.id,
		recipient: recipientLabel(link),
		documents: link.documentSlugs.map((slug) => titles.get(slug) ?? slug),
		expiresAt: link.expiresAt,
		uses: link.uses,
		maxUses: link.maxUses,
		state: getShareLinkState(link, now),
		createdAt: link.createdAt,
		createdBy: { id: link.createdBy, name: repName },
		ndaOnFileReference: link.ndaOnFileReference,
		firstOpenedAt: link.firstOpenedAt,
		revokedAt: link.revokedAt,
	};
}

/**
 * One link as the viewer may see it: their own, or any with links.manageAll. Another rep's link
 * answers null, exactly as a missing one, so ids reveal nothing.
 */
export async function getShareLinkForStaff(
	db: Executor,
	viewer: User,
	linkId: number,
	now = new Date(),
): Promise<ShareLinkRow | null> {
	const [row] = await db
		.select({ link: shareLinksTable, repName: usersTable.name })
		.from(shareLinksTable)
		.innerJoin(usersTable, eq(usersTable.id, shareLinksTable.createdBy))
		.where(eq(shareLinksTable.id, linkId));
	if (!row) return null;
	if (row.link.createdBy !== viewer.id && !can(viewer, 'links.manageAll')) return null;
	const titles = new Map(
		(await listRequestableDocuments(db)).map((d) => [d.slug, d.title] as const),
	);
	return toRow(row.link, row.repName, titles, now);
}

export type RevokeShareLinkResult =
	{ ok: true; grantsEnded: number } | { ok: false; reason: 'not_found' | 'already_revoked' };

/** Ends the link at once, and every grant made through it (their downloads stop too). */
export async function revokeShareLink(
	db: JourneyContext['db'],
	viewer: User,
	linkId: number,
	now = new Date(),
): Promise<RevokeShareLinkResult> {
	return db.transaction(async (tx) => {
		const [link] = await tx
			.select()
			.from(shareLinksTable)
			.where(eq(shareLinksTable.id, linkId))
			.for('update');
		// Another rep's link is refused exactly as a missing one.
		if (!link || (link.createdBy !== viewer.id && !can(viewer, 'links.manageAll')))
			return { ok: false, reason: 'not_found' };
		if (link.revokedAt) return { ok: false, reason: 'already_revoked' };
		await tx
			.update(shareLinksTable)
			.set({ revokedAt: now, revokedBy: viewer.id })
			.where(eq(shareLinksTable.id, linkId));
		const grantIds = (
			await tx
				.select({ grantId: accessRequestsTable.grantId })
				.from(accessRequestsTable)
				.where(eq(accessRequestsTable.shareLinkId, linkId))
		)
			.map((r) => r.grantId)
			.filter((id): id is number => id !== null);
		const ended = grantIds.length
			? await tx
					.update(grantsTable)
					.set({ revokedAt: now, revokedBy: viewer.id })
					.where(and(inArray(grantsTable.id, grantIds), isNull(grantsTable.revokedAt)))
					.returning({ id: grantsTable.id })
			: [];
		await appendAuditEvent(tx, {
			type: 'share_link.revoked',
			actor: `user:${viewer.id}`,
			subject: `share-link:${linkId}`,
			data: { grantsEnded: ended.map((g) => g.id) },
		});
		for (const grant of ended) {
			await appendAuditEvent(tx, {
				type: 'grant.revoked',
				actor: `user:${viewer.id}`,
				subject: `grant:${grant.id}`,
				data: { shareLinkId: linkId, why: 'the share link it came through was revoked' },
			});
		}
		return { ok: true, grantsEnded: ended.length };
	});
}
