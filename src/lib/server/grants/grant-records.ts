/**
 * Grants as staff see them: who holds access to what, until when, how much of the download cap is
 * used, and the copies issued under each grant.
 */
import { and, count, desc, eq, ilike, inArray, ne, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import {
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	grantDocumentsTable,
	grantsTable,
	requestersTable,
	usersTable,
} from '../../../../db/schema.ts';

export type GrantState = 'active' | 'expired' | 'revoked' | 'used_up';

export interface GrantFilter {
	/** `active` (default), `ended` (expired, revoked or used up) or `all`. */
	show: 'active' | 'ended' | 'all';
	q: string;
}

export function readGrantFilter(params: URLSearchParams): GrantFilter {
	const show = params.get('show');
	return {
		show: show === 'ended' || show === 'all' ? show : 'active',
		q: (params.get('q') ?? '').trim().slice(0, 200),
	};
}

export function grantState(
	grant: { revokedAt: Date | null; expiresAt: Date; downloadCap: number | null },
	downloadsUsed: number,
	now: Date,
): GrantState {
	if (grant.revokedAt) return 'revoked';
	if (grant.expiresAt <= now) return 'expired';
	if (grant.downloadCap !== null && downloadsUsed >= grant.downloadCap) return 'used_up';
	return 'active';
}

const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Copies that count against the cap: a failed stamp does not. */
async function countUsed(db: Executor, grantIds: number[]) {
	if (grantIds.length === 0) return new Map<number, number>();
	const rows = await db
		.select({ grantId: downloadsTable.grantId, n: count() })
		.from(downloadsTable)
		.where(and(inArray(downloadsTable.grantId, grantIds), ne(downloadsTable.status, 'failed')))
		.groupBy(downloadsTable.grantId);
	return new Map(rows.map((r) => [r.grantId, Number(r.n)]));
}

async function grantDocuments(db: Executor, grantIds: number[]) {
	if (grantIds.length === 0) return [];
	return db
		.select({
			grantId: grantDocumentsTable.grantId,
			slug: documentsTable.slug,
			title: documentsTable.title,
		})
		.from(grantDocumentsTable)
		.innerJoin(documentsTable, eq(documentsTable.id, grantDocumentsTable.documentId))
		.where(inArray(grantDocumentsTable.grantId, grantIds));
}

export async function listGrants(db: Executor, filter: GrantFilter, now = new Date()) {
	const where: SQL[] = [];
	if (filter.q) {
		const text = likeText(filter.q);
		where.push(
			or(
				ilike(requestersTable.email, text),
				ilike(requestersTable.name, text),
				ilike(requestersTable.company, text),
			)!,
		);
	}
	const rows = await db
		.select({
			grant: grantsTable,
			email: requestersTable.email,
			name: requestersTable.name,
			company: requestersTable.company,
		})
		.from(grantsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, grantsTable.requesterId))
		.where(where.length ? and(...where) : undefined)
		.orderBy(desc(grantsTable.id))
		.limit(500);
	const ids = rows.map((r) => r.grant.id);
	const used = await countUsed(db, ids);
	const documents = await grantDocuments(db, ids);
	return rows
		.map((r) => {
			const downloadsUsed = used.get(r.grant.id) ?? 0;
			return {
				...r.grant,
				email: r.email,
				name: r.name,
				company: r.company,
				downloadsUsed,
				state: grantState(r.grant, downloadsUsed, now),
				documents: documents.filter((d) => d.grantId === r.grant.id),
			};
		})
		.filter((g) =>
			filter.show === 'all' ? true : (g.state === 'active') === (filter.show === 'active'),
		);
}

/** One grant with its requester, documents and every copy issued under it. */
export async function getGrantRecord(db: Executor, grantId: number, now = new Date()) {
	const [row] = await db
		.select({ grant: grantsTable, requester: requestersTable })
		.from(grantsTable)
		.innerJoin(requestersTable, eq(requestersTable.id, grantsTable.requesterId))
		.where(eq(grantsTable.id, grantId));
	if (!row) return null;
	const used = (await countUsed(db, [grantId])).get(grantId) ?? 0;
	const copies = await db
		.select({
			copyId: downloadsTable.copyId,
			status: downloadsTable.status,
			createdAt: downloadsTable.createdAt,
			ip: downloadsTable.ip,
			title: documentsTable.title,
			versionId: documentVersionsTable.id,
		})
		.from(downloadsTable)
		.innerJoin(
			documentVersionsTable,
			eq(documentVersionsTable.id, downloadsTable.documentVersionId),
		)
		.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
		.where(eq(downloadsTable.grantId, grantId))
		.orderBy(desc(downloadsTable.id));
	const people = [row.grant.createdBy, row.grant.revokedBy].filter((id): id is number => !!id);
	const staff = people.length
		? await db
				.select({ id: usersTable.id, name: usersTable.name })
				.from(usersTable)
				.where(inArray(usersTable.id, people))
		: [];
	const nameOf = (id: number | null) =>
		id ? (staff.find((s) => s.id === id)?.name ?? null) : null;
	return {
		...row,
		downloadsUsed: used,
		state: grantState(row.grant, used, now),
		documents: await grantDocuments(db, [grantId]),
		copies,
		createdByName: nameOf(row.grant.createdBy),
		revokedByName: nameOf(row.grant.revokedBy),
	};
}

export type GrantRecord = NonNullable<Awaited<ReturnType<typeof getGrantRecord>>>;

export type GrantChangeForm =
	| { ok: true; values: { expiresAt: Date | null; downloadCap: number | null } }
	| { ok: false; errors: Record<string, string> };

/** The extend form: a new last day of access (UTC, inclusive) and/or a new download cap. */
export function readGrantChangeForm(form: FormData, now = new Date()): GrantChangeForm {
	const errors: Record<string, string> = {};
	const day = String(form.get('expires') ?? '').trim();
	let expiresAt: Date | null = null;
	if (day) {
		const parsed = /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T23:59:59Z`) : null;
		if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day)
			errors.expires = 'The new last day must be a date such as 2027-06-30';
		else if (parsed <= now) errors.expires = 'The new last day must be today or later';
		else expiresAt = parsed;
	}
	const capText = String(form.get('downloads') ?? '').trim();
	let downloadCap: number | null = null;
	if (capText) {
		const n = /^\d{1,5}$/.test(capText) ? Number(capText) : 0;
		if (n < 1 || n > 10_000)
			errors.downloads = 'The download cap must be a whole number from 1 to 10000';
		else downloadCap = n;
	}
	if (!day && !capText && Object.keys(errors).length === 0)
		errors.expires = 'Give a new last day, a new download cap, or both';
	return Object.keys(errors).length
		? { ok: false, errors }
		: { ok: true, values: { expiresAt, downloadCap } };
}
