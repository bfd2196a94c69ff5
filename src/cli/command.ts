/** What every `trustroom` command shares: its shape, its errors, and the database it opens. */
import { readFile } from 'node:fs/promises';
import { createDatabase, type DatabaseHandle, migrateDatabase } from '../../db/client.ts';
import { readTrustContent } from '../lib/server/content/reader.ts';
import { deliverPendingEmails } from '../lib/server/mail/sender.ts';
import { loadConfig } from '../lib/server/platform/config.ts';
import type { JourneyContext } from '../lib/server/requests/context.ts';
import type { ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
	override name = 'UsageError';
}

export interface Command {
	usage: string;
	options: NonNullable<ParseArgsConfig['options']>;
	/** Names of positional arguments, e.g. ['id']; none means positionals are refused. */
	positionals?: string[];
	run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<void>;
}

export async function readInput(file: string): Promise<Uint8Array> {
	try {
		return new Uint8Array(await readFile(file));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new Error(
			`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error)}`,
		);
	}
}

export function requestId(value: string | undefined): number {
	const id = Number(value);
	if (!Number.isSafeInteger(id) || id < 1)
		throw new UsageError(`"${value}" is not an id; ids are whole numbers such as 12`);
	return id;
}

export function optionalCount(
	values: Record<string, unknown>,
	name: string,
	min = 1,
): number | null {
	const value = values[name];
	if (value === undefined) return null;
	const n = Number(value);
	if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > 100_000) {
		throw new UsageError(`--${name} must be a whole number${min ? ` of at least ${min}` : ''}`);
	}
	return n;
}

export function required(values: Record<string, unknown>, name: string, what: string): string {
	const value = values[name];
	if (typeof value !== 'string' || value.trim() === '')
		throw new UsageError(`--${name} is required: ${what}`);
	return value;
}

export async function withDatabase(work: (handle: DatabaseHandle) => Promise<void>): Promise<void> {
	const config = loadConfig();
	const handle = await createDatabase(
		config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: config.pgliteDir },
	);
	try {
		await work(handle);
	} finally {
		await handle.close();
	}
}

/** Runs staff work with the journey's context, then delivers the emails it queued. */
export async function withJourney(work: (ctx: JourneyContext) => Promise<void>): Promise<void> {
	const config = loadConfig();
	const content = readTrustContent('src/content');
	await withDatabase(async (handle) => {
		await migrateDatabase(handle);
		await work({
			db: handle.db,
			config,
			companyName: content.company.name,
			ndaTitles: Object.fromEntries(content.ndas.map((n) => [n.version, n.title])),
		});
		const delivered = await deliverPendingEmails(handle.db, config);
		if (delivered.retrying || delivered.failed) {
			console.warn(
				`Email: ${delivered.sent} sent, ${delivered.retrying} will be retried by the server, ${delivered.failed} failed.`,
			);
		}
	});
}

export function formatKb(bytes: number): string {
	return bytes >= 1024 * 1024
		? `${(bytes / 1024 / 1024).toFixed(1)} MB`
		: `${Math.ceil(bytes / 1024)} KB`;
}
