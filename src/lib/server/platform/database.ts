/**
 * The process's one database handle. The start script opens (and migrates) it before the server
 * starts; server routes, bundled separately by Vite, find the same handle through a global symbol.
 */
import { createDatabase, type Database, type DatabaseHandle } from '../../../../db/client.ts';
import { getConfig } from './config.ts';

const KEY = Symbol.for('trustroom.database');
type Holder = { [KEY]?: Promise<DatabaseHandle> };
const holder = globalThis as Holder;

/** Makes `handle` the process's database (the start script and the CLI call this). */
export function setDatabaseHandle(handle: DatabaseHandle): void {
	holder[KEY] = Promise.resolve(handle);
}

export async function getDatabaseHandle(): Promise<DatabaseHandle> {
	holder[KEY] ??= openFromConfig();
	return holder[KEY];
}

export async function getDatabase(): Promise<Database> {
	return (await getDatabaseHandle()).db;
}

function openFromConfig(): Promise<DatabaseHandle> {
	const config = getConfig();
	return createDatabase(
		config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: config.pgliteDir },
	);
}

// Driver codes (postgres.js, Node sockets) and SQLSTATEs that mean "the database is not there
// right now", as opposed to a bug: class 08 is connection exceptions, 57P0x shutdowns.
const UNAVAILABLE_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'EPIPE',
	'EAI_AGAIN',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'CONNECT_TIMEOUT',
	'57P01',
	'57P02',
	'57P03',
	'53300',
]);

/** Whether an error (or one of its causes) says the database cannot be reached at the moment. */
export function isDatabaseUnavailable(error: unknown): boolean {
	for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08')))
			return true;
		if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner)))
			return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}
