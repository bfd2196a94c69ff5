/**
 * The staff request queue: requests by state and text, one request with everything a person
 * needs to decide it, and the decision form read into values (or errors that say what to fix).
 */
import { and, asc, desc, eq, gt, ilike, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import {
	ACCESS_REQUEST_STATES,
	accessRequestsTable,
	approvalRulesTable,
	auditEventsTable,
	ndaAcceptancesTable,
	ndaClaimsTable,
	ndaVersionsTable,
	requestersTable,
	usersTable,
} from '../../../../db/schema.ts';
import type { RequestState } from './requests.ts';

export const QUEUE_PAGE_SIZE = 100;

export interface QueueFilter {
	/** A state, or `all`; by default the requests waiting for staff (`pending`). */
	state: RequestState | 'all';
	/** Part of the requester's email, name or company. */
	q: string;
	/** Continue after this request, in the list's order (the last one of the page before). */
	after?: number;
}

export function readQueueFilter(params: URLSearchParams): QueueFilter {
	const state = params.get('state') ?? 'pending';
	return {
		state:
			state === 'all' || ACCESS_REQUEST_STATES.includes(state as RequestState)
				? (state as QueueFilter['state'])
				: 'pending',
		q: (params.get('q') ?? '').trim().slice(0, 200),
		...(/^[1-9]\d{0,15}$/.test(params.get('after') ?? '')
			? { after: Number(params.get('after')) }
			: {}),
	};
}

/** `%` and `_` typed by staff match themselves, not any text. */
const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page of the queue, and where the next page starts (null: this was the last). Pages are cut
 * by request id, not by offset: a request decided meanwhile does not shift the next page.
 */
export async function listRequestQueue(
	db: Executor,
	filter: QueueFilter,
	pageSize = QUEUE_PAGE_SIZE,
): Promise<{ requests: QueueRow[]; next: number | null }> {
	// The longest-waiting first when working the queue; the newest first otherwise.
	const oldestFirst = filter.state === 'pending';
	const where: SQL[] = [];
	if (filter.state !== 'all') where.push(eq(accessRequestsTable.state, filter.state));
	if (filter.after)
		where.push(
			oldestFirst
				? gt(accessRequestsTable.id, filter.after)
				: lt(accessRequestsTable.id, filter.after),
		);
	if (filter.q) {
		const text = likeText(filter.q);
		where.push(
			or(
				ilike(requestersTable.email, text),
				ilike(requestersTable.name, text),
				ilike(accessRequestsTable.company, text),
				ilike(requestersTable.company, text),
			)!,
		);
	}
	const rows = await db
		.select({
			id: accessRequestsTable.id,
			state: accessRequestsTable.state,
			createdAt: accessRequestsTable.createdAt,
			updatedAt: accessRequestsTable.updatedAt,
			documents: accessRequestsTable.documentSlugs,
			email: requestersTable.email,
			name: requestersTable.name,
			company: accessRequestsTable.company,
			title: accessRequestsTable.title,
		})
		.from(accessRequestsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, accessRequestsTable.requesterId))
		.where(where.length ? and(...where) : undefined)
		.orderBy(oldestFirst ? asc(accessRequestsTable.id) : desc(accessRequestsTable.id))
		.limit(pageSize + 1);
	const more = rows.length > pageSize;
	rows.length = Math.min(rows.length, pageSize);
	const claims = rows.length
		? await db
				.select({ requestId: ndaClaimsTable.requestId })
				.from(ndaClaimsTable)
				.where(
					and(
						inArray(
							ndaClaimsTable.requestId,
							rows.map((r) => r.id),
						),
						eq(ndaClaimsTable.status, 'pending'),
					),
				)
		: [];
	return {
		requests: rows.map((r) => ({ ...r, claimPending: claims.some((c) => c.requestId === r.id) })),
		next: more ? rows.at(-1)!.id : null,
	};
}

export interface QueueRow {
	id: number;
	state: RequestState;
	createdAt: Date;
	updatedAt: Date;
	documents: string[];
	email: string;
	name: string;
	company: string | null;
	title: string | null;
	claimPending: boolean;
}

/** One request with its requester, NDA evidence or claim, the rule that decided, and why. */
export async function getQueuedRequest(db: Executor, requestId: number) {
	const [row] = await db
		.select({ request: accessRequestsTable, requester: requestersTable })
		.from(accessRequestsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, accessRequestsTable.requesterId))
		.where(eq(accessRequestsTable.id, requestId));
	if (!row) return null;
	const [nda] = await db
		.select({
			version: ndaVersionsTable.version,
			acceptedAt: ndaAcceptancesTable.acceptedAt,
			signerName: ndaAcceptancesTable.signerName,
			signerTitle: ndaAcceptancesTable.signerTitle,
			id: ndaAcceptancesTable.id,
		})
		.from(ndaAcceptancesTable)
		.innerJoin(ndaVersionsTable, eq(ndaVersionsTable.id, ndaAcceptancesTable.ndaVersionId))
		.where(eq(ndaAcceptancesTable.requesterId, row.requester.id))
		.orderBy(desc(ndaAcceptancesTable.acceptedAt))
		.limit(1);
	const claims = await db
		.select()
		.from(ndaClaimsTable)
		.where(eq(ndaClaimsTable.requestId, requestId))
		.orderBy(asc(ndaClaimsTable.id));
	const [rule] = row.request.ruleId
		? await db
				.select()
				.from(approvalRulesTable)
				.where(eq(approvalRulesTable.id, row.request.ruleId))
		: [];
	// The policy's own words when it sent the request to staff (or the claim's, for a claim).
	const [policy] = await db
		.select({ data: auditEventsTable.data })
		.from(auditEventsTable)
		.where(
			and(
				eq(auditEventsTable.subject, `request:${requestId}`),
				eq(auditEventsTable.type, 'request.policy'),
			),
		)
		.orderBy(desc(auditEventsTable.seq))
		.limit(1);
	const [decidedBy] = row.request.decidedBy
		? await db
				.select({ name: usersTable.name, email: usersTable.email })
				.from(usersTable)
				.where(eq(usersTable.id, row.request.decidedBy))
		: [];
	return {
		...row,
		nda: nda ?? null,
		claims,
		rule: rule ?? null,
		why: typeof policy?.data.why === 'string' ? policy.data.why : null,
		decidedBy: decidedBy ?? null,
	};
}

export type QueuedRequest = NonNullable<Awaited<ReturnType<typeof getQueuedRequest>>>;

export type ApprovalForm =
	| {
			ok: true;
			values: { documentSlugs: string[]; grantDays: number | null; downloadCap: number | null };
	  }
	| { ok: false; errors: Record<string, string> };

const MAX_DAYS = 3650;
const MAX_DOWNLOADS = 10_000;

/** A whole number in range, or null for an empty field; `false` when it is neither. */
export function readCount(value: FormDataEntryValue | null, max: number): number | null | false {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') return null;
	if (!/^\d{1,6}$/.test(text)) return false;
	const n = Number(text);
	return n >= 1 && n <= max ? n : false;
}

/** The approve form: the documents ticked, access days and download cap (empty: the defaults). */
export function readApprovalForm(form: FormData): ApprovalForm {
	const errors: Record<string, string> = {};
	const documentSlugs = form.getAll('documents').filter((v): v is string => typeof v === 'string');
	if (documentSlugs.length === 0) errors.documents = 'Tick at least one document to grant';
	const grantDays = readCount(form.get('days'), MAX_DAYS);
	if (grantDays === false)
		errors.days = `Access days must be a whole number from 1 to ${MAX_DAYS}, or empty for the default`;
	const downloadCap = readCount(form.get('downloads'), MAX_DOWNLOADS);
	if (downloadCap === false)
		errors.downloads = `The download cap must be a whole number from 1 to ${MAX_DOWNLOADS}, or empty for no cap`;
	if (Object.keys(errors).length || grantDays === false || downloadCap === false)
		return { ok: false, errors };
	return { ok: true, values: { documentSlugs, grantDays, downloadCap } };
}

/** The deny form's internal reason: kept for staff, never shown to the reviewer. */
export function readDenialNote(form: FormData): string | null {
	const note = String(form.get('note') ?? '')
		.replace(/\r\n?/g, '\n')
		.trim()
		.slice(0, 2000);
	return note || null;
}
