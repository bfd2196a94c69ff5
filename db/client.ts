/**
 * One way to open the database: postgres.js when a URL is given, else PGlite in a directory
 * (or in memory, for tests). Both speak PostgreSQL and share one schema and one migrations folder.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { tryPidLock } from '../src/lib/server/platform/pid-lock.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: domain functions that write run inside the caller's transaction. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export interface DatabaseHandle {
	db: Database;
	kind: 'postgres' | 'pglite';
	/** Where the data lives, for messages (the URL without its password, or the directory). */
	location: string;
	close(): Promise<void>;
}

export type DatabaseOptions =
	| { url: string }
	| { pgliteDir: string }
	/** An already opened PGlite (tests clone a migrated snapshot into memory). */
	| { pglite: PGlite };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Thrown when another process already has the embedded database open. */
export class DatabaseLockedError extends Error {
	override name = 'DatabaseLockedError';
}

type Sql = ReturnType<typeof postgres>;

/**
 * The client drizzle talks through, with every query a named prepared statement (postgres.js keeps
 * them per connection, as it does for its own tagged queries). drizzle asks for unnamed statements
 * unless a query is given a name, and postgres.js then describes each query with parameters in a
 * round trip of its own before running it, and PostgreSQL parses and plans it every time: for a
 * download that was about twice the round trips and 4 ms of the server's CPU planning one query.
 * (Behind a pooler in transaction mode, which cannot keep statements, this would need to go.)
 */
function preparing<T extends Sql>(sql: T): T {
	return new Proxy(sql, {
		get(target, property, receiver) {
			if (property === 'unsafe') {
				return (query: string, params?: unknown[], options?: object) =>
					target.unsafe(query, params as never, { ...options, prepare: true });
			}
			if (property === 'begin' || property === 'savepoint') {
				return (...args: unknown[]) => {
					const work = args.pop() as (tx: Sql) => unknown;
					const open = Reflect.get(target, property) as (...a: unknown[]) => unknown;
					return open.call(target, ...args, (tx: Sql) => work(preparing(tx)));
				};
			}
			return Reflect.get(target, property, receiver);
		},
	});
}

export async function createDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
	if ('url' in options) {
		const client = postgres(options.url, {
			max: 10,
			// While the database is away, a request fails within seconds (and answers 503) instead of
			// waiting the driver's default 30 s for each connection attempt.
			connect_timeout: 5,
			// The driver's default reconnect backoff grows to 20 s, and a query waits out the delay
			// before its connection is even tried: keep retries quick so a query fails fast (503)
			// while the database is away and succeeds as soon as it is back.
			backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
			onnotice: () => {},
		});
		const location = redactUrl(options.url);
		try {
			await client`select 1`;
		} catch (error) {
			await client.end({ timeout: 1 });
			throw new Error(
				`Cannot connect to PostgreSQL at ${location} (DATABASE_URL): ${errorText(error)}`,
				{
					cause: error,
				},
			);
		}
		return {
			db: drizzlePostgres(preparing(client), { schema }) as unknown as Database,
			kind: 'postgres',
			location,
			close: () => client.end({ timeout: 5 }),
		};
	}
	if ('pglite' in options) {
		const client = options.pglite;
		return {
			db: drizzlePglite(client, { schema }) as unknown as Database,
			kind: 'pglite',
			location: 'memory',
			close: () => client.close(),
		};
	}
	const dir = resolve(options.pgliteDir);
	// PGlite has no lock of its own, and two processes writing one directory corrupt it.
	const releaseLock = acquireDirectoryLock(dir);
	let client: PGlite;
	try {
		mkdirSync(dir, { recursive: true });
		client = await PGlite.create({ dataDir: dir });
	} catch (error) {
		releaseLock();
		throw new Error(
			`Cannot open the embedded database in ${dir} (PGLITE_DIR): ${errorText(error)}`,
			{
				cause: error,
			},
		);
	}
	return {
		db: drizzlePglite(client, { schema }) as unknown as Database,
		kind: 'pglite',
		location: dir,
		async close() {
			try {
				await client.close();
			} finally {
				releaseLock();
			}
		},
	};
}

/** Applies the committed migrations in db/migrations; safe to call on every start. */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
	const config = { migrationsFolder: MIGRATIONS_FOLDER };
	if (handle.kind === 'postgres') {
		await migratePostgres(handle.db as never, config);
	} else {
		await migratePglite(handle.db as never, config);
	}
}

function acquireDirectoryLock(dir: string): () => void {
	const lockPath = `${dir}.lock`;
	mkdirSync(dirname(lockPath), { recursive: true });
	const lock = tryPidLock(lockPath);
	if (!lock.ok) {
		if (lock.holder === null)
			throw new DatabaseLockedError(
				`Could not lock ${dir}: another process keeps taking ${lockPath}.`,
			);
		const who = lock.holder === process.pid ? 'this process' : `process ${lock.holder}`;
		throw new DatabaseLockedError(
			`The embedded database in ${dir} is already open in ${who}. Stop that process (or use it), ` +
				`or set DATABASE_URL to a PostgreSQL server to run several processes. ` +
				`If no Trustroom process is running, delete ${lockPath}.`,
		);
	}
	const release = () => {
		process.off('exit', release);
		lock.release();
	};
	process.on('exit', release);
	return release;
}

function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return '(unparseable URL)';
	}
}

function errorText(error: unknown): string {
	if (error instanceof Error) {
		const code = (error as NodeJS.ErrnoException).code;
		return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
	}
	return String(error);
}
