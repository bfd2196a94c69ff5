/** What a copy is called, and what its copy id says about it. */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import {
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	grantsTable,
	requestersTable,
} from '../../../../db/schema.ts';

// Letters that do not decompose into an ASCII base letter.
const LETTERS: Record<string, string> = {
	ł: 'l',
	Ł: 'L',
	ø: 'o',
	Ø: 'O',
	đ: 'd',
	Đ: 'D',
	ß: 'ss',
	æ: 'ae',
	Æ: 'AE',
	œ: 'oe',
	Œ: 'OE',
	þ: 'th',
	Þ: 'Th',
};

/** `Kestrel-Analytics-SOC-2-Type-II-report-2025-jane-doe.pdf`: ASCII, no spaces, readable. */
export function copyFilename(company: string, title: string, person: string): string {
	const ascii = (text: string) =>
		text
			.replace(/[łŁøØđĐßæÆœŒþÞ]/g, (c) => LETTERS[c] ?? '')
			.normalize('NFKD')
			.replace(/[\u0300-\u036f]/g, '')
			.replace(/[^A-Za-z0-9]+/g, '-')
			.replace(/^-+|-+$/g, '');
	const who = ascii(person).toLowerCase() || 'copy';
	return `${[ascii(company), ascii(title), who].filter(Boolean).join('-').slice(0, 150)}.pdf`;
}

/** What a copy id says about a copy: for trace (staff) and /verify (public, masked). */
export async function getCopy(db: Database, copyId: string) {
	const [row] = await db
		.select({
			copyId: downloadsTable.copyId,
			status: downloadsTable.status,
			issuedAt: downloadsTable.createdAt,
			ip: downloadsTable.ip,
			userAgent: downloadsTable.userAgent,
			outputSha256: downloadsTable.outputSha256,
			grantId: downloadsTable.grantId,
			grantExpiresAt: grantsTable.expiresAt,
			grantRevokedAt: grantsTable.revokedAt,
			requesterName: requestersTable.name,
			requesterEmail: requestersTable.email,
			requesterCompany: requestersTable.company,
			documentSlug: documentsTable.slug,
			documentTitle: documentsTable.title,
			versionId: documentVersionsTable.id,
			periodStart: documentVersionsTable.periodStart,
			periodEnd: documentVersionsTable.periodEnd,
			supersededBy: documentVersionsTable.supersededBy,
		})
		.from(downloadsTable)
		.innerJoin(grantsTable, eq(grantsTable.id, downloadsTable.grantId))
		.innerJoin(requestersTable, eq(requestersTable.id, downloadsTable.requesterId))
		.innerJoin(
			documentVersionsTable,
			eq(documentVersionsTable.id, downloadsTable.documentVersionId),
		)
		.innerJoin(documentsTable, eq(documentsTable.id, documentVersionsTable.documentId))
		.where(eq(downloadsTable.copyId, copyId.toUpperCase()));
	return row ?? null;
}

/** `jane.doe@acme.com` → `j***@acme.com`: enough to recognise, not to harvest. */
export function maskEmail(email: string): string {
	const at = email.lastIndexOf('@');
	return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}
