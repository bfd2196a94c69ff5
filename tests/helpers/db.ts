/**
 * Every database test runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set:
 * `describe.each(databases())('on %s', (backend) => { ... })`. Each test file gets its own
 * database: PGlite cloned in memory from the migrated snapshot, PostgreSQL copied from the
 * migrated template.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../db/client.ts';
import { runCli } from './processes.ts';

export interface Backend {
	name: 'pglite' | 'postgres';
	/** A fresh, migrated database for this test file (or test). Close it when done. */
	open(): Promise<DatabaseHandle & { url: string | null }>;
	toString(): string;
}

export function databases(): Backend[] {
	const backends: Backend[] = [
		{
			name: 'pglite',
			toString: () => 'pglite',
			async open() {
				const snapshot = readFileSync(inject('pgliteSnapshot'));
				const pglite = await PGlite.create({ loadDataDir: new Blob([snapshot]) });
				return { ...(await createDatabase({ pglite })), url: null };
			},
		},
	];
	const template = inject('postgresTemplate');
	const baseUrl = inject('postgresUrl');
	if (template && baseUrl) {
		backends.push({
			name: 'postgres',
			toString: () => 'postgres',
			async open() {
				const name = `trustroom_test_${randomBytes(6).toString('hex')}`;
				const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
				try {
					await admin.unsafe(`create database ${name} template ${template}`);
				} finally {
					await admin.end();
				}
				const url = withDatabase(baseUrl, name);
				const handle = await createDatabase({ url });
				return {
					...handle,
					url,
					async close() {
						await handle.close();
						const dropper = postgres(baseUrl, { max: 1, onnotice: () => {} });
						await dropper.unsafe(`drop database if exists ${name} with (force)`);
						await dropper.end();
					},
				};
			},
		});
	}
	return backends;
}

function withDatabase(url: string, database: string): string {
	const parsed = new URL(url);
	parsed.pathname = `/${database}`;
	return parsed.toString();
}

/**
 * Where a real server's data lives for a browser or route test: a fresh PostgreSQL database, or
 * (as `npm start` by default) an embedded one in `dir`, migrated by `trustroom db migrate`.
 */
export async function serverDatabase(
	backend: Backend,
	dir: string,
): Promise<{ env: Record<string, string>; close: () => Promise<void> }> {
	if (backend.name === 'postgres') {
		const handle = await backend.open();
		return { env: { DATABASE_URL: handle.url! }, close: () => handle.close() };
	}
	const env = { PGLITE_DIR: join(dir, 'pglite') };
	const migrated = await runCli(['db', 'migrate'], env);
	if (migrated.code !== 0) throw new Error(`db migrate failed: ${migrated.stderr}`);
	return { env, close: async () => {} };
}
