/**
 * Once per run: build the site if it is stale, migrate one PGlite database and keep its data
 * directory as a snapshot every test file clones, and (when TEST_DATABASE_URL is set) migrate a
 * PostgreSQL template database that each test file copies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createDatabase, migrateDatabase } from '../db/client.ts';
import { ensureBuild, ROOT } from '../src/cli/build.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		pgliteSnapshot: string;
		postgresTemplate: string | null;
		postgresUrl: string | null;
	}
}

export default async function setup(project: TestProject) {
	ensureBuild();
	const tmp = join(ROOT, 'tests/.tmp');
	mkdirSync(tmp, { recursive: true });

	const pglite = new PGlite();
	const handle = await createDatabase({ pglite });
	await migrateDatabase(handle);
	const snapshot = join(tmp, `pglite-snapshot-${process.pid}.tar`);
	const dump = await pglite.dumpDataDir('none');
	writeFileSync(snapshot, new Uint8Array(await dump.arrayBuffer()));
	await pglite.close();
	project.provide('pgliteSnapshot', snapshot);

	const url = process.env.TEST_DATABASE_URL;
	if (!url) {
		project.provide('postgresTemplate', null);
		project.provide('postgresUrl', null);
		return;
	}
	const template = `trustroom_template_${process.pid}`;
	const admin = postgres(url, { max: 1, onnotice: () => {} });
	await admin.unsafe(`drop database if exists ${template}`);
	await admin.unsafe(`create database ${template}`);
	const templateUrl = withDatabase(url, template);
	const pg = await createDatabase({ url: templateUrl });
	await migrateDatabase(pg);
	await pg.close();
	project.provide('postgresTemplate', template);
	project.provide('postgresUrl', url);
	return async () => {
		await admin.unsafe(`drop database if exists ${template} with (force)`);
		await admin.end();
	};
}

export function withDatabase(url: string, database: string): string {
	const parsed = new URL(url);
	parsed.pathname = `/${database}`;
	return parsed.toString();
}
