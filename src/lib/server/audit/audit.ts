/**
 * The tamper-evident audit log. Each event's hash covers the previous event's hash and the event
 * itself, so editing, deleting or reordering any row breaks every hash after it.
 */
import { asc, desc, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { auditEventsTable } from '../../../../db/schema.ts';
import { sha256Hex } from '../platform/crypto.ts';

export const GENESIS_HASH = '0'.repeat(64);
/** Advisory lock id shared by every instance, so concurrent appends never fork the chain. */
const AUDIT_LOCK_ID = 7_318_301;

export interface AuditEventInput {
	type: string;
	/** Who did it: `system`, `cli`, `user:<id>`, `requester:<id>`. */
	actor: string;
	subject?: string | null;
	data?: Record<string, unknown>;
}

export interface AuditEvent extends Required<AuditEventInput> {
	seq: number;
	at: Date;
	prevHash: string;
	hash: string;
}

/** Appends one event; call it inside the transaction of the change it records. */
export async function appendAuditEvent(tx: Executor, input: AuditEventInput): Promise<AuditEvent> {
	// Held until the transaction ends: appends from any instance are serialised.
	await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_ID})`);
	const [last] = await tx
		.select({ seq: auditEventsTable.seq, hash: auditEventsTable.hash })
		.from(auditEventsTable)
		.orderBy(desc(auditEventsTable.seq))
		.limit(1);
	const event = {
		seq: (last?.seq ?? 0) + 1,
		at: new Date(),
		type: input.type,
		actor: input.actor,
		subject: input.subject ?? null,
		data: input.data ?? {},
		prevHash: last?.hash ?? GENESIS_HASH,
	};
	const hash = hashEvent(event);
	await tx.insert(auditEventsTable).values({ ...event, hash });
	return { ...event, hash };
}

export type AuditVerification =
	| { ok: true; count: number; headHash: string }
	| { ok: false; count: number; brokenAt: number; reason: string };

/** Recomputes the chain from the first event. */
export async function validateAuditChain(db: Database): Promise<AuditVerification> {
	const rows = await db.select().from(auditEventsTable).orderBy(asc(auditEventsTable.seq));
	let prevHash = GENESIS_HASH;
	let expectedSeq = 1;
	for (const row of rows) {
		if (row.seq !== expectedSeq) {
			return {
				ok: false,
				count: rows.length,
				brokenAt: row.seq,
				reason: `event ${expectedSeq} is missing`,
			};
		}
		if (row.prevHash !== prevHash) {
			return {
				ok: false,
				count: rows.length,
				brokenAt: row.seq,
				reason: 'its previous hash does not match',
			};
		}
		if (hashEvent(row) !== row.hash) {
			return {
				ok: false,
				count: rows.length,
				brokenAt: row.seq,
				reason: 'its content was changed',
			};
		}
		prevHash = row.hash;
		expectedSeq++;
	}
	return { ok: true, count: rows.length, headHash: prevHash };
}

function hashEvent(event: {
	seq: number;
	at: Date;
	type: string;
	actor: string;
	subject: string | null;
	data: Record<string, unknown>;
	prevHash: string;
}): string {
	const { seq, at, type, actor, subject, data, prevHash } = event;
	return sha256Hex(
		canonicalJson({ seq, at: at.toISOString(), type, actor, subject, data, prevHash }),
	);
}

/** JSON with sorted keys, so the same event always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	const entries = Object.entries(value as Record<string, unknown>)
		.filter(([, v]) => v !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
