/**
 * Grants as staff manage them, on both databases: the list and its states, extending, revoking
 * (the next download is refused), and the copies issued under a grant.
 */
import { desc, eq } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	accessRequestsTable,
	auditEventsTable,
	documentsTable,
	grantDocumentsTable,
	grantsTable,
	ndaClaimsTable,
	requestersTable,
} from '../../../db/schema.ts';
import type { Requester } from '../../../src/lib/server/auth/requester-session.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { deliverCopy, type DeliveryContext } from '../../../src/lib/server/delivery/downloads.ts';
import { createDocumentVersion } from '../../../src/lib/server/documents/documents.ts';
import {
	getGrantRecord,
	grantState,
	listGrants,
	readGrantChangeForm,
} from '../../../src/lib/server/grants/grant-records.ts';
import { extendGrant, revokeGrant } from '../../../src/lib/server/grants/grants.ts';
import { generateCopyId } from '../../../src/lib/server/watermark/copy-id.ts';
import { assembleCopy } from '../../../src/lib/server/watermark/copy.ts';
import { prepareDocument } from '../../../src/lib/server/watermark/prepare.ts';
import { databases } from '../../helpers/db.ts';
import { acceptNdaInForce } from '../../helpers/nda.ts';

const content = readTrustContent('src/content');
const DAY = 86_400_000;
const meta = { ip: '198.51.100.20', userAgent: 'Vitest' };

describe('the extend form', () => {
	const now = new Date('2026-06-01T12:00:00Z');
	const form = (fields: Record<string, string>) => {
		const data = new FormData();
		for (const [k, v] of Object.entries(fields)) data.set(k, v);
		return data;
	};
	it('reads a new last day (end of that day, UTC) and a cap', () => {
		expect(readGrantChangeForm(form({ expires: '2026-09-30', downloads: '12' }), now)).toEqual({
			ok: true,
			values: { expiresAt: new Date('2026-09-30T23:59:59Z'), downloadCap: 12 },
		});
	});
	it.each([
		[{}, 'expires', 'Give a new last day, a new download cap, or both'],
		[{ expires: '2026-02-30' }, 'expires', 'The new last day must be a date such as 2027-06-30'],
		[{ expires: '2026-05-31' }, 'expires', 'The new last day must be today or later'],
		[{ downloads: '-1' }, 'downloads', 'The download cap must be a whole number from 1 to 10000'],
	])('refuses %o', (fields, field, message) => {
		const read = readGrantChangeForm(form(fields as Record<string, string>), now);
		expect(read.ok).toBe(false);
		expect(!read.ok && read.errors[field]).toBe(message);
	});
	it('names a grant used up, expired or revoked, in that order of weight', () => {
		const later = new Date(now.getTime() + DAY);
		expect(grantState({ revokedAt: null, expiresAt: later, downloadCap: 2 }, 1, now)).toBe(
			'active',
		);
		expect(grantState({ revokedAt: null, expiresAt: later, downloadCap: 2 }, 2, now)).toBe(
			'used_up',
		);
		expect(grantState({ revokedAt: null, expiresAt: now, downloadCap: null }, 0, now)).toBe(
			'expired',
		);
		expect(grantState({ revokedAt: now, expiresAt: now, downloadCap: 1 }, 5, now)).toBe('revoked');
	});
});

describe.each(databases())('managing grants on %s', (backend) => {
	let handle: DatabaseHandle;
	let ruth: Requester;
	let grantId: number;
	const delivery = (): DeliveryContext => ({
		db: handle.db,
		siteUrl: 'https://trust.example',
		companyName: 'Kestrel Analytics',
		generateCopyId,
		// The real engine, in process (the pool is tested elsewhere).
		stamp: async (plan, bodyLength, input) => ({
			ok: true,
			parts: await assembleCopy(plan, bodyLength, input),
		}),
		prepare: prepareDocument,
	});

	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		const pdf = await PDFDocument.create();
		pdf.addPage();
		await createDocumentVersion(handle.db, {
			slug: 'soc2-type2-2025',
			bytes: await pdf.save(),
			filename: 'soc2.pdf',
			pages: 1,
			actor: 'test',
		});
		const [row] = await handle.db
			.insert(requestersTable)
			.values({ email: 'ruth@stark.example', name: 'Ruth', company: 'Stark', title: 'CISO' })
			.returning();
		ruth = {
			id: row!.id,
			email: row!.email,
			name: row!.name,
			company: row!.company,
			title: 'CISO',
		};
		await acceptNdaInForce(handle.db, ruth);
		const [grant] = await handle.db
			.insert(grantsTable)
			.values({ requesterId: ruth.id, expiresAt: new Date(Date.now() + 5 * DAY), downloadCap: 1 })
			.returning();
		grantId = grant!.id;
		const [doc] = await handle.db
			.select()
			.from(documentsTable)
			.where(eq(documentsTable.slug, 'soc2-type2-2025'));
		await handle.db.insert(grantDocumentsTable).values({ grantId, documentId: doc!.id });
	});
	afterAll(async () => {
		await handle.close();
	});

	it('lists a grant with its documents and downloads used, and shows its copies', async () => {
		const copy = await deliverCopy(delivery(), ruth, 'soc2-type2-2025', meta);
		expect(copy.ok).toBe(true);
		const [listed] = await listGrants(handle.db, { show: 'all', q: 'stark' });
		expect(listed).toMatchObject({
			id: grantId,
			email: 'ruth@stark.example',
			downloadsUsed: 1,
			downloadCap: 1,
			state: 'used_up',
		});
		expect(listed!.documents.map((d) => d.slug)).toEqual(['soc2-type2-2025']);
		expect(await listGrants(handle.db, { show: 'active', q: 'stark' })).toEqual([]);
		const record = await getGrantRecord(handle.db, grantId);
		expect(record?.copies).toHaveLength(1);
		expect(record?.copies[0]).toMatchObject({
			copyId: copy.ok ? copy.copyId : '',
			status: 'served',
		});
	});

	it('extends the cap and the expiry, and logs both versions', async () => {
		const expiresAt = new Date(Date.now() + 40 * DAY);
		expect(
			await extendGrant(handle.db, grantId, { expiresAt, downloadCap: 3 }, { actor: 'user:1' }),
		).toEqual({
			ok: true,
		});
		const record = await getGrantRecord(handle.db, grantId);
		expect(record).toMatchObject({ state: 'active', grant: { downloadCap: 3, expiresAt } });
		expect((await deliverCopy(delivery(), ruth, 'soc2-type2-2025', meta)).ok).toBe(true);
		const [event] = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.type, 'grant.extended'));
		expect(event?.data).toMatchObject({ from: { downloadCap: 1 }, to: { downloadCap: 3 } });
	});

	it('refuses an expiry in the past and an empty change', async () => {
		expect(
			await extendGrant(
				handle.db,
				grantId,
				{ expiresAt: new Date(Date.now() - DAY) },
				{ actor: 'x' },
			),
		).toEqual({ ok: false, reason: 'expiry_in_past' });
		expect(await extendGrant(handle.db, grantId, {}, { actor: 'x' })).toEqual({
			ok: false,
			reason: 'nothing_to_change',
		});
		expect(await extendGrant(handle.db, 999_999, { downloadCap: 2 }, { actor: 'x' })).toEqual({
			ok: false,
			reason: 'not_found',
		});
	});

	it('asks for the NDA in force before a download, and logs the refusal', async () => {
		// Sam holds a live grant but never accepted the version in force.
		const [row] = await handle.db
			.insert(requestersTable)
			.values({ email: 'sam@stark.example', name: 'Sam', company: 'Stark', title: 'CTO' })
			.returning();
		const sam: Requester = { ...row!, title: 'CTO' };
		const [grant] = await handle.db
			.insert(grantsTable)
			.values({ requesterId: sam.id, expiresAt: new Date(Date.now() + 5 * DAY) })
			.returning();
		const [doc] = await handle.db
			.select()
			.from(documentsTable)
			.where(eq(documentsTable.slug, 'soc2-type2-2025'));
		await handle.db.insert(grantDocumentsTable).values({ grantId: grant!.id, documentId: doc!.id });
		expect(await deliverCopy(delivery(), sam, 'soc2-type2-2025', meta)).toEqual({
			ok: false,
			reason: 'nda_required',
		});
		const [denied] = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.subject, 'document:soc2-type2-2025'))
			.orderBy(desc(auditEventsTable.seq))
			.limit(1);
		expect(denied).toMatchObject({
			type: 'download.denied',
			actor: `requester:${sam.id}`,
			data: { reason: 'nda_required' },
		});
		// Without a grant for the document, the grant is what they can act on.
		expect(await deliverCopy(delivery(), sam, 'bridge-letter-2026', meta)).toEqual({
			ok: false,
			reason: 'not_granted',
		});
		// An NDA on file counts once staff confirm it, as a click-through does.
		const [request] = await handle.db
			.insert(accessRequestsTable)
			.values({ requesterId: sam.id, documentSlugs: ['soc2-type2-2025'] })
			.returning();
		const [claim] = await handle.db
			.insert(ndaClaimsTable)
			.values({ requestId: request!.id, requesterId: sam.id, reference: 'MSA 2024' })
			.returning();
		expect(await deliverCopy(delivery(), sam, 'soc2-type2-2025', meta)).toMatchObject({
			reason: 'nda_required',
		});
		await handle.db
			.update(ndaClaimsTable)
			.set({ status: 'confirmed' })
			.where(eq(ndaClaimsTable.id, claim!.id));
		expect((await deliverCopy(delivery(), sam, 'soc2-type2-2025', meta)).ok).toBe(true);
	});

	it('revokes: the next download is refused, and the grant cannot be extended again', async () => {
		expect(await revokeGrant(handle.db, grantId, { actor: 'user:1' })).toEqual({ ok: true });
		expect(await deliverCopy(delivery(), ruth, 'soc2-type2-2025', meta)).toEqual({
			ok: false,
			reason: 'revoked',
		});
		expect((await getGrantRecord(handle.db, grantId))?.state).toBe('revoked');
		expect(await revokeGrant(handle.db, grantId, { actor: 'user:1' })).toEqual({
			ok: false,
			reason: 'revoked',
		});
		expect(await extendGrant(handle.db, grantId, { downloadCap: 9 }, { actor: 'user:1' })).toEqual({
			ok: false,
			reason: 'revoked',
		});
		// Copies already handed out stay listed (and traceable).
		expect((await getGrantRecord(handle.db, grantId))?.copies).toHaveLength(2);
	});
});
