/** `trustroom documents list|upload`. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { syncContent } from '../../lib/server/content/sync.ts';
import { createDocumentVersion, listDocuments } from '../../lib/server/documents/documents.ts';
import { preflightPdf } from '../../lib/server/documents/preflight.ts';
import {
	cliConfig,
	type Command,
	formatKb,
	projectContent,
	required,
	withDatabase,
} from '../command.ts';

export const commands: Record<string, Command> = {
	'documents list': {
		usage: 'trustroom documents list',
		options: {},
		run: () =>
			withDatabase(async (handle) => {
				await syncContent(handle.db, projectContent());
				const rows = await listDocuments(handle.db);
				for (const row of rows) {
					const version = row.versionId
						? `v${row.versionId}, ${row.pages} pages, ${formatKb(row.byteLength ?? 0)}, sha256 ${row.sha256?.slice(0, 12)}…`
						: 'no version uploaded';
					console.log(`${row.slug.padEnd(28)} ${row.accessLevel.padEnd(9)} ${version}`);
				}
			}),
	},
	'documents upload': {
		usage: 'trustroom documents upload --slug <slug> --file <pdf>',
		options: { slug: { type: 'string' }, file: { type: 'string' } },
		async run(values) {
			const slug = required(
				values,
				'slug',
				'the report id, which is its file name in src/content/reports',
			);
			const file = required(values, 'file', 'the PDF to upload');
			const content = projectContent();
			const report = content.reports.find((r) => r.slug === slug);
			if (!report) {
				throw new Error(
					`no report "${slug}" in src/content/reports; known: ${content.reports.map((r) => r.slug).join(', ')}`,
				);
			}
			let bytes: Uint8Array;
			try {
				bytes = new Uint8Array(await readFile(file));
			} catch (error) {
				throw new Error(
					`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`,
				);
			}
			const config = cliConfig();
			const check = await preflightPdf(bytes, {
				maxBytes: config.maxUploadBytes,
				maxPages: config.maxPages,
			});
			if (!check.ok) throw new Error(`${file} was refused: ${check.reason}`);
			for (const warning of check.warnings) console.warn(`Warning: ${warning}`);
			await withDatabase(async (handle) => {
				await syncContent(handle.db, content);
				const version = await createDocumentVersion(handle.db, {
					slug,
					bytes,
					filename: basename(file),
					pages: check.pages,
					period: report.period,
					actor: 'cli',
					preparation: check.preparation,
				});
				console.log(
					`Stored ${slug} version ${version.id}: ${check.pages} pages, ${formatKb(bytes.byteLength)}, sha256 ${version.sha256}`,
				);
			});
		},
	},
};
