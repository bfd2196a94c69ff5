/**
 * The tamper-evident audit log. Each event's hash covers the previous event's hash and the event
 * itself, so editing, deleting or reordering any row breaks every hash after it.
 */
import { asc, desc, gt, sql } from 'drizzle-orm';
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

const VERIFY_BATCH = 2000;

/**
 * Recomputes the chain, from the first event or from a known-good point (`from`: an event whose
 * hash was verified before). Reads in batches, so a long log never sits in memory at once.
 */
export async function validateAuditChain(
	db: Database,
	options: { from?: { seq: number; hash: string } } = {},
): Promise<AuditVerification> {
	let prevHash = options.from?.hash ?? GENESIS_HASH;
	let expectedSeq = (options.from?.seq ?? 0) + 1;
	let count = expectedSeq - 1;
	const broken = (brokenAt: number, reason: string) =>
		({ ok: false, count, brokenAt, reason }) as const;
	for (;;) {
		const rows = await db
			.select()
			.from(auditEventsTable)
			.where(gt(auditEventsTable.seq, expectedSeq - 1))
			.orderBy(asc(auditEventsTable.seq))
			.limit(VERIFY_BATCH);
		for (const row of rows) {
			count++;
			if (row.seq !== expectedSeq) return broken(row.seq, `event ${expectedSeq} is missing`);
			if (row.prevHash !== prevHash) return broken(row.seq, 'its previous hash does not match');
			if (hashEvent(row) !== row.hash) return broken(row.seq, 'its content was changed');
			prevHash = row.hash;
			expectedSeq++;
		}
		if (rows.length < VERIFY_BATCH) return { ok: true, count, headHash: prevHash };
	}
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
