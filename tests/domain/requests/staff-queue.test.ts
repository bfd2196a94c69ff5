/**
 * The staff request queue and its decisions, called directly on both databases: filtering,
 * approving with chosen documents, days and cap, declining with an internal reason, settling
 * NDA-on-file claims, and a double approval from two tabs. The race needs two connections, so it
 * proves something on PostgreSQL only; on PGlite (one connection) it passes trivially.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	accessRequestsTable,
	auditEventsTable,
	emailsTable,
	grantDocumentsTable,
	grantsTable,
	ndaClaimsTable,
	requestersTable,
} from '../../../db/schema.ts';
import { validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import type { JourneyContext } from '../../../src/lib/server/requests/context.ts';
import {
	approveRequest,
	decideNdaClaim,
	denyRequest,
} from '../../../src/lib/server/requests/decisions.ts';
import {
	getQueuedRequest,
	listRequestQueue,
	readApprovalForm,
	readQueueFilter,
} from '../../../src/lib/server/requests/queue.ts';
import { verifyNdaOnFile } from '../../../src/lib/server/requests/nda.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');
const DAY = 86_400_000;

describe('the approval form', () => {
	const form = (fields: [string, string][]) => {
		const data = new FormData();
		for (const [k, v] of fields) data.append(k, v);
		return data;
	};
	it('reads ticked documents, days and a cap; empty numbers mean the defaults', () => {
		expect(
			readApprovalForm(
				form([
					['documents', 'a'],
					['documents', 'b'],
					['days', '30'],
					['downloads', ''],
				]),
			),
		).toEqual({
			ok: true,
			values: { documentSlugs: ['a', 'b'], grantDays: 30, downloadCap: null },
		});
	});
	it.each([
		['no document', [['days', '3']], 'documents', 'Tick at least one document to grant'],
		['days that are not a number', [['documents', 'a'], ['days', '3.5']], 'days', 'Access days must be a whole number from 1 to 3650, or empty for the default'],
		['a zero cap', [['documents', 'a'], ['downloads', '0']], 'downloads', 'The download cap must be a whole number from 1 to 10000, or empty for no cap'],
	] as const)('refuses %s, naming the field', (_name, fields, field, message) => {
		const read = readApprovalForm(form(fields as unknown as [string, string][]));
		expect(read.ok).toBe(false);
		expect(!read.ok && read.errors[field]).toBe(message);
	}); // prettier-ignore
	it('filters by waiting-for-staff unless told otherwise, and ignores an unknown state', () => {
		expect(readQueueFilter(new URLSearchParams(''))).toEqual({ state: 'pending', q: '' });
		expect(readQueueFilter(new URLSearchParams('state=bogus&q=%20acme%20'))).toEqual({
			state: 'pending',
			q: 'acme',
		});
		expect(readQueueFilter(new URLSearchParams('state=all')).state).toBe('all');
	});
});

describe.each(databases())('the staff queue on %s', (backend) => {
	let handle: DatabaseHandle;
	let ctx: JourneyContext;
	const outbox = mkdtempSync(join(tmpdir(), 'trustroom-queue-'));
	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		ctx = { db: handle.db, config: loadConfig({ OUTBOX_DIR: outbox }), companyName: 'Kestrel' };
	});
	afterAll(async () => {
		await handle.close();
		rmSync(outbox, { recursive: true, force: true });
	});

	/** A request waiting for staff, as the NDA step leaves it. */
	async function pendingRequest(
		email: string,
		options: { company?: string; claim?: boolean; documents?: string[] } = {},
	) {
		const [requester] = await handle.db
			.insert(requestersTable)
			.values({ email, name: 'Rae Viewer', company: options.company ?? 'Globex', title: 'CISO' })
			.returning();
		const [request] = await handle.db
			.insert(accessRequestsTable)
			.values({
				requesterId: requester!.id,
				state: 'pending',
				documentSlugs: options.documents ?? ['soc2-type2-2025', 'bridge-letter-2026'],
				name: 'Rae Viewer',
				company: options.company ?? 'Globex',
				title: 'CISO',
				reason: 'Vendor review',
			})
			.returning();
		if (options.claim)
			await handle.db.insert(ndaClaimsTable).values({
				requestId: request!.id,
				requesterId: requester!.id,
				reference: 'MSA-2024-17',
				signedOn: '2024-03-01',
			});
		return { requestId: request!.id, requesterId: requester!.id };
	}
	const grantsOf = (requestId: number) =>
		handle.db.select().from(grantsTable).where(eq(grantsTable.requestId, requestId));
	const mailsTo = (to: string) =>
		handle.db.select().from(emailsTable).where(eq(emailsTable.to, to));

	it('lists what waits for staff, oldest first, and finds it by email or company', async () => {
		const first = await pendingRequest('a@initech.example', { company: 'Initech' });
		const second = await pendingRequest('b@hooli.example', { company: 'Hooli 100%' });
		const waiting = (await listRequestQueue(handle.db, { state: 'pending', q: '' })).requests;
		const ids = waiting.map((r) => r.id);
		expect(ids.indexOf(first.requestId)).toBeLessThan(ids.indexOf(second.requestId));
		expect(
			(await listRequestQueue(handle.db, { state: 'pending', q: 'INITECH' })).requests.map(
				(r) => r.id,
			),
		).toEqual([first.requestId]);
		expect(
			(await listRequestQueue(handle.db, { state: 'pending', q: 'b@hooli' })).requests.map(
				(r) => r.id,
			),
		).toEqual([second.requestId]);
		// A typed % matches a percent sign, not everything.
		expect(
			(await listRequestQueue(handle.db, { state: 'all', q: '100%' })).requests.map((r) => r.id),
		).toEqual([second.requestId]);
		expect(
			(await listRequestQueue(handle.db, { state: 'approved', q: 'initech' })).requests,
		).toEqual([]);
	});

	it('approves with the documents, days and cap staff chose, and emails the reviewer', async () => {
		const { requestId } = await pendingRequest('c@umbrella.example');
		const before = Date.now();
		const result = await approveRequest(ctx, requestId, {
			actor: 'user:1',
			documentSlugs: ['bridge-letter-2026'],
			grantDays: 10,
			downloadCap: 2,
		});
		expect(result).toMatchObject({ ok: true });
		const [grant] = await grantsOf(requestId);
		expect(grant!.downloadCap).toBe(2);
		expect(grant!.expiresAt.getTime() - before).toBeGreaterThan(9.9 * DAY);
		expect(grant!.expiresAt.getTime() - before).toBeLessThan(10.1 * DAY);
		const docs = await handle.db
			.select()
			.from(grantDocumentsTable)
			.where(eq(grantDocumentsTable.grantId, grant!.id));
		expect(docs).toHaveLength(1);
		expect((await mailsTo('c@umbrella.example')).map((m) => m.template)).toContain(
			'access-granted',
		);
		const detail = await getQueuedRequest(handle.db, requestId);
		expect(detail?.request.state).toBe('approved');
		expect(detail?.request.grantId).toBe(grant!.id);
	});

	it('refuses an approval that grants nothing, and keeps the request waiting', async () => {
		const { requestId } = await pendingRequest('d@umbrella.example');
		expect(
			await approveRequest(ctx, requestId, { actor: 'user:1', documentSlugs: ['no-such-doc'] }),
		).toEqual({ ok: false, reason: 'no_documents' });
		expect((await getQueuedRequest(handle.db, requestId))?.request.state).toBe('pending');
		expect(await grantsOf(requestId)).toEqual([]);
	});

	it('declines with an internal reason that never reaches the reviewer', async () => {
		const { requestId } = await pendingRequest('e@cyberdyne.example');
		const note = 'Competitor: Cyberdyne builds the same product';
		expect(await denyRequest(ctx, requestId, { actor: 'user:1', decidedBy: null, note })).toEqual({
			ok: true,
		});
		const detail = await getQueuedRequest(handle.db, requestId);
		expect(detail?.request).toMatchObject({ state: 'denied', decisionNote: note });
		for (const mail of await mailsTo('e@cyberdyne.example')) {
			expect(mail.text).not.toContain('Competitor');
			expect(mail.html).not.toContain('Competitor');
		}
	});

	it('pages by request id in the list’s order, with the filter kept', async () => {
		const made = [];
		for (const who of ['p1', 'p2', 'p3'])
			made.push((await pendingRequest(`${who}@pages.example`, { company: 'Pages Ltd' })).requestId);
		const walk = async (state: 'pending' | 'all') => {
			const seen: number[] = [];
			let after: number | undefined;
			for (let page = 0; page < 5; page++) {
				const { requests, next } = await listRequestQueue(
					handle.db,
					{ state, q: 'pages.example', ...(after ? { after } : {}) },
					2,
				);
				seen.push(...requests.map((r) => r.id));
				if (next === null) return { seen, pages: page + 1 };
				after = next;
			}
			throw new Error('no last page');
		};
		// Waiting requests: the longest-waiting first; any state: the newest first.
		expect(await walk('pending')).toEqual({ seen: made, pages: 2 });
		expect(await walk('all')).toEqual({ seen: [...made].reverse(), pages: 2 });
		expect(readQueueFilter(new URLSearchParams('state=all&after=12'))).toMatchObject({ after: 12 });
		expect(readQueueFilter(new URLSearchParams('after=-1'))).not.toHaveProperty('after');
		expect(readQueueFilter(new URLSearchParams('after=1e3'))).not.toHaveProperty('after');
	});

	it('confirms an NDA-on-file claim: it stands for the click-through, the request still waits', async () => {
		const { requestId, requesterId } = await pendingRequest('f@acme-msa.example', { claim: true });
		expect(
			(await listRequestQueue(handle.db, { state: 'pending', q: 'f@acme-msa' })).requests[0],
		).toMatchObject({
			claimPending: true,
		});
		expect(await decideNdaClaim(ctx, requestId, 'confirmed', { actor: 'user:1' })).toEqual({
			ok: true,
		});
		const detail = await getQueuedRequest(handle.db, requestId);
		expect(detail?.request.state).toBe('pending');
		expect(detail?.claims[0]?.status).toBe('confirmed');
		expect(await verifyNdaOnFile(handle.db, requesterId)).toBe(true);
		expect(await decideNdaClaim(ctx, requestId, 'rejected', { actor: 'user:1' })).toEqual({
			ok: false,
			reason: 'no_claim',
		});
	});

	it('rejects an NDA-on-file claim: the request goes back to the NDA step', async () => {
		const { requestId, requesterId } = await pendingRequest('g@acme-msa.example', { claim: true });
		expect(await decideNdaClaim(ctx, requestId, 'rejected', { actor: 'user:1' })).toEqual({
			ok: true,
		});
		const detail = await getQueuedRequest(handle.db, requestId);
		expect(detail?.request.state).toBe('verified');
		expect(detail?.claims[0]?.status).toBe('rejected');
		expect(await verifyNdaOnFile(handle.db, requesterId)).toBe(false);
		expect(await approveRequest(ctx, requestId, { actor: 'user:1' })).toMatchObject({
			ok: false,
			reason: 'not_pending',
			state: 'verified',
		});
	});

	it(`approves a request submitted twice at once (two tabs) exactly once${backend.name === 'pglite' ? ' (trivially on one connection)' : ''}`, async () => {
		const { requestId } = await pendingRequest('h@racing.example');
		const results = await Promise.all([
			approveRequest(ctx, requestId, { actor: 'user:1', grantDays: 5 }),
			approveRequest(ctx, requestId, { actor: 'user:2', grantDays: 7 }),
		]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.find((r) => !r.ok)).toEqual({
			ok: false,
			reason: 'not_pending',
			state: 'approved',
		});
		expect(await grantsOf(requestId)).toHaveLength(1);
		const approvals = await handle.db
			.select()
			.from(auditEventsTable)
			.where(
				and(
					eq(auditEventsTable.type, 'request.approved'),
					eq(auditEventsTable.subject, `request:${requestId}`),
				),
			);
		expect(approvals).toHaveLength(1);
		expect(
			(await mailsTo('h@racing.example')).filter((m) => m.template === 'access-granted'),
		).toHaveLength(1);
	});

	it('keeps the audit chain whole through every decision', async () => {
		expect((await validateAuditChain(handle.db)).ok).toBe(true);
	});
});
