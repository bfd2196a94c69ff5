/**
 * Delivering a stamped copy. The order is the point: check the grant and the NDA in force, then
 * write the download row and its audit event in one transaction (the copy is made meanwhile, in a
 * worker), and hand out bytes only once that row is committed. No log row, no bytes. A failed
 * stamp marks the row failed, which does not use up the download cap. The copy streams out (its
 * own objects first, then the version's prepared body) while a worker takes its SHA-256 from the
 * same bytes, recorded for tracing as soon as it is known.
 */
import { and, count, desc, eq, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import {
	accessRequestsTable,
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	grantDocumentsTable,
	grantsTable,
} from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { getPreparedVersion } from '../documents/version-cache.ts';
import { copyFilename } from './copies.ts';
import { type HashParts, type IssuedCopy, streamCopy } from './copy-stream.ts';
import type { RequestMeta } from '../requests/context.ts';
import { ndaOnFileSql } from '../requests/nda.ts';
import type { Requester } from '../auth/requester-session.ts';
import type { CopyResult } from '../watermark/pool.ts';
import type { PreparedDocument, StampPlan } from '../watermark/prepare.ts';
import type { StampInput } from '../watermark/stamp.ts';

export type DenialReason =
	'not_granted' | 'expired' | 'revoked' | 'cap_reached' | 'nda_required' | 'no_version';

export type DeliveryResult =
	| { ok: true; copy: IssuedCopy; filename: string; copyId: string; viaShareLink: boolean }
	| { ok: false; reason: DenialReason }
	| { ok: false; reason: 'log_unavailable' }
	| { ok: false; reason: 'busy'; retryAfterSeconds: number }
	| { ok: false; reason: 'stamp_failed'; copyId: string };

export interface DeliveryContext {
	db: Database;
	siteUrl: string;
	companyName: string;
	/** One copy's own parts for a prepared version (in a worker: watermark/pool.ts). */
	stamp(plan: StampPlan, bodyLength: number, input: StampInput): Promise<CopyResult>;
	/** Prepares a version stored without a preparation; throws with the reason it cannot. */
	prepare(bytes: Uint8Array): Promise<PreparedDocument>;
	/** The SHA-256 of a copy's parts, off the event loop; without it, hashed on the loop. */
	hash?: HashParts;
	generateCopyId(): string;
	now?: Date;
}

interface Eligible {
	grantId: number;
	/** The grant came from a request made through a rep's share link (the rep hears of copies). */
	viaShareLink: boolean;
	grantExpiresAt: Date;
	documentTitle: string;
	versionId: number;
	periodStart: string | null;
	periodEnd: string | null;
}

/**
 * The newest live grant of this requester that covers the document, or why there is none. A
 * requester with a usable grant still needs the NDA in force: a new version binds every later copy.
 */
async function findGrant(
	db: Database,
	requesterId: number,
	slug: string,
	now: Date,
): Promise<{ ok: true; eligible: Eligible } | { ok: false; reason: DenialReason }> {
	// The document's current version, beside each grant: one round trip for all of it.
	const current = db
		.select({
			id: documentVersionsTable.id,
			periodStart: documentVersionsTable.periodStart,
			periodEnd: documentVersionsTable.periodEnd,
		})
		.from(documentVersionsTable)
		.where(
			and(
				eq(documentVersionsTable.documentId, documentsTable.id),
				isNull(documentVersionsTable.supersededBy),
			),
		)
		.orderBy(desc(documentVersionsTable.id))
		.limit(1)
		.as('current_version');
	const grants = await db
		.select({
			id: grantsTable.id,
			expiresAt: grantsTable.expiresAt,
			revokedAt: grantsTable.revokedAt,
			downloadCap: grantsTable.downloadCap,
			title: documentsTable.title,
			ndaOnFile: ndaOnFileSql(requesterId, now.toISOString().slice(0, 10)),
			shareLinkId: accessRequestsTable.shareLinkId,
			version: { id: current.id, periodStart: current.periodStart, periodEnd: current.periodEnd },
		})
		.from(grantsTable)
		.innerJoin(grantDocumentsTable, eq(grantDocumentsTable.grantId, grantsTable.id))
		.innerJoin(documentsTable, eq(documentsTable.id, grantDocumentsTable.documentId))
		.leftJoin(accessRequestsTable, eq(accessRequestsTable.id, grantsTable.requestId))
		.leftJoinLateral(current, sql`true`)
		.where(and(eq(grantsTable.requesterId, requesterId), eq(documentsTable.slug, slug)))
		.orderBy(desc(grantsTable.id));
	if (grants.length === 0) return { ok: false, reason: 'not_granted' };
	// When no grant is usable, the newest grant's reason is the one the requester can act on.
	let reason: DenialReason | null = null;
	for (const grant of grants) {
		if (grant.revokedAt) {
			reason ??= 'revoked';
			continue;
		}
		if (grant.expiresAt <= now) {
			reason ??= 'expired';
			continue;
		}
		if (grant.downloadCap !== null && (await downloadsUsed(db, grant.id)) >= grant.downloadCap) {
			reason ??= 'cap_reached';
			continue;
		}
		// postgres.js and PGlite both give a boolean; anything else is not a yes.
		if (grant.ndaOnFile !== true) return { ok: false, reason: 'nda_required' };
		const { version } = grant;
		if (!version) return { ok: false, reason: 'no_version' };
		return {
			ok: true,
			eligible: {
				grantId: grant.id,
				viaShareLink: grant.shareLinkId !== null,
				grantExpiresAt: grant.expiresAt,
				documentTitle: grant.title,
				versionId: version.id,
				periodStart: version.periodStart,
				periodEnd: version.periodEnd,
			},
		};
	}
	return { ok: false, reason: reason ?? 'not_granted' };
}

async function downloadsUsed(db: Pick<Database, 'select'>, grantId: number): Promise<number> {
	const [row] = await db
		.select({ n: count() })
		.from(downloadsTable)
		.where(and(eq(downloadsTable.grantId, grantId), ne(downloadsTable.status, 'failed')));
	return Number(row?.n ?? 0);
}

/** Checks, logs, stamps and returns one copy of a document for a requester. */
export async function deliverCopy(
	ctx: DeliveryContext,
	requester: Requester,
	slug: string,
	meta: RequestMeta,
): Promise<DeliveryResult> {
	const now = ctx.now ?? new Date();
	const found = await findGrant(ctx.db, requester.id, slug, now);
	if (!found.ok) {
		await logDenial(ctx.db, requester.id, slug, found.reason, meta);
		return found;
	}
	const { eligible } = found;
	const stampInput = (copyId: string): StampInput => ({
		name: requester.name,
		email: requester.email,
		company: requester.company,
		issuedAt: now,
		validUntil: eligible.grantExpiresAt,
		periodStart: eligible.periodStart,
		periodEnd: eligible.periodEnd,
		copyId,
		verifyUrl: `${ctx.siteUrl}/verify/${copyId}`,
		documentTitle: eligible.documentTitle,
	});
	// The copy is made while its log row is written, and no byte of it leaves before that row is
	// committed: a copy whose download is refused or cannot be logged is dropped unseen.
	const drawn = ctx.generateCopyId();
	let making = makeCopy(ctx, eligible.versionId, stampInput(drawn));

	let started: { downloadId: number; copyId: string };
	try {
		started = await ctx.db.transaction(async (tx) => {
			// Lock the grant so two parallel downloads cannot both take the last one under the cap.
			// (Not pipelined with the count: the count must be sent after the lock is held.)
			const [grant] = await tx
				.select()
				.from(grantsTable)
				.where(eq(grantsTable.id, eligible.grantId))
				.for('update');
			if (!grant || grant.revokedAt || grant.expiresAt <= now) throw new DenialError('revoked');
			if (grant.downloadCap !== null && (await downloadsUsed(tx, grant.id)) >= grant.downloadCap) {
				throw new DenialError('cap_reached');
			}
			// Copy ids are random (40 bits); on the rare clash, draw another instead of failing.
			let copyId = '';
			let row: { id: number } | undefined;
			for (let attempt = 0; attempt < 5 && !row; attempt++) {
				copyId = attempt === 0 ? drawn : ctx.generateCopyId();
				[row] = await tx
					.insert(downloadsTable)
					.values({
						copyId,
						grantId: grant.id,
						documentVersionId: eligible.versionId,
						requesterId: requester.id,
						ip: meta.ip,
						userAgent: meta.userAgent?.slice(0, 500) ?? null,
						createdAt: now,
					})
					.onConflictDoNothing({ target: downloadsTable.copyId })
					.returning({ id: downloadsTable.id });
			}
			if (!row) throw new Error('No free copy id after 5 draws');
			await appendAuditEvent(tx, {
				type: 'download.started',
				actor: `requester:${requester.id}`,
				subject: `copy:${copyId}`,
				data: { document: slug, versionId: eligible.versionId, grantId: grant.id, ip: meta.ip },
			});
			return { downloadId: row.id, copyId };
		});
	} catch (error) {
		if (error instanceof DenialError) {
			await logDenial(ctx.db, requester.id, slug, error.reason, meta);
			return { ok: false, reason: error.reason };
		}
		// The log could not be written, so nothing is handed out.
		console.error(
			`Download of ${slug} for requester ${requester.id} not logged, refused: ${String(error)}`,
		);
		return { ok: false, reason: 'log_unavailable' };
	}
	// The first id drawn was taken: the copy must carry the id it was logged under.
	if (started.copyId !== drawn)
		making = makeCopy(ctx, eligible.versionId, stampInput(started.copyId));

	const stamped = await making;
	if (!stamped.ok) {
		const failure = stamped;
		await ctx.db.transaction(async (tx) => {
			await tx
				.update(downloadsTable)
				.set({ status: 'failed' })
				.where(eq(downloadsTable.id, started.downloadId));
			await appendAuditEvent(tx, {
				type: 'download.failed',
				actor: 'system',
				subject: `copy:${started.copyId}`,
				data: { reason: failure.reason, message: 'message' in failure ? failure.message : null },
			});
		});
		if (failure.reason === 'busy')
			return { ok: false, reason: 'busy', retryAfterSeconds: failure.retryAfterSeconds };
		return { ok: false, reason: 'stamp_failed', copyId: started.copyId };
	}
	const { head, tail } = stamped.parts;
	const { body } = stamped;
	try {
		// Served from the first byte on: a cut-off copy is stamped too (its own objects come first)
		// and uses up a download. No row marked served, no bytes.
		await ctx.db
			.update(downloadsTable)
			.set({ status: 'served' })
			.where(eq(downloadsTable.id, started.downloadId));
	} catch (error) {
		console.error(`Copy ${started.copyId} could not be marked served, not sent: ${String(error)}`);
		return { ok: false, reason: 'log_unavailable' };
	}
	const copy = streamCopy([head, body, tail], ctx.hash, (sha256) =>
		recordHash(ctx.db, started.downloadId, sha256),
	);
	return {
		ok: true,
		copy,
		copyId: started.copyId,
		viaShareLink: eligible.viaShareLink,
		filename: copyFilename(ctx.companyName, eligible.documentTitle, requester.name),
	};
}

/**
 * The output hash, once known (the copy is issued, whether or not the reader stays to the end):
 * retried for a while, since the database may be restarting; without it a trace cannot say the
 * file is byte-identical.
 */
async function recordHash(db: Database, downloadId: number, sha256: string): Promise<void> {
	for (let attempt = 0; ; attempt++) {
		try {
			await db
				.update(downloadsTable)
				.set({ outputSha256: sha256 })
				.where(eq(downloadsTable.id, downloadId));
			return;
		} catch (error) {
			if (attempt >= 5) throw error;
			await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
		}
	}
}

/** The version's preparation and this copy's own parts; never rejects. */
async function makeCopy(
	ctx: DeliveryContext,
	versionId: number,
	input: StampInput,
): Promise<
	(Extract<CopyResult, { ok: true }> & { body: Uint8Array }) | Exclude<CopyResult, { ok: true }>
> {
	try {
		const prepared = await getPreparedVersion(ctx.db, versionId, ctx.prepare);
		const result = await ctx.stamp(prepared.plan, prepared.body.byteLength, input);
		return result.ok ? { ...result, body: prepared.body } : result;
	} catch (error) {
		return { ok: false, reason: 'failed', message: firstLine(error) };
	}
}

function firstLine(error: unknown): string {
	return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

class DenialError extends Error {
	readonly reason: DenialReason;
	constructor(reason: DenialReason) {
		super(reason);
		this.reason = reason;
	}
}

async function logDenial(
	db: Database,
	requesterId: number,
	slug: string,
	reason: DenialReason,
	meta: RequestMeta,
) {
	await db.transaction((tx) =>
		appendAuditEvent(tx, {
			type: 'download.denied',
			actor: `requester:${requesterId}`,
			subject: `document:${slug}`,
			data: { reason, ip: meta.ip },
		}),
	);
}

/**
 * Marks downloads that were logged but never handed out (the process or the database went away
 * between the log row and the bytes) as failed, so they use up no download and /verify does not
 * call them genuine. `olderThanMs` must outlast the longest stamp.
 */
export async function failAbandonedDownloads(
	db: Database,
	olderThanMs: number,
	now = new Date(),
): Promise<string[]> {
	return db.transaction(async (tx) => {
		const abandoned = await tx
			.update(downloadsTable)
			.set({ status: 'failed' })
			.where(
				and(
					eq(downloadsTable.status, 'started'),
					lt(downloadsTable.createdAt, new Date(now.getTime() - olderThanMs)),
				),
			)
			.returning({ copyId: downloadsTable.copyId });
		for (const { copyId } of abandoned) {
			await appendAuditEvent(tx, {
				type: 'download.abandoned',
				actor: 'system',
				subject: `copy:${copyId}`,
				data: { reason: 'logged but never handed out' },
			});
		}
		return abandoned.map((row) => row.copyId);
	});
}
