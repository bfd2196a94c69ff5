/**
 * Shell and server agree: the CLI finds the project's database wherever the shell stands, refuses
 * to start an empty one by mistake, mails links that point where the server serves, and says how
 * to proceed when the embedded database is held by the running server.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../db/client.ts';
import { loadConfig } from '../../src/lib/server/platform/config.ts';
import { SERVER_SITE_URL, setSetting } from '../../src/lib/server/platform/settings.ts';
import { syncContent } from '../../src/lib/server/content/sync.ts';
import { readTrustContent } from '../../src/lib/server/content/reader.ts';
import { validateRequesterSessionToken } from '../../src/lib/server/auth/requester-session.ts';
import { createNdaAcceptance, getCurrentNdaVersion } from '../../src/lib/server/requests/nda.ts';
import { createAccessRequest, listRequests } from '../../src/lib/server/requests/requests.ts';
import { validateEmailLink } from '../../src/lib/server/requests/verification.ts';
import { databases } from '../helpers/db.ts';
import { readOutbox, waitForEmail } from '../helpers/outbox.ts';
import { runCli, startServer } from '../helpers/processes.ts';
import { emailsTable } from '../../db/schema.ts';

const tmp = mkdtempSync(join(tmpdir(), 'trustroom-one-truth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a command where no project database exists', () => {
	it('refuses with what to do instead of making an empty embedded database', async () => {
		const dir = join(tmp, 'nowhere', 'pglite');
		const result = await runCli(['requests', 'list'], { PGLITE_DIR: dir });
		expect(result.code).toBe(1);
		expect(result.stderr.trim()).toBe(
			`trustroom: there is no Trustroom database in ${dir} yet. Start the server once (npm start), or run "npx trustroom db migrate", to create it; or point PGLITE_DIR at the database the server uses.`,
		);
		expect(existsSync(dir)).toBe(false);
	});

	it('uses the project folder for a relative PGLITE_DIR, wherever the shell stands', async () => {
		const relative = `tests/.tmp/one-truth-${process.pid}/pglite`;
		const elsewhere = mkdtempSync(join(tmp, 'cwd-'));
		try {
			const migrated = await runCli(
				['db', 'migrate'],
				{ PGLITE_DIR: relative },
				{ cwd: elsewhere },
			);
			expect(migrated.stderr).toBe('');
			expect(existsSync(join(resolve(relative), 'PG_VERSION'))).toBe(true);
			expect(existsSync(join(elsewhere, 'tests'))).toBe(false);
			const listed = await runCli(['rules', 'list'], { PGLITE_DIR: relative }, { cwd: elsewhere });
			expect(listed.stdout).toContain('No approval rules');
		} finally {
			rmSync(resolve(relative, '..'), { recursive: true, force: true });
		}
	});

	const postgresBackend = databases().find((b) => b.name === 'postgres');
	it.skipIf(!postgresBackend)(
		'on postgres refuses a database that was never migrated',
		async () => {
			const base = process.env.TEST_DATABASE_URL!;
			const name = `trustroom_empty_${process.pid}`;
			const admin = postgres(base, { max: 1, onnotice: () => {} });
			await admin.unsafe(`create database ${name}`);
			try {
				const url = new URL(base);
				url.pathname = `/${name}`;
				const result = await runCli(['requests', 'list'], { DATABASE_URL: url.toString() });
				expect(result.code).toBe(1);
				expect(result.stderr).toMatch(/is not a Trustroom database \(it has no migrations\)/);
				const empty = postgres(url.toString(), { max: 1, onnotice: () => {} });
				const [row] = await empty`select to_regclass('public.access_requests')::text as t`;
				await empty.end();
				expect(row?.t).toBeNull();
			} finally {
				await admin.unsafe(`drop database if exists ${name} with (force)`);
				await admin.end();
			}
		},
	);
});

describe.each(databases())('links mailed from the shell on %s', (backend) => {
	let handle: DatabaseHandle & { url: string | null };
	let env: Record<string, string>;
	const outbox = join(tmp, `outbox-${backend.name}`);
	const pgliteDir = join(tmp, `pglite-${backend.name}`);
	beforeAll(async () => {
		if (backend.name === 'postgres') {
			handle = await backend.open();
			env = { DATABASE_URL: handle.url!, OUTBOX_DIR: outbox };
		} else {
			handle = { ...(await createDatabase({ pgliteDir })), url: null };
			const { migrateDatabase } = await import('../../db/client.ts');
			await migrateDatabase(handle);
			env = { PGLITE_DIR: pgliteDir, OUTBOX_DIR: outbox };
		}
		const content = readTrustContent('src/content');
		await syncContent(handle.db, content);
		const ctx = {
			db: handle.db,
			config: loadConfig({ OUTBOX_DIR: outbox }),
			companyName: 'Kestrel Analytics',
		};
		const meta = { ip: '203.0.113.9', userAgent: 'Vitest' };
		await createAccessRequest(
			ctx,
			{
				name: 'Pat Pending',
				email: 'pat@unruled.example',
				company: 'Unruled Ltd',
				title: 'CISO',
				reason: '',
				documents: ['soc2-type2-2025'],
			},
			meta,
		);
		const [mail] = await handle.db.select().from(emailsTable);
		const token = /token=([A-Za-z0-9_-]{43})/.exec(mail!.text)![1]!;
		const verified = await validateEmailLink(ctx, token, meta);
		if (!verified.ok) throw new Error(verified.reason);
		const session = (await validateRequesterSessionToken(handle.db, verified.sessionToken))!;
		const nda = (await getCurrentNdaVersion(handle.db))!;
		await createNdaAcceptance(
			ctx,
			session.requester,
			{
				ndaVersion: nda.version,
				textSha256: nda.sha256,
				signerName: 'Pat Pending',
				signerTitle: 'CISO',
			},
			meta,
		);
		// What `npm start` records: the address the server serves on.
		await setSetting(handle.db, SERVER_SITE_URL, 'https://trust.kestrel.example');
		// The embedded database admits one process: let the CLI have it. (Closing the PostgreSQL
		// handle drops its database, so that one stays open until the end.)
		if (backend.name === 'pglite') await handle.close();
	});
	afterAll(async () => {
		if (backend.name === 'postgres') await handle.close();
	});

	it('point where the server serves, not at the shell’s defaults', async () => {
		const db = await createDatabase(
			env.DATABASE_URL ? { url: env.DATABASE_URL } : { pgliteDir: env.PGLITE_DIR! },
		);
		const [pending] = await listRequests(db.db, { state: 'pending' });
		await db.close();
		expect(pending).toBeTruthy();
		const approved = await runCli(['requests', 'approve', String(pending!.id)], env);
		expect(approved.stderr).toBe('');
		expect(approved.stdout).toContain('a link to https://trust.kestrel.example/portal');
		const mail = await waitForEmail(
			outbox,
			(e) =>
				e.to === 'pat@unruled.example' && /portal/.test(e.text) && e.template === 'access-granted',
		);
		expect(mail.text).toContain('https://trust.kestrel.example/portal');
		expect(mail.text).not.toContain('localhost');
		expect(readOutbox(outbox).length).toBeGreaterThan(0);
	});
});

describe('the embedded database while npm start holds it', () => {
	it('says how to proceed instead of failing obscurely', async () => {
		const env = {
			PGLITE_DIR: join(tmp, 'held', 'pglite'),
			OUTBOX_DIR: join(tmp, 'held', 'outbox'),
		};
		const server = await startServer(env);
		try {
			const result = await runCli(['requests', 'list'], env);
			expect(result.code).toBe(1);
			expect(result.stderr).toMatch(/is already open in process \d+/);
			expect(result.stderr).toContain('stop "npm start" before running this command');
			expect(result.stderr).toContain('run the server on PostgreSQL (DATABASE_URL)');
			expect(result.stderr.trim().split('\n')).toHaveLength(1);
		} finally {
			await server.stop();
		}
	});
});
