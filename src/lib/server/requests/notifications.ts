/** Who hears about a request waiting for review: every active staff member who may decide it, and the requester. */
import { desc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import { ndaAcceptancesTable, ndaVersionsTable, usersTable } from '../../../../db/schema.ts';
import { formatDateTime } from '../../content/dates.ts';
import { can } from '../auth/permissions.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { enqueueSlackMessage, slackEscape } from '../mail/slack.ts';
import { type JourneyContext, siteLink, trustCenterName } from './context.ts';
import type { PolicyDecision } from './policy.ts';
import { getDocumentTitles, getRequestWithRequester } from './requests.ts';

/** Emails staff that a request waits for them, and tells the requester it is in review. */
export async function sendReviewEmails(
	tx: Executor,
	ctx: JourneyContext,
	requestId: number,
	decision: PolicyDecision,
): Promise<void> {
	const row = await getRequestWithRequester(tx, requestId);
	const documents = await getDocumentTitles(tx, row.request.documentSlugs);
	const staff = await tx
		.select({ email: usersTable.email, role: usersTable.role })
		.from(usersTable)
		.where(isNull(usersTable.disabledAt))
		.then((users) => users.filter((user) => can(user, 'requests.decide')));
	if (staff.length === 0) {
		console.warn(
			`Request ${requestId} waits for review, but there are no staff accounts to tell (npx trustroom users create).`,
		);
	}
	const [nda] = await tx
		.select({ version: ndaVersionsTable.version, at: ndaAcceptancesTable.acceptedAt })
		.from(ndaAcceptancesTable)
		.innerJoin(ndaVersionsTable, eq(ndaVersionsTable.id, ndaAcceptancesTable.ndaVersionId))
		.where(eq(ndaAcceptancesTable.requesterId, row.requester.id))
		.orderBy(desc(ndaAcceptancesTable.acceptedAt))
		.limit(1);
	for (const { email } of staff) {
		await enqueueEmail(tx, ctx, {
			to: email,
			template: 'staff-review',
			props: {
				trustCenterName: trustCenterName(ctx),
				requesterName: row.requester.name,
				requesterEmail: row.requester.email,
				requesterCompany: row.request.company ?? row.requester.company,
				requesterTitle: row.request.title,
				reason: row.request.reason,
				documents,
				ndaStatus: nda
					? `accepted NDA ${nda.version} on ${formatDateTime(nda.at)}`
					: 'no click-through NDA accepted',
				why: decision.why,
				requestId,
				reviewUrl: siteLink(ctx, `/admin/requests/${requestId}`),
			},
		});
	}
	await enqueueSlackMessage(tx, ctx.config, {
		kind: 'review',
		text: `:inbox_tray: Request #${requestId} from ${slackEscape(`${row.requester.name} <${row.requester.email}> (${row.request.company ?? row.requester.company})`)} waits for review: ${slackEscape(documents.join(', '))}. Why: ${slackEscape(decision.why)}. <${siteLink(ctx, '/admin/requests')}|Open the queue>`,
	});
	await enqueueEmail(tx, ctx, {
		to: row.requester.email,
		template: 'request-received',
		props: {
			name: row.requester.name,
			trustCenterName: trustCenterName(ctx),
			statusUrl: siteLink(ctx, '/portal'),
			documents,
		},
	});
}
