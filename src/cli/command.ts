/** What every `trustroom` command shares: its shape, its errors, and the database it opens. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { companyEmailLogo } from '../lib/content/model.ts';
import {
	createDatabase,
	DatabaseLockedError,
	type DatabaseHandle,
	migrateDatabase,
} from '../../db/client.ts';
import { readTrustContent } from '../lib/server/content/reader.ts';
import { deliverPendingEmails } from '../lib/server/mail/sender.ts';
import { type Config, loadConfig } from '../lib/server/platform/config.ts';
import { getSetting, SERVER_SITE_URL } from '../lib/server/platform/settings.ts';
import { ROOT } from './build.ts';
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

/** The configuration as the server sees it: relative folders are the project's, wherever the shell is. */
export function cliConfig(): Config {
	const config = loadConfig();
	return {
		...config,
		pgliteDir: resolve(ROOT, config.pgliteDir),
		outboxDir: resolve(ROOT, config.outboxDir),
	};
}

/** The project's trust content (src/content), wherever the shell is. */
export function projectContent() {
	return readTrustContent(join(ROOT, 'src/content'), ROOT);
}

/**
 * Opens the project's database. Only commands that set one up (`create`) may make a new one:
 * anything else refuses, so a wrong PGLITE_DIR or DATABASE_URL cannot quietly start an empty one.
 */
export async function withDatabase(
	work: (handle: DatabaseHandle) => Promise<void>,
	options: { create?: boolean } = {},
): Promise<void> {
	const config = cliConfig();
	const where = config.databaseUrl
		? `DATABASE_URL ${redact(config.databaseUrl)}`
		: config.pgliteDir;
	const setUp = `Start the server once (npm start), or run "npx trustroom db migrate", to create it; or point ${config.databaseUrl ? 'DATABASE_URL' : 'PGLITE_DIR'} at the database the server uses.`;
	if (!config.databaseUrl && !options.create && !existsSync(join(config.pgliteDir, 'PG_VERSION')))
		throw new Error(`there is no Trustroom database in ${where} yet. ${setUp}`);
	let handle: DatabaseHandle;
	try {
		handle = await createDatabase(
			config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: config.pgliteDir },
		);
	} catch (error) {
		if (error instanceof DatabaseLockedError)
			throw new Error(
				`${error.message} With the embedded database, stop "npm start" before running this command, or run the server on PostgreSQL (DATABASE_URL) so both can work at once.`,
			);
		throw error;
	}
	try {
		if (!options.create && !(await isMigrated(handle)))
			throw new Error(
				`the database at ${where} is not a Trustroom database (it has no migrations). ${setUp}`,
			);
		await migrateDatabase(handle);
		await work(handle);
	} finally {
		await handle.close();
	}
}

async function isMigrated(handle: DatabaseHandle): Promise<boolean> {
	const rows = await handle.db.execute<{ table: string | null }>(
		sql`select to_regclass('drizzle.__drizzle_migrations')::text as "table"`,
	);
	const first = (
		Array.isArray(rows) ? rows[0] : (rows as { rows: { table: string | null }[] }).rows[0]
	) as { table: string | null } | undefined;
	return Boolean(first?.table);
}

/** Runs staff work with the journey's context, then delivers the emails it queued. */
export async function withJourney(work: (ctx: JourneyContext) => Promise<void>): Promise<void> {
	const config = cliConfig();
	const content = projectContent();
	await withDatabase(async (handle) => {
		// Links in mail from the shell must point where the server serves: its own SITE_URL, as it
		// recorded at start, unless this shell sets one.
		const serverSiteUrl = await getSetting<string>(handle.db, SERVER_SITE_URL);
		const siteUrl = process.env.SITE_URL?.trim()
			? config.siteUrl
			: (serverSiteUrl ?? config.siteUrl);
		const journey = { ...config, siteUrl };
		await work({
			db: handle.db,
			config: journey,
			companyName: content.company.name,
			companyLogo: companyEmailLogo(content.company),
			ndaTitles: Object.fromEntries(content.ndas.map((n) => [n.version, n.title])),
		});
		const delivered = await deliverPendingEmails(handle.db, journey);
		if (delivered.retrying || delivered.failed) {
			console.warn(
				`Email: ${delivered.sent} sent, ${delivered.retrying} will be retried by the server, ${delivered.failed} failed.`,
			);
		}
	});
}

function redact(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return '(unparseable URL)';
	}
}

export function formatKb(bytes: number): string {
	return bytes >= 1024 * 1024
		? `${(bytes / 1024 / 1024).toFixed(1)} MB`
		: `${Math.ceil(bytes / 1024)} KB`;
}
