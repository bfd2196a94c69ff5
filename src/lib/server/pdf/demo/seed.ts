/** The demo: PDFs for every report in the content, stored as document versions. */
import type { Database } from '../../../../../db/client.ts';
import type { TrustContent } from '../../../content/model.ts';
import { generateDemoReport } from './reports.ts';
import { createDocumentVersion, getCurrentVersion } from '../../documents/documents.ts';
import { preflightPdf } from '../../documents/preflight.ts';
import { syncContent } from '../../content/sync.ts';

export interface SeedResult {
	created: { slug: string; pages: number; bytes: number }[];
	/** Reports that already had a version (seeding never replaces a real upload). */
	kept: string[];
}

export async function seedDemo(
	db: Database,
	content: TrustContent,
	actor = 'system',
): Promise<SeedResult> {
	await syncContent(db, content);
	const result: SeedResult = { created: [], kept: [] };
	for (const report of content.reports) {
		if (await getCurrentVersion(db, report.slug)) {
			result.kept.push(report.slug);
			continue;
		}
		const bytes = await generateDemoReport(report, content);
		const check = await preflightPdf(bytes);
		if (!check.ok)
			throw new Error(`The demo ${report.slug}.pdf failed its own pre-flight: ${check.reason}`);
		await createDocumentVersion(db, {
			slug: report.slug,
			bytes,
			filename: `${report.slug}.pdf`,
			pages: check.pages,
			period: report.period,
			actor,
			preparation: check.preparation,
		});
		result.created.push({ slug: report.slug, pages: check.pages, bytes: bytes.byteLength });
	}
	return result;
}
