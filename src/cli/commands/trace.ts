/** `trustroom trace`: who received a (leaked) copy. */
import { getCopy } from '../../lib/server/delivery/copies.ts';
import { sha256Hex } from '../../lib/server/platform/crypto.ts';
import { readCopyId } from '../../lib/server/watermark/trace.ts';
import { type Command, readInput, UsageError, withDatabase } from '../command.ts';

export const commands: Record<string, Command> = {
	trace: {
		usage: 'trustroom trace --file <pdf> | --id <copy-id>',
		options: { file: { type: 'string' }, id: { type: 'string' } },
		async run(values) {
			const file = values.file as string | undefined;
			let id = (values.id as string | undefined)?.trim().toUpperCase();
			if (!file === !id) throw new UsageError('give either --file <pdf> or --id <copy-id>');
			let source = 'given on the command line';
			let fileSha: string | null = null;
			if (file) {
				const bytes = await readInput(file);
				// pdf-lib reports damage it works around on the console; keep the output to one line.
				const warn = console.warn;
				console.warn = () => {};
				const found = await readCopyId(bytes).finally(() => (console.warn = warn));
				if (!found)
					throw new Error(`no copy id found in ${file} (neither in its metadata nor in its text)`);
				id = found.copyId;
				source =
					found.source === 'metadata'
						? "found in the file's metadata"
						: "found in the file's page text (its metadata was stripped)";
				fileSha = sha256Hex(bytes);
			}
			await withDatabase(async (handle) => {
				const copy = await getCopy(handle.db, id!);
				if (!copy) throw new Error(`copy ${id} was not issued by this trust center`);
				const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
				const lines = [
					`Copy ${copy.copyId} (${source})`,
					`  Document:  ${copy.documentTitle} (version ${copy.versionId}${copy.periodStart ? `, period ${copy.periodStart} to ${copy.periodEnd}` : ''})`,
					`  Issued to: ${copy.requesterName} <${copy.requesterEmail}>, ${copy.requesterCompany}`,
					`  Issued at: ${day(copy.issuedAt)} UTC from ${copy.ip ?? 'unknown IP'}${copy.userAgent ? ` (${copy.userAgent})` : ''}`,
					`  Grant:     #${copy.grantId}, valid until ${copy.grantExpiresAt.toISOString().slice(0, 10)}${copy.grantRevokedAt ? `, revoked ${day(copy.grantRevokedAt)} UTC` : ''}`,
					`  Status:    ${copy.status}${copy.status === 'failed' ? ' (stamping failed: this copy never left the server)' : ''}`,
				];
				if (fileSha && copy.outputSha256) {
					lines.push(
						`  File:      ${fileSha === copy.outputSha256 ? 'identical to the copy we issued' : 'differs from the copy we issued (edited or re-saved after download)'}`,
					);
				}
				console.log(lines.join('\n'));
			});
		},
	},
};
