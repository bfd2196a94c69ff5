/**
 * Documents as admins manage them, on both databases: uploading through the pre-flight (an
 * encrypted PDF is refused with its reason, nothing stored), versions, superseding, and access
 * levels that survive the content sync at the next start.
 */
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { auditEventsTable, documentVersionsTable } from '../../../db/schema.ts';
import { validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import {
	getCurrentVersion,
	getDocumentWithVersions,
	setDocumentAccessLevel,
	supersedeDocumentVersion,
} from '../../../src/lib/server/documents/documents.ts';
import {
	uploadDocumentVersion,
	type UploadInput,
} from '../../../src/lib/server/documents/uploads.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');
const LIMITS = { maxBytes: 10 * 1024 * 1024, maxPages: 100 };
const SLUG = 'pentest-summary-2026';

async function pdfOf(pages: number): Promise<Uint8Array> {
	const pdf = await PDFDocument.create();
	for (let i = 0; i < pages; i++) pdf.addPage();
	return pdf.save();
}

describe.each(databases())('documents from the staff workspace on %s', (backend) => {
	let handle: DatabaseHandle;
	const upload = (change: Partial<UploadInput>) =>
		uploadDocumentVersion(
			handle.db,
			{
				slug: SLUG,
				bytes: null,
				filename: 'pentest.pdf',
				periodStart: '2026-01-05',
				periodEnd: '2026-01-16',
				uploadedBy: null,
				actor: 'user:1',
				...change,
			},
			LIMITS,
		);
	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
	});
	afterAll(async () => {
		await handle.close();
	});

	it.each([['encrypted-password.pdf'], ['encrypted-empty-password.pdf']])(
		'refuses %s with the reason, and stores nothing',
		async (fixture) => {
			const result = await upload({
				bytes: new Uint8Array(readFileSync(`tests/fixtures/${fixture}`)),
			});
			expect(result).toEqual({
				ok: false,
				reason: 'invalid',
				errors: {
					file: 'The file was refused: the PDF is encrypted (even an empty password counts); save an unprotected copy and upload that.',
				},
			});
			expect(await getDocumentWithVersions(handle.db, SLUG)).toMatchObject({ versions: [] });
		},
	);

	it.each([
		[{ bytes: null }, 'file', 'Choose the PDF to upload'],
		[{ periodEnd: '' }, 'periodEnd', 'Give both ends of the audit period, or neither'],
		[{ periodEnd: '2025-12-31' }, 'periodEnd', 'The period must end on or after its start'],
		[{ periodStart: '2026-02-30' }, 'periodStart', 'The period start must be a date'],
	])('refuses %o, naming the field', async (change, field, message) => {
		const result = await upload({ bytes: await pdfOf(1), ...change });
		expect(result.ok).toBe(false);
		expect(!result.ok && result.reason === 'invalid' && result.errors[field]).toBe(message);
	});

	it('answers not_found for a document that does not exist', async () => {
		expect(await upload({ slug: 'no-such-document', bytes: await pdfOf(1) })).toEqual({
			ok: false,
			reason: 'not_found',
		});
	});

	it('stores a checked upload as the current version, superseding the one before', async () => {
		const first = await upload({ bytes: await pdfOf(2) });
		const second = await upload({ bytes: await pdfOf(3), filename: 'pentest\u0007-v2.pdf' });
		expect(first).toMatchObject({ ok: true, pages: 2 });
		expect(second).toMatchObject({ ok: true, pages: 3 });
		const found = await getDocumentWithVersions(handle.db, SLUG);
		expect(found?.versions.map((v) => [v.pages, v.supersededBy])).toEqual([
			[3, null],
			[2, second.ok ? second.versionId : -1],
		]);
		expect(found?.versions[0]).toMatchObject({
			filename: 'pentest-v2.pdf',
			periodStart: '2026-01-05',
			periodEnd: '2026-01-16',
		});
		expect((await getCurrentVersion(handle.db, SLUG))?.pages).toBe(3);
	});

	it('marks the current version superseded (withdrawn): nothing is handed out until a new upload', async () => {
		const current = (await getDocumentWithVersions(handle.db, SLUG))!.versions[0]!;
		expect(await supersedeDocumentVersion(handle.db, SLUG, current.id, 'user:1')).toEqual({
			ok: true,
		});
		expect(await getCurrentVersion(handle.db, SLUG)).toBeNull();
		const [row] = await handle.db
			.select()
			.from(documentVersionsTable)
			.where(eq(documentVersionsTable.id, current.id));
		expect(row?.supersededBy).toBe(current.id);
		expect(await supersedeDocumentVersion(handle.db, SLUG, current.id, 'user:1')).toEqual({
			ok: false,
			reason: 'already_superseded',
		});
		expect(
			await supersedeDocumentVersion(handle.db, 'soc2-type2-2025', current.id, 'user:1'),
		).toEqual({
			ok: false,
			reason: 'not_found',
		});
	});

	it('sets the access level, and the next content sync keeps it', async () => {
		expect(await setDocumentAccessLevel(handle.db, SLUG, 'public', 'user:1')).toEqual({ ok: true });
		await syncContent(handle.db, content);
		expect((await getDocumentWithVersions(handle.db, SLUG))?.document.accessLevel).toBe('public');
		expect(await setDocumentAccessLevel(handle.db, SLUG, 'secret', 'user:1')).toEqual({
			ok: false,
			reason: 'invalid_level',
		});
		expect(await setDocumentAccessLevel(handle.db, 'nope', 'nda', 'user:1')).toEqual({
			ok: false,
			reason: 'not_found',
		});
	});

	it('writes an audit event for every change, in an unbroken chain', async () => {
		const types = (
			await handle.db.select({ type: auditEventsTable.type }).from(auditEventsTable)
		).map((e) => e.type);
		expect(types).toEqual(
			expect.arrayContaining([
				'document.version_created',
				'document.version_superseded',
				'document.access_changed',
			]),
		);
		expect((await validateAuditChain(handle.db)).ok).toBe(true);
	});
});
