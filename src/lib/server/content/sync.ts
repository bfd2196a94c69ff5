/** The content's reports and NDA versions, mirrored into the database. */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { documentsTable, ndaVersionsTable } from '../../../../db/schema.ts';
import type { NdaVersion, Report } from '../../content/model.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { ACCESS_LEVEL_OVERRIDES, type AccessLevel } from '../documents/documents.ts';
import { sha256Hex } from '../platform/crypto.ts';
import { getSetting } from '../platform/settings.ts';

/** Mirrors the content's reports and NDA versions into the database (idempotent). */
export async function syncContent(
	db: Database,
	content: { reports: Report[]; ndas: NdaVersion[] },
): Promise<void> {
	await db.transaction(async (tx) => {
		// An access level set by staff in the workspace stands until they change it there.
		const overrides =
			(await getSetting<Record<string, AccessLevel>>(tx, ACCESS_LEVEL_OVERRIDES)) ?? {};
		for (const report of content.reports) {
			const accessLevel = overrides[report.slug] ?? report.access;
			await tx
				.insert(documentsTable)
				.values({
					slug: report.slug,
					kind: report.kind,
					title: report.title,
					accessLevel,
				})
				.onConflictDoUpdate({
					target: documentsTable.slug,
					set: { kind: report.kind, title: report.title, accessLevel },
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
					title: nda.title,
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
			} else if (existing.sha256 === sha256 && existing.title === null) {
				// Rows stored before titles were kept: the title is not part of the signed text.
				await tx
					.update(ndaVersionsTable)
					.set({ title: nda.title })
					.where(eq(ndaVersionsTable.id, existing.id));
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

function bumpVersion(version: string): string {
	const parts = version.split('.').map(Number);
	parts[parts.length - 1] = (parts[parts.length - 1] ?? 0) + 1;
	return parts.join('.');
}
