/** Delivering stamped copies: every denial, the log-before-bytes rule, failures, tracing. */
import { eq, sql } from 'drizzle-orm';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	auditEventsTable,
	documentsTable,
	downloadsTable,
	grantDocumentsTable,
	grantsTable,
	requestersTable,
} from '../../../db/schema.ts';
import { validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import { createDocumentVersion } from '../../../src/lib/server/documents/documents.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { copyFilename, getCopy, maskEmail } from '../../../src/lib/server/delivery/copies.ts';
import { deliverCopy, type DeliveryContext } from '../../../src/lib/server/delivery/downloads.ts';
import type { Requester } from '../../../src/lib/server/auth/requester-session.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import type { StampResult } from '../../../src/lib/server/watermark/pool.ts';
import { generateCopyId } from '../../../src/lib/server/watermark/copy-id.ts';
import { stampPdf } from '../../../src/lib/server/watermark/stamp.ts';
import { databases } from '../../helpers/db.ts';
import { hasTool, pdfPagesText } from '../../helpers/pdf.ts';

const content = readTrustContent('src/content');
const meta = { ip: '198.51.100.9', userAgent: 'Vitest' };
const DAY = 86_400_000;

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
	let nextStamp:
		| ((bytes: Uint8Array, input: Parameters<DeliveryContext['stamp']>[1]) => Promise<StampResult>)
		| null = null;
	const ctx = (): DeliveryContext => ({
		db: handle.db,
		siteUrl: 'https://trust.example',
		companyName: 'Kestrel Analytics',
		generateCopyId,
		async stamp(bytes, input) {
			stampCalls.push(Date.now());
			if (nextStamp) return nextStamp(bytes, input);
			return { ok: true, bytes: await stampPdf(bytes, input) };
		},
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
			status: 'served',
			requesterId: jane.id,
			ip: '198.51.100.9',
			userAgent: 'Vitest',
		});
		expect(row?.outputSha256).toMatch(/^[0-9a-f]{64}$/);
		const events = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.subject, `copy:${result.copyId}`));
		expect(events.map((e) => e.type)).toEqual(['download.started']);
		if (hasTool('pdftotext')) {
			const pages = pdfPagesText(result.bytes);
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
		const calls = stampCalls.length;
		await handle.db.execute(sql`alter table downloads rename to downloads_unavailable`);
		try {
			const result = await deliverCopy(ctx(), bob, 'soc2-type2-2025', meta);
			expect(result).toEqual({ ok: false, reason: 'log_unavailable' });
			expect(stampCalls.length).toBe(calls);
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
		expect(second.ok).toBe(true);
		expect((second as { copyId: string }).copyId).not.toBe(first.copyId);
	});

	it('keeps the audit chain intact through all of it', async () => {
		expect((await validateAuditChain(handle.db)).ok).toBe(true);
	});
});
