/**
 * Documents and their versions. The bytes of every version live only in the database: never in
 * public/, the repository or dist/.
 */
import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import type { Database } from '../../../../db/client.ts';
import { documentsTable, documentVersionsTable, ndaVersionsTable } from '../../../../db/schema.ts';
import type { NdaVersion, Report } from '../../content/model.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { sha256Hex } from '../platform/crypto.ts';

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_PAGES = 2000;

export type PreflightResult =
	{ ok: true; pages: number; warnings: string[] } | { ok: false; reason: string };

/** Checks an uploaded file before it is stored; the reason says what to fix. */
export async function preflightPdf(
	bytes: Uint8Array,
	limits: { maxBytes?: number; maxPages?: number } = {},
): Promise<PreflightResult> {
	const maxBytes = limits.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
	const maxPages = limits.maxPages ?? DEFAULT_MAX_PAGES;
	if (bytes.byteLength === 0) return { ok: false, reason: 'the file is empty' };
	if (bytes.byteLength > maxBytes) {
		return {
			ok: false,
			reason: `the file is ${formatBytes(bytes.byteLength)}, over the ${formatBytes(maxBytes)} limit`,
		};
	}
	const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
	if (!head.includes('%PDF-'))
		return { ok: false, reason: 'this is not a PDF (no %PDF- header); export the report as PDF' };
	const encrypted = {
		ok: false,
		reason:
			'the PDF is encrypted (even an empty password counts); save an unprotected copy and upload that',
	} as const;
	// pdf-lib "loads" many encrypted files and later writes unreadable copies: look for the
	// trailer's /Encrypt entry first.
	if (latin1(bytes).includes('/Encrypt')) return encrypted;
	let pdf: PDFDocument;
	const parserWarnings: string[] = [];
	const warn = console.warn;
	// pdf-lib reports recoverable damage on the console; keep it out of the CLI's output.
	console.warn = (...args: unknown[]) => void parserWarnings.push(args.map(String).join(' '));
	try {
		pdf = await PDFDocument.load(bytes, { updateMetadata: false });
	} catch (error) {
		if (error instanceof Error && error.constructor.name === 'EncryptedPDFError') return encrypted;
		return {
			ok: false,
			reason: `the PDF is damaged and cannot be read (${firstLine(error)}); export it again`,
		};
	} finally {
		console.warn = warn;
	}
	if (pdf.isEncrypted) return encrypted;
	if (parserWarnings.length > 0) {
		// Objects pdf-lib skipped would be missing from every stamped copy.
		return {
			ok: false,
			reason: `the PDF is damaged: ${parserWarnings.length} part(s) could not be read (${parserWarnings[0]?.slice(0, 120)}); export it again`,
		};
	}
	const pages = pdf.getPageCount();
	if (pages === 0) return { ok: false, reason: 'the PDF has no pages' };
	if (pages > maxPages)
		return { ok: false, reason: `the PDF has ${pages} pages, over the ${maxPages}-page limit` };
	const warnings: string[] = [];
	if (latin1(bytes).includes('/ByteRange')) {
		warnings.push('the PDF is digitally signed; stamping each copy will invalidate the signature');
	}
	return { ok: true, pages, warnings };
}

/** Mirrors the content's reports and NDA versions into the database (idempotent). */
export async function syncContent(
	db: Database,
	content: { reports: Report[]; ndas: NdaVersion[] },
): Promise<void> {
	await db.transaction(async (tx) => {
		for (const report of content.reports) {
			await tx
				.insert(documentsTable)
				.values({
					slug: report.slug,
					kind: report.kind,
					title: report.title,
					accessLevel: report.access,
				})
				.onConflictDoUpdate({
					target: documentsTable.slug,
					set: { kind: report.kind, title: report.title, accessLevel: report.access },
				});
		}
		for (const nda of content.ndas) {
			const sha256 = sha256Hex(nda.body);
			const [existing] = await tx
				.select()
				.from(ndaVersionsTable)
				.where(eq(ndaVersionsTable.version, nda.version));
			if (!existing) {
				await tx.insert(ndaVersionsTable).values({
					version: nda.version,
					effectiveDate: nda.effectiveDate,
					text: nda.body,
					sha256,
				});
				await appendAuditEvent(tx, {
					type: 'nda.version_published',
					actor: 'system',
					subject: `nda:${nda.version}`,
					data: { sha256 },
				});
			} else if (existing.sha256 !== sha256) {
				// Signers accepted the exact text of a version: it can never change under them.
				throw new Error(
					`NDA version ${nda.version} in src/content/nda was edited after it was published; ` +
						`restore its text and publish the change as a new version (for example ${bumpVersion(nda.version)}).`,
				);
			}
		}
	});
}

export interface NewVersion {
	slug: string;
	bytes: Uint8Array;
	filename: string;
	pages: number;
	period?: { start: string; end: string } | null;
	uploadedBy?: number | null;
	actor: string;
}

/** Stores a new version of a document and marks the previous one superseded, in one transaction. */
export async function createDocumentVersion(db: Database, input: NewVersion) {
	return db.transaction(async (tx) => {
		const [document] = await tx
			.select()
			.from(documentsTable)
			.where(eq(documentsTable.slug, input.slug));
		if (!document) throw new Error(`No document "${input.slug}"`);
		const sha256 = sha256Hex(input.bytes);
		const [version] = await tx
			.insert(documentVersionsTable)
			.values({
				documentId: document.id,
				bytes: input.bytes,
				byteLength: input.bytes.byteLength,
				sha256,
				pages: input.pages,
				filename: input.filename,
				periodStart: input.period?.start ?? null,
				periodEnd: input.period?.end ?? null,
				uploadedBy: input.uploadedBy ?? null,
			})
			.returning({ id: documentVersionsTable.id, createdAt: documentVersionsTable.createdAt });
		if (!version) throw new Error('Inserting the document version returned nothing');
		await tx
			.update(documentVersionsTable)
			.set({ supersededBy: version.id })
			.where(
				and(
					eq(documentVersionsTable.documentId, document.id),
					isNull(documentVersionsTable.supersededBy),
					ne(documentVersionsTable.id, version.id),
				),
			);
		await appendAuditEvent(tx, {
			type: 'document.version_created',
			actor: input.actor,
			subject: `document:${input.slug}`,
			data: {
				versionId: version.id,
				sha256,
				pages: input.pages,
				bytes: input.bytes.byteLength,
				filename: input.filename,
			},
		});
		return { id: version.id, documentId: document.id, sha256, createdAt: version.createdAt };
	});
}

/** The current (not superseded) version of a document, with its bytes. */
export async function getCurrentVersion(db: Database, slug: string) {
	const [row] = await db
		.select({
			id: documentVersionsTable.id,
			bytes: documentVersionsTable.bytes,
			sha256: documentVersionsTable.sha256,
			pages: documentVersionsTable.pages,
			filename: documentVersionsTable.filename,
			accessLevel: documentsTable.accessLevel,
			title: documentsTable.title,
		})
		.from(documentVersionsTable)
		.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
		.where(and(eq(documentsTable.slug, slug), isNull(documentVersionsTable.supersededBy)))
		.orderBy(desc(documentVersionsTable.id))
		.limit(1);
	return row ?? null;
}

export async function countDocumentVersions(db: Database): Promise<number> {
	const rows = await db
		.select({ id: documentVersionsTable.id })
		.from(documentVersionsTable)
		.limit(1);
	return rows.length;
}

function bumpVersion(version: string): string {
	const parts = version.split('.').map(Number);
	parts[parts.length - 1] = (parts[parts.length - 1] ?? 0) + 1;
	return parts.join('.');
}

function latin1(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function formatBytes(bytes: number): string {
	return bytes >= 1024 * 1024
		? `${(bytes / 1024 / 1024).toFixed(1)} MB`
		: `${Math.ceil(bytes / 1024)} KB`;
}

function firstLine(error: unknown): string {
	return (
		(error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 160) ??
		'unknown error'
	);
}

/** Every document with its current version's facts (no bytes). */
export async function listDocuments(db: Database) {
	return db
		.select({
			slug: documentsTable.slug,
			title: documentsTable.title,
			accessLevel: documentsTable.accessLevel,
			versionId: documentVersionsTable.id,
			pages: documentVersionsTable.pages,
			byteLength: documentVersionsTable.byteLength,
			sha256: documentVersionsTable.sha256,
			createdAt: documentVersionsTable.createdAt,
		})
		.from(documentsTable)
		.leftJoin(
			documentVersionsTable,
			and(
				eq(documentVersionsTable.documentId, documentsTable.id),
				isNull(documentVersionsTable.supersededBy),
			),
		)
		.orderBy(documentsTable.slug);
}
