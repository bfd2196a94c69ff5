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
