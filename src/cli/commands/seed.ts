/** `trustroom seed --demo`: the demo PDFs. */
import { seedDemo } from '../../lib/server/pdf/demo/seed.ts';
import { type Command, formatKb, projectContent, UsageError, withDatabase } from '../command.ts';

export const commands: Record<string, Command> = {
	seed: {
		usage: 'trustroom seed --demo',
		options: { demo: { type: 'boolean' } },
		async run(values) {
			if (!values.demo)
				throw new UsageError(
					'seed needs --demo (it stores the demo PDFs for the reports in src/content)',
				);
			const content = projectContent();
			await withDatabase(
				async (handle) => {
					const result = await seedDemo(handle.db, content, 'cli');
					for (const doc of result.created) {
						console.log(`Stored ${doc.slug}: ${doc.pages} pages, ${formatKb(doc.bytes)}`);
					}
					for (const slug of result.kept) console.log(`Kept ${slug}: it already has a version`);
				},
				{ create: true },
			);
		},
	},
};
