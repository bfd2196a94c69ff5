/** A new version of a document from the staff workspace: the pre-flight, then the stored version. */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { documentsTable } from '../../../../db/schema.ts';
import { isRealDate } from '../../content/dates.ts';
import { createDocumentVersion } from './documents.ts';
import { preflightPdf } from './preflight.ts';

export interface UploadInput {
	slug: string;
	bytes: Uint8Array | null;
	filename: string;
	periodStart: string;
	periodEnd: string;
	uploadedBy: number | null;
	actor: string;
}

export type UploadResult =
	| { ok: true; versionId: number; pages: number; sha256: string; warnings: string[] }
	| { ok: false; reason: 'not_found' }
	| { ok: false; reason: 'invalid'; errors: Record<string, string> };

/** Checks the file (an encrypted or damaged PDF is refused with the reason) and stores it. */
export async function uploadDocumentVersion(
	db: Database,
	input: UploadInput,
	limits: { maxBytes: number; maxPages: number },
): Promise<UploadResult> {
	const [document] = await db
		.select({ id: documentsTable.id })
		.from(documentsTable)
		.where(eq(documentsTable.slug, input.slug));
	if (!document) return { ok: false, reason: 'not_found' };
	const errors: Record<string, string> = {};
	const start = input.periodStart.trim();
	const end = input.periodEnd.trim();
	if (start && !isRealDate(start)) errors.periodStart = 'The period start must be a date';
	if (end && !isRealDate(end)) errors.periodEnd = 'The period end must be a date';
	if (!errors.periodStart && !errors.periodEnd && Boolean(start) !== Boolean(end))
		errors.periodEnd = 'Give both ends of the audit period, or neither';
	if (start && end && !errors.periodStart && !errors.periodEnd && end < start)
		errors.periodEnd = 'The period must end on or after its start';
	if (!input.bytes || input.bytes.byteLength === 0) errors.file = 'Choose the PDF to upload';
	else {
		const check = await preflightPdf(input.bytes, limits);
		if (!check.ok) errors.file = `The file was refused: ${check.reason}.`;
		else if (Object.keys(errors).length === 0) {
			const filename = input.filename.replace(/[\p{Cc}/\\]/gu, '').slice(0, 200) || 'upload.pdf';
			const version = await createDocumentVersion(db, {
				slug: input.slug,
				bytes: input.bytes,
				filename,
				pages: check.pages,
				period: start && end ? { start, end } : null,
				uploadedBy: input.uploadedBy,
				actor: input.actor,
			});
			return {
				ok: true,
				versionId: version.id,
				pages: check.pages,
				sha256: version.sha256,
				warnings: check.warnings,
			};
		}
	}
	return { ok: false, reason: 'invalid', errors };
}
