/** `trustroom trace`: who received a (leaked) copy. */
import { traceCopy } from '../../lib/server/delivery/trace.ts';
import { type Command, readInput, UsageError, withDatabase } from '../command.ts';

const SOURCES = {
	metadata: "found in the file's metadata",
	text: "found in the file's page text (its metadata was stripped)",
	typed: 'given on the command line',
} as const;

export const commands: Record<string, Command> = {
	trace: {
		usage: 'trustroom trace --file <pdf> | --id <copy-id>',
		options: { file: { type: 'string' }, id: { type: 'string' } },
		async run(values) {
			const file = values.file as string | undefined;
			const id = values.id as string | undefined;
			if (!file === !id) throw new UsageError('give either --file <pdf> or --id <copy-id>');
			const bytes = file ? await readInput(file) : undefined;
			await withDatabase(async (handle) => {
				const result = await traceCopy(handle.db, { bytes, copyId: id }, 'cli');
				if (!result.ok) {
					if (result.reason === 'no_copy_id_in_file')
						throw new Error(
							`no copy id found in ${file} (neither in its metadata nor in its text)`,
						);
					if (result.reason === 'not_a_copy_id')
						throw new UsageError('--id must look like 7F3K-Q9MD');
					throw new Error(`copy ${result.copyId} was not issued by this trust center`);
				}
				const { copy } = result;
				const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
				const lines = [
					`Copy ${copy.copyId} (${SOURCES[result.source]})`,
					`  Document:  ${copy.documentTitle} (version ${copy.versionId}${copy.periodStart ? `, period ${copy.periodStart} to ${copy.periodEnd}` : ''})`,
					`  Issued to: ${copy.requesterName} <${copy.requesterEmail}>, ${copy.requesterCompany}`,
					`  Issued at: ${day(copy.issuedAt)} UTC from ${copy.ip ?? 'unknown IP'}${copy.userAgent ? ` (${copy.userAgent})` : ''}`,
					`  Grant:     #${copy.grantId}, valid until ${copy.grantExpiresAt.toISOString().slice(0, 10)}${copy.grantRevokedAt ? `, revoked ${day(copy.grantRevokedAt)} UTC` : ''}`,
					`  Status:    ${copy.status}${copy.status === 'failed' ? ' (stamping failed: this copy never left the server)' : ''}`,
				];
				if (result.file)
					lines.push(
						`  File:      ${result.file === 'identical' ? 'identical to the copy we issued' : 'differs from the copy we issued (edited or re-saved after download)'}`,
					);
				console.log(lines.join('\n'));
			});
		},
	},
};
