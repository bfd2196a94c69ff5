/** Exports of the access log (CSV, JSON lines): the export itself is logged before it starts. */
import type { Database } from '../../../../db/client.ts';
import {
	accessLogCsvRow,
	accessLogJsonLine,
	CSV_COLUMNS,
	readAccessLog,
	readAccessLogFilter,
} from './access-log.ts';
import { appendAuditEvent } from './audit.ts';
import { csvLine } from './csv.ts';

export async function exportAccessLog(
	db: Database,
	params: URLSearchParams,
	options: { format: 'csv' | 'jsonl'; actor: string; ip: string | null },
): Promise<{ lines: AsyncIterable<string>; filename: string; contentType: string }> {
	const { filter } = readAccessLogFilter(params);
	// Who took a copy of the log, and of what, is itself part of the log.
	await db.transaction((tx) =>
		appendAuditEvent(tx, {
			type: 'log.exported',
			actor: options.actor,
			data: { format: options.format, filter: { ...filter }, ip: options.ip },
		}),
	);
	const day = new Date().toISOString().slice(0, 10);
	async function* lines() {
		if (options.format === 'csv') yield csvLine([...CSV_COLUMNS]);
		for await (const entry of readAccessLog(db, filter))
			yield options.format === 'csv' ? accessLogCsvRow(entry) : accessLogJsonLine(entry);
	}
	return options.format === 'csv'
		? { lines: lines(), filename: `access-log-${day}.csv`, contentType: 'text/csv; charset=utf-8' }
		: {
				lines: lines(),
				filename: `access-log-${day}.jsonl`,
				contentType: 'application/x-ndjson; charset=utf-8',
			};
}
