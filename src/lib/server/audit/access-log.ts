/**
 * The access log: audit events about who asked for, was given, or downloaded which document,
 * with the requester and document resolved, filterable, and exportable with the chain's hashes
 * so an auditor can recompute them.
 */
import { and, desc, asc, eq, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import {
	accessRequestsTable,
	auditEventsTable,
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	requestersTable,
} from '../../../../db/schema.ts';
import { canonicalJson } from './audit.ts';
import { csvLine } from './csv.ts';
import { isRealDate } from '../../content/dates.ts';

export interface AccessLogFilter {
	email?: string;
	company?: string;
	document?: string;
	/** YYYY-MM-DD, inclusive, UTC. */
	from?: string;
	to?: string;
	/** 'access' (default): requests, NDA, grants, downloads; 'all': staff events too. */
	kind?: 'access' | 'all';
}

export interface AccessLogEntry {
	seq: number;
	at: Date;
	type: string;
	actor: string;
	subject: string | null;
	email: string | null;
	company: string | null;
	document: string | null;
	copyId: string | null;
	ip: string | null;
	data: Record<string, unknown>;
	prevHash: string;
	hash: string;
}

const ACCESS_TYPES = ['request.%', 'nda.%', 'grant.%', 'download.%', 'link.%'];
export const PAGE_SIZE = 100;

const documentSlug = sql<
	string | null
>`coalesce(${documentsTable.slug}, ${auditEventsTable.data}->>'document', case when ${auditEventsTable.subject} like 'document:%' then substr(${auditEventsTable.subject}, 10) end)`;

function query(db: Database, filter: AccessLogFilter) {
	const where: (SQL | undefined)[] = [];
	if ((filter.kind ?? 'access') === 'access')
		where.push(or(...ACCESS_TYPES.map((t) => sql`${auditEventsTable.type} like ${t}`)));
	if (filter.email) where.push(ilike(requestersTable.email, `%${escapeLike(filter.email)}%`));
	if (filter.company) where.push(ilike(requestersTable.company, `%${escapeLike(filter.company)}%`));
	if (filter.document)
		where.push(
			or(
				sql`${documentSlug} = ${filter.document}`,
				sql`jsonb_exists(coalesce(${auditEventsTable.data}->'documents', '[]'::jsonb), ${filter.document})`,
			),
		);
	if (filter.from) where.push(gte(auditEventsTable.at, new Date(`${filter.from}T00:00:00Z`)));
	if (filter.to)
		where.push(
			lt(auditEventsTable.at, new Date(new Date(`${filter.to}T00:00:00Z`).getTime() + 86_400_000)),
		);
	return {
		where,
		select: db
			.select({
				seq: auditEventsTable.seq,
				at: auditEventsTable.at,
				type: auditEventsTable.type,
				actor: auditEventsTable.actor,
				subject: auditEventsTable.subject,
				email: requestersTable.email,
				company: requestersTable.company,
				document: documentSlug,
				copyId: downloadsTable.copyId,
				ip: sql<
					string | null
				>`coalesce(${auditEventsTable.data}->>'ip', host(${downloadsTable.ip}))`,
				data: auditEventsTable.data,
				prevHash: auditEventsTable.prevHash,
				hash: auditEventsTable.hash,
			})
			.from(auditEventsTable)
			.leftJoin(
				downloadsTable,
				sql`${auditEventsTable.subject} = 'copy:' || ${downloadsTable.copyId}`,
			)
			.leftJoin(
				accessRequestsTable,
				sql`${auditEventsTable.subject} = 'request:' || ${accessRequestsTable.id}`,
			)
			// The requester an event concerns: its actor, the copy's or the request's requester, or the
			// one a system event names (a grant made by a rule).
			.leftJoin(
				requestersTable,
				or(
					sql`${auditEventsTable.actor} = 'requester:' || ${requestersTable.id}`,
					eq(requestersTable.id, downloadsTable.requesterId),
					eq(requestersTable.id, accessRequestsTable.requesterId),
					sql`${requestersTable.id}::text = ${auditEventsTable.data}->>'requesterId'`,
				),
			)
			.leftJoin(
				documentVersionsTable,
				eq(documentVersionsTable.id, downloadsTable.documentVersionId),
			)
			.leftJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId)),
	};
}

/** One page of the log, newest first; `before` is the seq to continue below. */
export async function listAccessLog(
	db: Database,
	filter: AccessLogFilter,
	page: { before?: number } = {},
): Promise<{ entries: AccessLogEntry[]; nextBefore: number | null }> {
	const { select, where } = query(db, filter);
	if (page.before) where.push(lt(auditEventsTable.seq, page.before));
	const rows = await select
		.where(and(...where))
		.orderBy(desc(auditEventsTable.seq))
		.limit(PAGE_SIZE + 1);
	const entries = rows.slice(0, PAGE_SIZE);
	return {
		entries,
		nextBefore: rows.length > PAGE_SIZE ? (entries.at(-1)?.seq ?? null) : null,
	};
}

const EXPORT_BATCH = 1000;

/** Every matching entry, oldest first, read in batches (for exports of any size). */
export async function* readAccessLog(db: Database, filter: AccessLogFilter) {
	let after = 0;
	for (;;) {
		const { select, where } = query(db, filter);
		where.push(sql`${auditEventsTable.seq} > ${after}`);
		const rows = await select
			.where(and(...where))
			.orderBy(asc(auditEventsTable.seq))
			.limit(EXPORT_BATCH);
		for (const row of rows) yield row;
		if (rows.length < EXPORT_BATCH) return;
		after = rows.at(-1)!.seq;
	}
}

export const CSV_COLUMNS = [
	'seq',
	'at',
	'type',
	'actor',
	'subject',
	'email',
	'company',
	'document',
	'copy_id',
	'ip',
	'data',
	'prev_hash',
	'hash',
] as const;

export function accessLogCsvRow(entry: AccessLogEntry): string {
	return csvLine([
		entry.seq,
		entry.at.toISOString(),
		entry.type,
		entry.actor,
		entry.subject,
		entry.email,
		entry.company,
		entry.document,
		entry.copyId,
		entry.ip,
		// Exactly what the hash covers, so the chain can be recomputed from the export.
		canonicalJson(entry.data),
		entry.prevHash,
		entry.hash,
	]);
}

export function accessLogJsonLine(entry: AccessLogEntry): string {
	const {
		seq,
		at,
		type,
		actor,
		subject,
		email,
		company,
		document,
		copyId,
		ip,
		data,
		prevHash,
		hash,
	} = entry;
	return `${JSON.stringify({ seq, at: at.toISOString(), type, actor, subject, email, company, document, copyId, ip, data, prevHash, hash })}\n`;
}

function escapeLike(text: string): string {
	return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The filter from a query string; a field that makes no sense is dropped and reported. */
export function readAccessLogFilter(params: URLSearchParams): {
	filter: AccessLogFilter;
	errors: Record<string, string>;
} {
	const errors: Record<string, string> = {};
	const text = (name: string, max: number) => {
		const value = (params.get(name) ?? '').trim();
		if (value.length > max) {
			errors[name] = `at most ${max} characters`;
			return undefined;
		}
		return value || undefined;
	};
	const day = (name: string) => {
		const value = (params.get(name) ?? '').trim();
		if (!value) return undefined;
		if (!isRealDate(value)) {
			errors[name] = 'must be a date such as 2026-11-30';
			return undefined;
		}
		return value;
	};
	const document = text('document', 100);
	if (document && !/^[a-z0-9-]+$/.test(document)) errors.document = 'pick a document from the list';
	const filter: AccessLogFilter = {
		email: text('email', 254),
		company: text('company', 160),
		document: errors.document ? undefined : document,
		from: day('from'),
		to: day('to'),
		kind: params.get('kind') === 'all' ? 'all' : 'access',
	};
	if (filter.from && filter.to && filter.from > filter.to)
		errors.to = 'must be on or after the start';
	return { filter, errors };
}
