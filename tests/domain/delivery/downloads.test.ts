/** Delivering stamped copies: every denial, the log-before-bytes rule, failures, tracing. */
import { eq, sql } from 'drizzle-orm';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	auditEventsTable,
	documentsTable,
	documentVersionsTable,
	stampPreparationsTable,
	downloadsTable,
	grantDocumentsTable,
	grantsTable,
	requestersTable,
} from '../../../db/schema.ts';
import { validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import { createDocumentVersion } from '../../../src/lib/server/documents/documents.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { copyFilename, getCopy, maskEmail } from '../../../src/lib/server/delivery/copies.ts';
import { sha256Hex } from '../../../src/lib/server/platform/crypto.ts';
import {
	deliverCopy,
	type DeliveryContext,
	type DeliveryResult,
} from '../../../src/lib/server/delivery/downloads.ts';
import type { Requester } from '../../../src/lib/server/auth/requester-session.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import type { CopyResult } from '../../../src/lib/server/watermark/pool.ts';
import { generateCopyId } from '../../../src/lib/server/watermark/copy-id.ts';
import { assembleCopy } from '../../../src/lib/server/watermark/copy.ts';
import { PREPARATION_FORMAT, prepareDocument } from '../../../src/lib/server/watermark/prepare.ts';
import { databases } from '../../helpers/db.ts';
import { acceptNdaInForce } from '../../helpers/nda.ts';
import { hasTool, pdfPagesText } from '../../helpers/pdf.ts';

const content = readTrustContent('src/content');
const meta = { ip: '198.51.100.9', userAgent: 'Vitest' };
const DAY = 86_400_000;

async function readCopy(result: DeliveryResult): Promise<Uint8Array> {
	if (!result.ok) throw new Error(result.reason);
	return new Uint8Array(await new Response(result.copy.stream).arrayBuffer());
}

const pdfPagesTextIfTools = (bytes: Uint8Array) =>
	hasTool('pdftotext') ? pdfPagesText(bytes) : null;

describe('copy file names and masked emails', () => {
	it.each([
		[
			'Kestrel Analytics',
			'SOC 2 Type II report 2025',
			'Jane Doe',
			'Kestrel-Analytics-SOC-2-Type-II-report-2025-jane-doe.pdf',
		],
		[
			'Kestrel Analytics',
			'Bridge letter (January–September 2026)',
			'Łukasz Żółć',
			'Kestrel-Analytics-Bridge-letter-January-September-2026-lukasz-zolc.pdf',
		],
		['Kestrel Analytics', 'SOC 2', '张伟', 'Kestrel-Analytics-SOC-2-copy.pdf'],
		['A', 'B', '"; rm -rf / ; echo', 'A-B-rm-rf-echo.pdf'],
	])('%s / %s / %s → %s', (company, title, person, expected) => {
		expect(copyFilename(company, title, person)).toBe(expected);
	});

	it('masks an email to its first letter and domain', () => {
		expect(maskEmail('jane.doe@acme.example')).toBe('j***@acme.example');
	});
});

describe.each(databases())('deliverCopy on %s', (backend) => {
	let handle: DatabaseHandle;
	let jane: Requester;
	let bob: Requester;
	const stampCalls: number[] = [];
	let nextStamp: ((...args: Parameters<DeliveryContext['stamp']>) => Promise<CopyResult>) | null =
		null;
	const ctx = (): DeliveryContext => ({
		db: handle.db,
		siteUrl: 'https://trust.example',
		companyName: 'Kestrel Analytics',
		generateCopyId,
		async stamp(plan, bodyLength, input) {
			stampCalls.push(Date.now());
			if (nextStamp) return nextStamp(plan, bodyLength, input);
			return { ok: true, parts: await assembleCopy(plan, bodyLength, input) };
		},
		prepare: prepareDocument,
	});

	async function smallReport(): Promise<Uint8Array> {
		const pdf = await PDFDocument.create();
		const font = await pdf.embedFont(StandardFonts.Helvetica);
		for (let i = 1; i <= 3; i++)
			pdf.addPage().drawText(`Report page ${i}`, { x: 72, y: 720, size: 14, font });
		return pdf.save();
	}
	async function requester(email: string, name: string): Promise<Requester> {
		const [row] = await handle.db
			.insert(requestersTable)
			.values({ email, name, company: 'Acme Inc', title: 'CISO' })
			.returning();
		return { id: row!.id, email, name, company: 'Acme Inc', title: 'CISO' };
	}
	async function grant(
		to: Requester,
		options: {
			slugs?: string[];
			expiresInDays?: number;
			cap?: number | null;
			revoked?: boolean;
		} = {},
	) {
		const [row] = await handle.db
			.insert(grantsTable)
			.values({
				requesterId: to.id,
				expiresAt: new Date(Date.now() + (options.expiresInDays ?? 30) * DAY),
				downloadCap: options.cap ?? null,
				revokedAt: options.revoked ? new Date() : null,
			})
			.returning();
		for (const slug of options.slugs ?? ['soc2-type2-2025']) {
			const [doc] = await handle.db
				.select()
				.from(documentsTable)
				.where(eq(documentsTable.slug, slug));
			await handle.db.insert(grantDocumentsTable).values({ grantId: row!.id, documentId: doc!.id });
		}
		return row!;
	}
	async function clearGrants(who: Requester) {
		await handle.db
			.update(grantsTable)
			.set({ revokedAt: new Date() })
			.where(eq(grantsTable.requesterId, who.id));
	}

	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		const bytes = await smallReport();
		for (const slug of ['soc2-type2-2025', 'bridge-letter-2026']) {
			await createDocumentVersion(handle.db, {
				slug,
				bytes,
				filename: `${slug}.pdf`,
				pages: 3,
				period: { start: '2025-01-01', end: '2025-12-31' },
				actor: 'test',
			});
		}
		jane = await requester('jane@acme.example', 'Jane Doe');
		bob = await requester('bob@acme.example', 'Bob Roe');
		await acceptNdaInForce(handle.db, jane);
		await acceptNdaInForce(handle.db, bob);
	});
	afterAll(() => handle.close());

	it('logs, then stamps every page with the requester and the copy id', async () => {
		await grant(jane, { cap: 5 });
		const result = await deliverCopy(ctx(), jane, 'soc2-type2-2025', meta);
		if (!result.ok) throw new Error(result.reason);
		expect(result.filename).toBe('Kestrel-Analytics-SOC-2-Type-II-report-2025-jane-doe.pdf');
		const [row] = await handle.db
			.select()
			.from(downloadsTable)
			.where(eq(downloadsTable.copyId, result.copyId));
		expect(row).toMatchObject({
			requesterId: jane.id,
			ip: '198.51.100.9',
			userAgent: 'Vitest',
		});
		// Logged, and marked served, before the first byte; the hash is taken beside the stream.
		expect(row).toMatchObject({ status: 'served' });
		const events = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.subject, `copy:${result.copyId}`));
		expect(events.map((e) => e.type)).toEqual(['download.started']);
		const bytes = await readCopy(result);
		expect(bytes.byteLength).toBe(result.copy.byteLength);
		// The hash recorded is the whole copy's, byte for byte as it was read.
		expect(await result.copy.recorded).toBe(sha256Hex(bytes));
		const [served] = await handle.db
			.select()
			.from(downloadsTable)
			.where(eq(downloadsTable.copyId, result.copyId));
		expect(served).toMatchObject({ status: 'served', outputSha256: sha256Hex(bytes) });
		if (hasTool('pdftotext')) {
			const pages = pdfPagesText(bytes);
			expect(pages).toHaveLength(3);
			for (const page of pages) {
				const text = page.replace(/\s+/g, ' ');
				expect(text).toContain(result.copyId);
				expect(text).toContain('Jane Doe');
				expect(text).toContain('Acme Inc');
			}
		}
		const copy = await getCopy(handle.db, result.copyId.toLowerCase());
		expect(copy).toMatchObject({
			requesterEmail: 'jane@acme.example',
			documentSlug: 'soc2-type2-2025',
			status: 'served',
		});
	});

	it.each<[string, (r: Requester) => Promise<unknown>, string, string]>([
		[
			'a document outside the grant',
			(r) => grant(r, { slugs: ['bridge-letter-2026'] }),
			'soc2-type2-2025',
			'not_granted',
		],
		['an expired grant', (r) => grant(r, { expiresInDays: -1 }), 'soc2-type2-2025', 'expired'],
		['a revoked grant', (r) => grant(r, { revoked: true }), 'soc2-type2-2025', 'revoked'],
		['no grant at all', async () => {}, 'pentest-summary-2026', 'not_granted'],
		[
			'a document not uploaded yet',
			(r) => grant(r, { slugs: ['pentest-summary-2026'] }),
			'pentest-summary-2026',
			'no_version',
		],
	])('refuses %s, and logs the refusal', async (_name, setup, slug, reason) => {
		await clearGrants(bob);
		await setup(bob);
		const calls = stampCalls.length;
		const result = await deliverCopy(ctx(), bob, slug, meta);
		expect(result).toEqual({ ok: false, reason });
		expect(stampCalls.length).toBe(calls);
		const [denied] = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.type, 'download.denied'))
			.orderBy(sql`${auditEventsTable.seq} desc`)
			.limit(1);
		expect(denied).toMatchObject({
			actor: `requester:${bob.id}`,
			subject: `document:${slug}`,
			data: { reason },
		});
	});

	it('stops at the download cap', async () => {
		await clearGrants(bob);
		await grant(bob, { cap: 1 });
		expect((await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta)).ok).toBe(true);
		expect(await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta)).toEqual({
			ok: false,
			reason: 'cap_reached',
		});
	});

	it('does not let parallel downloads overrun the cap', async () => {
		await clearGrants(bob);
		await grant(bob, { cap: 2 });
		const results = await Promise.all(
			Array.from({ length: 5 }, () => deliverCopy(ctx(), bob, 'soc2-type2-2025', meta)),
		);
		expect(results.filter((r) => r.ok)).toHaveLength(2);
	});

	it('counts a failed stamp as no download, and says so', async () => {
		await clearGrants(bob);
		await grant(bob, { cap: 1 });
		nextStamp = async () => ({ ok: false, reason: 'failed', message: 'corrupt input' });
		const failed = await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta);
		nextStamp = null;
		expect(failed).toMatchObject({ ok: false, reason: 'stamp_failed' });
		const [row] = await handle.db
			.select()
			.from(downloadsTable)
			.where(eq(downloadsTable.copyId, (failed as { copyId: string }).copyId));
		expect(row?.status).toBe('failed');
		expect((await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta)).ok).toBe(true);
	});

	it('answers busy when the stamping queue is full', async () => {
		await clearGrants(bob);
		await grant(bob);
		nextStamp = async () => ({ ok: false, reason: 'busy', retryAfterSeconds: 7 });
		const result = await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta);
		nextStamp = null;
		expect(result).toEqual({ ok: false, reason: 'busy', retryAfterSeconds: 7 });
	});

	it('hands out no bytes when the download cannot be logged', async () => {
		await clearGrants(bob);
		await grant(bob);
		await handle.db.execute(sql`alter table downloads rename to downloads_unavailable`);
		try {
			// The copy made meanwhile is dropped: the answer carries no stream.
			const result = await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta);
			expect(result).toEqual({ ok: false, reason: 'log_unavailable' });
		} finally {
			await handle.db.execute(sql`alter table downloads_unavailable rename to downloads`);
		}
	});

	it('draws another copy id when one is already taken', async () => {
		await clearGrants(bob);
		await grant(bob);
		const first = await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta);
		if (!first.ok) throw new Error(first.reason);
		const ids = [first.copyId, generateCopyId()];
		const clashing = { ...ctx(), generateCopyId: () => ids.shift() ?? generateCopyId() };
		const second = await deliverCopy(clashing, bob, 'soc2-type2-2025', meta);
		if (!second.ok) throw new Error(second.reason);
		expect(second.copyId).not.toBe(first.copyId);
		// The copy made under the taken id while the row was written is not the one handed out.
		const text = new TextDecoder('latin1').decode(await readCopy(second));
		expect(text).toContain(`(${second.copyId})`);
		expect(text).not.toContain(first.copyId);
	});

	it('records the whole copy as served when the reader stops early', async () => {
		await clearGrants(bob);
		await grant(bob);
		const result = await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta);
		if (!result.ok) throw new Error(result.reason);
		const reader = result.copy.stream.getReader();
		await reader.read();
		await reader.cancel();
		const sha = await result.copy.recorded;
		const [row] = await handle.db
			.select()
			.from(downloadsTable)
			.where(eq(downloadsTable.copyId, result.copyId));
		expect(row).toMatchObject({ status: 'served', outputSha256: sha });
	});

	it('prepares a version stored without a preparation on first use, and keeps it', async () => {
		await clearGrants(bob);
		await grant(bob);
		const [version] = await handle.db
			.select({ id: documentVersionsTable.id })
			.from(documentVersionsTable)
			.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
			.where(eq(documentsTable.slug, 'bridge-letter-2026'));
		await handle.db
			.delete(stampPreparationsTable)
			.where(eq(stampPreparationsTable.versionId, version!.id));
		await grant(bob, { slugs: ['bridge-letter-2026'] });
		const result = await deliverCopy(ctx(), bob, 'bridge-letter-2026', meta);
		expect(pdfPagesTextIfTools(await readCopy(result))).toSatisfy((pages: string[] | null) =>
			pages === null
				? true
				: pages.every((page) => page.includes((result as { copyId: string }).copyId)),
		);
		const stored = await handle.db
			.select({ format: stampPreparationsTable.format })
			.from(stampPreparationsTable)
			.where(eq(stampPreparationsTable.versionId, version!.id));
		expect(stored).toEqual([{ format: PREPARATION_FORMAT }]);
	});

	it('copies a new version from its own preparation and drops the old one', async () => {
		await clearGrants(bob);
		await grant(bob);
		const before = await preparedVersions('soc2-type2-2025');
		expect(before).toHaveLength(1);
		const pdf = await PDFDocument.create();
		const font = await pdf.embedFont(StandardFonts.Helvetica);
		pdf.addPage().drawText('Second edition', { x: 72, y: 720, size: 14, font });
		const next = await createDocumentVersion(handle.db, {
			slug: 'soc2-type2-2025',
			bytes: await pdf.save(),
			filename: 'v2.pdf',
			pages: 1,
			actor: 'test',
		});
		expect(await preparedVersions('soc2-type2-2025')).toEqual([next.id]);
		const result = await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta);
		const bytes = await readCopy(result);
		if (hasTool('pdftotext')) {
			const pages = pdfPagesText(bytes);
			expect(pages).toHaveLength(1);
			expect(pages[0]).toContain('Second edition');
		}
	});

	it('refuses to store a version that cannot be prepared, and says why', async () => {
		await expect(
			createDocumentVersion(handle.db, {
				slug: 'soc2-type2-2025',
				bytes: new TextEncoder().encode('%PDF-1.7\nnot really'),
				filename: 'broken.pdf',
				pages: 1,
				actor: 'test',
			}),
		).rejects.toThrow(
			/cannot be prepared for stamping copies: the PDF (cannot be read|has no pages)/,
		);
	});

	async function preparedVersions(slug: string): Promise<number[]> {
		const rows = await handle.db
			.select({ id: stampPreparationsTable.versionId })
			.from(stampPreparationsTable)
			.innerJoin(
				documentVersionsTable,
				eq(documentVersionsTable.id, stampPreparationsTable.versionId),
			)
			.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
			.where(eq(documentsTable.slug, slug));
		return rows.map((r) => r.id);
	}

	it('keeps the audit chain intact through all of it', async () => {
		expect((await validateAuditChain(handle.db)).ok).toBe(true);
	});
});
