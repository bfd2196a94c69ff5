/**
 * The NDA step: the version in force, click-through acceptances kept as evidence (never
 * overwritten), their receipts, and "we already have an NDA with you" claims for staff to confirm.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import {
	ndaAcceptancesTable,
	ndaClaimsTable,
	ndaVersionsTable,
	requestersTable,
} from '../../../../db/schema.ts';
import { formatDateTime } from '../../content/dates.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import type { Requester } from '../auth/requester-session.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { generateNdaReceipt } from '../pdf/nda-receipt.ts';
import { fieldErrors } from '../platform/input.ts';
import {
	type JourneyContext,
	ndaTitle,
	type RequestMeta,
	siteLink,
	trustCenterName,
} from './context.ts';
import { grantShareLinkRequest } from '../grants/share-link-journey.ts';
import { applyApprovalPolicy } from './decisions.ts';
import {
	ndaAcceptSchema,
	ndaClaimSchema,
	type NdaAcceptFormValues,
	type NdaClaimFormValues,
} from './forms.ts';
import { sendReviewEmails } from './notifications.ts';
import { listRequesterRequests, lockRequester, setRequestState } from './requests.ts';

/** The NDA version in force today (from the content, mirrored in the database). */
export async function getCurrentNdaVersion(db: Executor, now = new Date()) {
	const today = now.toISOString().slice(0, 10);
	const rows = await db
		.select()
		.from(ndaVersionsTable)
		// On the same effective date, the one published last is in force.
		.orderBy(desc(ndaVersionsTable.effectiveDate), desc(ndaVersionsTable.id));
	return rows.find((r) => r.effectiveDate <= today) ?? null;
}

/**
 * Whether the requester accepted the NDA version in force on `today` (YYYY-MM-DD), or staff
 * confirmed an NDA on file, as an SQL expression: a column of any query that has the requester
 * (deliverCopy reads it with the grant, in the same round trip).
 */
export function ndaOnFileSql(requesterId: number, today: string) {
	// On the same effective date, the one published last is in force (as getCurrentNdaVersion).
	const inForce = sql`(select ${ndaVersionsTable.id} from ${ndaVersionsTable}
		where ${ndaVersionsTable.effectiveDate} <= ${today}
		order by ${ndaVersionsTable.effectiveDate} desc, ${ndaVersionsTable.id} desc limit 1)`;
	return sql<boolean>`(exists (select 1 from ${ndaAcceptancesTable}
		where ${ndaAcceptancesTable.requesterId} = ${requesterId}
		and ${ndaAcceptancesTable.ndaVersionId} = ${inForce})
	or exists (select 1 from ${ndaClaimsTable}
		where ${ndaClaimsTable.requesterId} = ${requesterId}
		and ${ndaClaimsTable.status} = 'confirmed'))`;
}

/** Whether the requester accepted the current NDA version, or staff confirmed an NDA on file. */
export async function verifyNdaOnFile(
	tx: Executor,
	requesterId: number,
	now = new Date(),
): Promise<boolean> {
	const [row] = await tx
		.select({ onFile: ndaOnFileSql(requesterId, now.toISOString().slice(0, 10)) })
		.from(requestersTable)
		.where(eq(requestersTable.id, requesterId));
	// postgres.js and PGlite both give a boolean; anything else is not a yes.
	return row?.onFile === true;
}

export type NdaAcceptanceResult =
	| { ok: true; acceptanceId: number; decided: number }
	| { ok: false; reason: 'nda_changed' | 'no_nda' };

/**
 * Records a click-through acceptance as evidence (never overwritten), emails the receipt PDF and
 * decides every request of this requester that waited for it.
 */
export async function createNdaAcceptance(
	ctx: JourneyContext,
	requester: Requester,
	input: { ndaVersion: string; textSha256: string; signerName: string; signerTitle: string },
	meta: RequestMeta,
): Promise<NdaAcceptanceResult> {
	const now = ctx.now ?? new Date();
	const userAgent = meta.userAgent?.slice(0, 500) ?? null;
	const nda = await getCurrentNdaVersion(ctx.db, now);
	if (!nda) return { ok: false, reason: 'no_nda' };
	// The form carries the hash of the text it showed: accept only what the signer actually saw.
	if (nda.version !== input.ndaVersion || nda.sha256 !== input.textSha256)
		return { ok: false, reason: 'nda_changed' };
	const receiptInput = {
		trustCenterName: trustCenterName(ctx),
		ndaTitle: nda.title ?? ndaTitle(ctx, nda.version),
		ndaVersion: nda.version,
		ndaEffectiveDate: nda.effectiveDate,
		ndaText: nda.text,
		textSha256: nda.sha256,
		signerName: input.signerName,
		signerTitle: input.signerTitle,
		signerCompany: requester.company,
		signerEmail: requester.email,
		ip: meta.ip,
		// The same (bounded) value as stored, so a receipt rebuilt later matches the emailed one.
		userAgent,
		acceptedAt: now,
	};
	return ctx.db.transaction(async (tx) => {
		// One acceptance per signer and version, even for a double click: the second transaction
		// waits here for the first (the requester row is locked), then finds its acceptance.
		await lockRequester(tx, requester.id);
		const [existing] = await tx
			.select({ id: ndaAcceptancesTable.id })
			.from(ndaAcceptancesTable)
			.where(
				and(
					eq(ndaAcceptancesTable.requesterId, requester.id),
					eq(ndaAcceptancesTable.ndaVersionId, nda.id),
				),
			)
			.limit(1);
		if (existing) return { ok: true, acceptanceId: existing.id, decided: 0 };
		const waiting = await listRequesterRequests(tx, requester.id, 'verified');
		const [acceptance] = await tx
			.insert(ndaAcceptancesTable)
			.values({
				ndaVersionId: nda.id,
				textSha256: nda.sha256,
				requesterId: requester.id,
				signerName: input.signerName,
				signerTitle: input.signerTitle,
				company: requester.company,
				email: requester.email,
				ip: meta.ip,
				userAgent,
				acceptedAt: now,
				// The request that asked for it; the row is append-only, so it is set here or never.
				requestId: waiting[0]?.id ?? null,
			})
			.returning({ id: ndaAcceptancesTable.id });
		if (!acceptance) throw new Error('Inserting the NDA acceptance returned nothing');
		// The signer, signed in through their own address, says who they are: copies bear this name.
		await tx
			.update(requestersTable)
			.set({ name: input.signerName, title: input.signerTitle })
			.where(eq(requestersTable.id, requester.id));
		const receipt = await generateNdaReceipt({ ...receiptInput, acceptanceId: acceptance.id });
		await enqueueEmail(tx, ctx, {
			to: requester.email,
			template: 'nda-receipt',
			props: {
				name: input.signerName,
				trustCenterName: trustCenterName(ctx),
				ndaTitle: receiptInput.ndaTitle,
				ndaVersion: nda.version,
				acceptedAt: formatDateTime(now),
				textSha256: nda.sha256,
				portalUrl: siteLink(ctx, '/portal'),
			},
			attachments: [
				{
					filename: `nda-receipt-${acceptance.id}.pdf`,
					contentType: 'application/pdf',
					content: receipt,
				},
			],
		});
		await appendAuditEvent(tx, {
			type: 'nda.accepted',
			actor: `requester:${requester.id}`,
			subject: `nda:${nda.version}`,
			data: {
				acceptanceId: acceptance.id,
				textSha256: nda.sha256,
				signerName: input.signerName,
				signerTitle: input.signerTitle,
				ip: meta.ip,
			},
		});
		for (const request of waiting) {
			await setRequestState(tx, request.id, 'nda_accepted', now);
			// A share link's request skips the rules: the rep who sent it already decided.
			if (request.shareLinkId !== null) await grantShareLinkRequest(tx, ctx, request.id, now);
			else await applyApprovalPolicy(tx, ctx, request.id, now);
		}
		return { ok: true, acceptanceId: acceptance.id, decided: waiting.length };
	});
}

/** "We already have an NDA/MSA with you": staff confirm it instead of the click-through. */
export async function createNdaClaim(
	ctx: JourneyContext,
	requester: Requester,
	input: { reference: string; signedOn: string | null },
	meta: RequestMeta,
): Promise<{ claimed: number }> {
	const now = ctx.now ?? new Date();
	return ctx.db.transaction(async (tx) => {
		// A double submit waits for the first, then finds nothing left to claim.
		await lockRequester(tx, requester.id);
		const waiting = await listRequesterRequests(tx, requester.id, 'verified');
		for (const request of waiting) {
			await tx.insert(ndaClaimsTable).values({
				requestId: request.id,
				requesterId: requester.id,
				reference: input.reference,
				signedOn: input.signedOn,
				createdAt: now,
			});
			await setRequestState(tx, request.id, 'pending', now);
			await appendAuditEvent(tx, {
				type: 'nda.claimed',
				actor: `requester:${requester.id}`,
				subject: `request:${request.id}`,
				data: { reference: input.reference, signedOn: input.signedOn, ip: meta.ip },
			});
			await sendReviewEmails(tx, ctx, request.id, {
				action: 'review',
				rule: null,
				why: `the requester says an NDA or MSA is already signed (reference "${input.reference}"${input.signedOn ? `, signed ${input.signedOn}` : ''}); confirm it before approving`,
			});
		}
		return { claimed: waiting.length };
	});
}

/**
 * Rebuilds the receipt PDF of an acceptance: one of the requester's own (null if not theirs), or,
 * with `requesterId` null, any acceptance (staff pages authorise before they call this).
 */
export async function getNdaReceipt(
	ctx: JourneyContext,
	requesterId: number | null,
	acceptanceId: number,
): Promise<Uint8Array | null> {
	const [row] = await ctx.db
		.select({ acceptance: ndaAcceptancesTable, nda: ndaVersionsTable })
		.from(ndaAcceptancesTable)
		.innerJoin(ndaVersionsTable, eq(ndaVersionsTable.id, ndaAcceptancesTable.ndaVersionId))
		.where(
			and(
				eq(ndaAcceptancesTable.id, acceptanceId),
				requesterId === null ? undefined : eq(ndaAcceptancesTable.requesterId, requesterId),
			),
		);
	if (!row) return null;
	const { acceptance, nda } = row;
	return generateNdaReceipt({
		trustCenterName: trustCenterName(ctx),
		ndaTitle: nda.title ?? ndaTitle(ctx, nda.version),
		ndaVersion: nda.version,
		ndaEffectiveDate: nda.effectiveDate,
		ndaText: nda.text,
		textSha256: acceptance.textSha256,
		signerName: acceptance.signerName,
		signerTitle: acceptance.signerTitle,
		signerCompany: acceptance.company,
		signerEmail: acceptance.email,
		ip: acceptance.ip,
		userAgent: acceptance.userAgent,
		acceptedAt: acceptance.acceptedAt,
		acceptanceId: acceptance.id,
	});
}

export type NdaFormResult =
	| { ok: true }
	| { ok: false; reason: 'invalid'; errors: Record<string, string> }
	| { ok: false; reason: 'nda_changed' | 'no_nda' };

/** The NDA form's "accept" POST: validates the fields, then records the acceptance. */
export async function submitNdaAcceptanceForm(
	ctx: JourneyContext,
	requester: Requester,
	values: NdaAcceptFormValues,
	meta: RequestMeta,
): Promise<NdaFormResult> {
	const parsed = ndaAcceptSchema.safeParse(values);
	if (!parsed.success) return { ok: false, reason: 'invalid', errors: fieldErrors(parsed.error) };
	const result = await createNdaAcceptance(ctx, requester, parsed.data, meta);
	return result.ok ? { ok: true } : result;
}

/** The NDA form's "we already have one" POST: validates the fields, then records the claim. */
export async function submitNdaClaimForm(
	ctx: JourneyContext,
	requester: Requester,
	values: NdaClaimFormValues,
	meta: RequestMeta,
): Promise<NdaFormResult> {
	const parsed = ndaClaimSchema.safeParse(values);
	if (!parsed.success) return { ok: false, reason: 'invalid', errors: fieldErrors(parsed.error) };
	await createNdaClaim(ctx, requester, parsed.data, meta);
	return { ok: true };
}
