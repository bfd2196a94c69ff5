/**
 * What happened through a share link (opens, verifications, NDA acceptances, downloads with copy
 * ids), and the notes that tell the rep and Slack as it happens.
 */
import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import {
	accessRequestsTable,
	auditEventsTable,
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	grantsTable,
	ndaAcceptancesTable,
	requestersTable,
	shareLinksTable,
	usersTable,
} from '../../../../db/schema.ts';
import { formatDateTime } from '../../content/dates.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { enqueueSlackMessage, slackEscape } from '../mail/slack.ts';
import { type JourneyContext, siteLink, trustCenterName } from '../requests/context.ts';
import { recipientLabel, type ShareLink } from './share-links.ts';

/** The first open: the rep is emailed, and Slack told (in the caller's transaction). */
export async function notifyShareLinkOpened(
	tx: Executor,
	ctx: JourneyContext,
	link: ShareLink,
	now: Date,
): Promise<void> {
	const [rep] = await tx.select().from(usersTable).where(eq(usersTable.id, link.createdBy));
	if (!rep) throw new Error(`Share link ${link.id} has no creator`);
	const recipient = recipientLabel(link);
	await enqueueEmail(tx, ctx, {
		to: rep.email,
		template: 'share-link-activity',
		props: {
			repName: rep.name,
			trustCenterName: trustCenterName(ctx),
			kind: 'opened',
			recipient,
			who: null,
			document: null,
			copyId: null,
			at: formatDateTime(now),
			linkUrl: siteLink(ctx, `/admin/links/${link.id}`),
		},
	});
	await enqueueSlackMessage(tx, ctx.config, {
		kind: 'share-link-opened',
		text: `:eyes: ${slackEscape(rep.name)}'s share link for ${slackEscape(recipient)} was opened for the first time. <${siteLink(ctx, `/admin/links/${link.id}`)}|See its activity>`,
	});
}

/**
 * After a copy was issued: Slack hears of every download; the rep who shared the link, of those
 * through their link. Called once the copy is on its way: a failure here is logged and never costs
 * the reader their copy. Returns whether anything was queued (the sender need not look otherwise).
 */
export async function notifyDownload(
	ctx: JourneyContext,
	copyId: string,
	viaShareLink: boolean,
): Promise<boolean> {
	// Most downloads are neither through a link nor watched by Slack: nothing to read.
	if (!viaShareLink && !ctx.config.slackWebhookUrl) return false;
	const now = ctx.now ?? new Date();
	const [row] = await ctx.db
		.select({
			email: requestersTable.email,
			name: requestersTable.name,
			company: requestersTable.company,
			document: documentsTable.title,
			link: shareLinksTable,
		})
		.from(downloadsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, downloadsTable.requesterId))
		.innerJoin(
			documentVersionsTable,
			eq(documentVersionsTable.id, downloadsTable.documentVersionId),
		)
		.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
		.innerJoin(grantsTable, eq(grantsTable.id, downloadsTable.grantId))
		.leftJoin(accessRequestsTable, eq(accessRequestsTable.id, grantsTable.requestId))
		.leftJoin(shareLinksTable, eq(shareLinksTable.id, accessRequestsTable.shareLinkId))
		.where(eq(downloadsTable.copyId, copyId));
	if (!row) return false;
	const { link } = row;
	return ctx.db.transaction(async (tx) => {
		const who = `${row.name} <${row.email}> (${row.company})`;
		const slack = await enqueueSlackMessage(tx, ctx.config, {
			kind: 'download',
			text: `:page_facing_up: ${slackEscape(who)} downloaded ${slackEscape(row.document)}, copy ${copyId}${link ? ` (through share link #${link.id})` : ''}.`,
		});
		if (!link) return slack !== null;
		const [rep] = await tx.select().from(usersTable).where(eq(usersTable.id, link.createdBy));
		if (!rep) return slack !== null;
		await enqueueEmail(tx, ctx, {
			to: rep.email,
			template: 'share-link-activity',
			props: {
				repName: rep.name,
				trustCenterName: trustCenterName(ctx),
				kind: 'downloaded',
				recipient: recipientLabel(link),
				who: row.email,
				document: row.document,
				copyId,
				at: formatDateTime(now),
				linkUrl: siteLink(ctx, `/admin/links/${link.id}`),
			},
		});
		return true;
	});
}

export interface ShareLinkEvent {
	at: Date;
	kind:
		| 'created'
		| 'opened'
		| 'previewed'
		| 'refused'
		| 'verified'
		| 'nda'
		| 'granted'
		| 'download'
		| 'revoked';
	text: string;
	copyId?: string;
}

/** The link's story, oldest first: from the audit log and the requests, NDA and download rows. */
export async function getShareLinkActivity(
	db: Executor,
	linkId: number,
): Promise<ShareLinkEvent[]> {
	const events: ShareLinkEvent[] = [];
	const audit = await db
		.select()
		.from(auditEventsTable)
		.where(eq(auditEventsTable.subject, `share-link:${linkId}`))
		.orderBy(asc(auditEventsTable.seq));
	const PREVIEWS: Record<string, string> = {
		preview_bot: 'for a link preview or by a link scanner',
		prefetch: 'ahead of time by a browser (prefetch)',
		not_a_navigation: 'by something other than a browser opening the page',
	};
	const REFUSALS: Record<string, string> = {
		wrong_recipient: 'an address the link is not for',
		invalid: 'an address the link is not for',
		expired: 'the link had expired',
		used_up: 'the link was used up',
		revoked: 'the link was revoked',
	};
	// Repeat views from one address, one after another, are one row: a prospect reloading the page
	// (or coming back to it) is not news six times over. Every view stays in the audit log.
	type Repeat = { event: ShareLinkEvent; ip: string; count: number; lastAt: Date };
	let repeat = null as Repeat | null;
	for (const e of audit) {
		const d = e.data;
		const ip = String(d.ip ?? 'an unknown address');
		const open = repeat as Repeat | null;
		if (e.type === 'share_link.opened' && !d.first && open?.ip === ip) {
			open.count++;
			open.lastAt = e.at;
			open.event.text = `Opened again from ${ip}, ${open.count} times (last ${formatDateTime(open.lastAt)})`;
			continue;
		}
		repeat = null;
		if (e.type === 'share_link.created')
			events.push({ at: e.at, kind: 'created', text: `Created for ${String(d.recipient)}` });
		else if (e.type === 'share_link.opened') {
			const event: ShareLinkEvent = {
				at: e.at,
				kind: 'opened',
				text: `Opened${d.first ? ' (first time)' : ''} from ${ip}${d.via === 'form' ? ' (counted when its form was sent)' : ''}`,
			};
			events.push(event);
			if (!d.first) repeat = { event, ip, count: 1, lastAt: e.at };
		} else if (e.type === 'share_link.previewed')
			events.push({
				at: e.at,
				kind: 'previewed',
				text: `Fetched ${PREVIEWS[String(d.why)] ?? 'by a machine'}${d.userAgent ? ` (${String(d.userAgent).slice(0, 80)})` : ''}: not counted as an open`,
			});
		else if (e.type === 'share_link.refused')
			events.push({
				at: e.at,
				kind: 'refused',
				text: `Refused${d.email ? ` ${String(d.email)}` : ''}: ${REFUSALS[String(d.reason)] ?? String(d.reason)}`,
			});
		else if (e.type === 'share_link.used')
			events.push({
				at: e.at,
				kind: 'verified',
				text: `${String(d.email)} confirmed their address (use ${String(d.uses)} of ${String(d.maxUses)})`,
			});
		else if (e.type === 'share_link.repeated')
			events.push({
				at: e.at,
				kind: 'verified',
				text: `${String(d.email)} confirmed again (an older email of theirs): not another use`,
			});
		else if (e.type === 'share_link.granted')
			events.push({
				at: e.at,
				kind: 'granted',
				text: `Access granted (grant #${String(d.grantId)})`,
			});
		else if (e.type === 'share_link.revoked')
			events.push({ at: e.at, kind: 'revoked', text: 'Revoked: the link and its access ended' });
	}
	const requests = await db
		.select({
			id: accessRequestsTable.id,
			requesterId: accessRequestsTable.requesterId,
			grantId: accessRequestsTable.grantId,
			createdAt: accessRequestsTable.createdAt,
		})
		.from(accessRequestsTable)
		.where(eq(accessRequestsTable.shareLinkId, linkId));
	const [link] = await db
		.select({ createdAt: shareLinksTable.createdAt })
		.from(shareLinksTable)
		.where(eq(shareLinksTable.id, linkId));
	const requesterIds = [...new Set(requests.map((r) => r.requesterId))];
	if (link && requesterIds.length > 0) {
		const acceptances = await db
			.select()
			.from(ndaAcceptancesTable)
			.where(
				and(
					inArray(ndaAcceptancesTable.requesterId, requesterIds),
					gte(ndaAcceptancesTable.acceptedAt, link.createdAt),
				),
			);
		for (const a of acceptances)
			events.push({
				at: a.acceptedAt,
				kind: 'nda',
				text: `${a.signerName} (${a.email}) accepted the NDA`,
			});
	}
	const grantIds = requests.map((r) => r.grantId).filter((id): id is number => id !== null);
	if (grantIds.length > 0) {
		const downloads = await db
			.select({
				at: downloadsTable.createdAt,
				copyId: downloadsTable.copyId,
				status: downloadsTable.status,
				email: requestersTable.email,
				title: documentsTable.title,
			})
			.from(downloadsTable)
			.innerJoin(requestersTable, eq(requestersTable.id, downloadsTable.requesterId))
			.innerJoin(
				documentVersionsTable,
				eq(documentVersionsTable.id, downloadsTable.documentVersionId),
			)
			.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
			.where(inArray(downloadsTable.grantId, grantIds));
		for (const d of downloads)
			events.push({
				at: d.at,
				kind: 'download',
				text: `${d.email} downloaded ${d.title}${d.status === 'failed' ? ' (failed, not issued)' : ''}`,
				copyId: d.copyId,
			});
	}
	return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}
