/** `trustroom watermark`: stamp a file offline, recording nothing. */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { preflightPdf } from '../../lib/server/documents/preflight.ts';
import { COPY_ID_PATTERN, generateCopyId } from '../../lib/server/watermark/copy-id.ts';
import { assembleCopy } from '../../lib/server/watermark/copy.ts';
import { cliConfig, type Command, readInput, required, UsageError } from '../command.ts';

import { isRealDate } from '../../lib/content/dates.ts';
export const commands: Record<string, Command> = {
	watermark: {
		usage:
			'trustroom watermark --in <pdf> --out <pdf> --name <name> --email <email> --company <company> [--copy-id ID] [--valid-until YYYY-MM-DD] [--period-start YYYY-MM-DD --period-end YYYY-MM-DD]',
		options: {
			in: { type: 'string' },
			out: { type: 'string' },
			name: { type: 'string' },
			email: { type: 'string' },
			company: { type: 'string' },
			'copy-id': { type: 'string' },
			'valid-until': { type: 'string' },
			'period-start': { type: 'string' },
			'period-end': { type: 'string' },
			title: { type: 'string' },
		},
		async run(values) {
			const input = required(values, 'in', 'the PDF to stamp');
			const output = required(values, 'out', 'where to write the stamped copy');
			const dates = ['valid-until', 'period-start', 'period-end'].map((name) => {
				const value = values[name] as string | undefined;
				if (value !== undefined && !isRealDate(value)) {
					throw new UsageError(`--${name} must be a date such as 2027-02-20`);
				}
				return value ?? null;
			});
			const copyId = ((values['copy-id'] as string | undefined) ?? generateCopyId()).toUpperCase();
			if (!new RegExp(`^${COPY_ID_PATTERN.source}$`).test(copyId)) {
				throw new UsageError(
					'--copy-id must look like 7F3K-Q9MD (letters and digits without 0, 1, I, L, O, U)',
				);
			}
			const bytes = await readInput(input);
			const check = await preflightPdf(bytes);
			if (!check.ok) throw new Error(`${input} cannot be stamped: ${check.reason}`);
			const config = cliConfig();
			const { plan, body } = check.preparation;
			const { head, tail } = await assembleCopy(plan, body.byteLength, {
				name: required(values, 'name', "the recipient's full name"),
				email: required(values, 'email', "the recipient's email"),
				company: required(values, 'company', "the recipient's company"),
				issuedAt: new Date(),
				validUntil: dates[0] ? new Date(`${dates[0]}T23:59:59Z`) : null,
				periodStart: dates[1] ?? null,
				periodEnd: dates[2] ?? null,
				copyId,
				verifyUrl: `${config.siteUrl}/verify/${copyId}`,
				documentTitle: (values.title as string | undefined) ?? basename(input, '.pdf'),
			});
			await writeFile(output, [head, body, tail]);
			console.log(`Stamped ${check.pages} pages as copy ${copyId} → ${output}`);
			console.log(
				'This copy is not recorded: /verify will not know it. Note the id if you need to trace it.',
			);
		},
	},
};
