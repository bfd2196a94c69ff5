import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createDatabase,
	DatabaseLockedError,
	migrateDatabase,
	type DatabaseHandle,
} from '../../../db/client.ts';
import { usersTable } from '../../../db/schema.ts';
import { appendAuditEvent, validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import { databases } from '../../helpers/db.ts';

const TABLES = [
	'access_requests', 'approval_rules', 'audit_events', 'auth_sessions', 'document_versions', 'documents',
	'downloads', 'emails', 'grant_documents', 'grants', 'nda_acceptances', 'nda_claims', 'nda_versions',
	'one_time_tokens', 'rate_limits', 'requester_sessions', 'requesters', 'settings', 'share_links',
	'sign_in_challenges', 'staff_invitations', 'stamp_preparations', 'users',
]; // prettier-ignore

describe.each(databases())('on %s', (backend) => {
	let handle: DatabaseHandle;
	beforeAll(async () => {
		handle = await backend.open();
	});
	afterAll(() => handle.close());

	it('has every table after the migrations', async () => {
		const result: unknown = await handle.db.execute(
			sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
		);
		// PGlite answers { rows }, postgres.js an array.
		const names = ((result as { rows?: unknown }).rows ?? result) as { table_name: string }[];
		expect(names.map((r) => r.table_name)).toEqual(TABLES);
	});

	it('applies the migrations again without harm', async () => {
		await migrateDatabase(handle);
		await migrateDatabase(handle);
		expect(await handle.db.select().from(usersTable)).toEqual([]);
	});

	it('keeps the audit chain intact across appends', async () => {
		await handle.db.transaction((tx) =>
			appendAuditEvent(tx, { type: 'test.one', actor: 'system', data: { b: 2, a: 1 } }),
		);
		await handle.db.transaction((tx) =>
			appendAuditEvent(tx, { type: 'test.two', actor: 'cli', subject: 'x' }),
		);
		const result = await validateAuditChain(handle.db);
		expect(result).toMatchObject({ ok: true, count: 2 });
	});

	it('serialises concurrent appends into one chain', async () => {
		await Promise.all(
			Array.from({ length: 8 }, (_, i) =>
				handle.db.transaction((tx) =>
					appendAuditEvent(tx, { type: 'test.concurrent', actor: 'system', data: { i } }),
				),
			),
		);
		expect(await validateAuditChain(handle.db)).toMatchObject({ ok: true, count: 10 });
	});

	it('refuses to change or delete audit events', async () => {
		const refused = async (query: Promise<unknown>) => {
			const error = await query.then(
				() => null,
				(e: Error) => e,
			);
			// drizzle wraps the database's error; the trigger's message is its cause.
			expect(String((error as { cause?: unknown } | null)?.cause ?? error)).toMatch(
				/audit_events are append-only/,
			);
		};
		await refused(handle.db.execute(sql`update audit_events set actor = 'x' where seq = 1`));
		await refused(handle.db.execute(sql`delete from audit_events where seq = 1`));
		await refused(handle.db.execute(sql`truncate audit_events`));
		expect(await validateAuditChain(handle.db)).toMatchObject({ ok: true, count: 10 });
	});

	it('detects an edited audit event (by someone able to lift the guard)', async () => {
		await handle.db.execute(sql`alter table audit_events disable trigger audit_events_append_only`);
		await handle.db.execute(sql`update audit_events set data = '{"a": 9}'::jsonb where seq = 1`);
		expect(await validateAuditChain(handle.db)).toMatchObject({
			ok: false,
			brokenAt: 1,
			reason: 'its content was changed',
		});
	});

	it('detects a deleted audit event', async () => {
		await handle.db.execute(sql`delete from audit_events where seq = 1`);
		expect(await validateAuditChain(handle.db)).toMatchObject({
			ok: false,
			brokenAt: 2,
			reason: 'event 1 is missing',
		});
	});
});

describe('the embedded database directory', () => {
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-pglite-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('is migrated on first open and keeps its data', async () => {
		const first = await createDatabase({ pgliteDir: join(dir, 'db') });
		await migrateDatabase(first);
		await first.db
			.insert(usersTable)
			.values({ email: 'a@example.com', name: 'A', role: 'admin', passwordHash: 'x' });
		await first.close();
		const again = await createDatabase({ pgliteDir: join(dir, 'db') });
		expect(await again.db.select({ email: usersTable.email }).from(usersTable)).toEqual([
			{ email: 'a@example.com' },
		]);
		await again.close();
	});

	it('refuses a second process with a clear error while the first keeps working', async () => {
		const first = await createDatabase({ pgliteDir: join(dir, 'db') });
		try {
			const script = `
				import { createDatabase } from ${JSON.stringify(new URL('../../../db/client.ts', import.meta.url).href)};
				try { await createDatabase({ pgliteDir: ${JSON.stringify(join(dir, 'db'))} }); console.log('opened'); }
				catch (error) { console.log(error.name + ': ' + error.message); process.exit(3); }`;
			const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let output = '';
			child.stdout.on('data', (chunk) => (output += chunk));
			const code = await new Promise((resolve) => child.on('close', resolve));
			expect(code).toBe(3);
			expect(output).toMatch(
				/DatabaseLockedError: The embedded database in .* is already open in process \d+/,
			);
			expect(output).toContain('set DATABASE_URL');
			// The first process is unharmed.
			expect(await first.db.select({ email: usersTable.email }).from(usersTable)).toHaveLength(1);
		} finally {
			await first.close();
		}
	});

	it('refuses a second open in the same process', async () => {
		const first = await createDatabase({ pgliteDir: join(dir, 'db') });
		await expect(createDatabase({ pgliteDir: join(dir, 'db') })).rejects.toBeInstanceOf(
			DatabaseLockedError,
		);
		await first.close();
	});

	it('takes over the lock of a process that died', async () => {
		const { writeFileSync } = await import('node:fs');
		writeFileSync(`${join(dir, 'db')}.lock`, '999999999\n');
		const handle = await createDatabase({ pgliteDir: join(dir, 'db') });
		await handle.close();
	});
});

describe('a PostgreSQL URL that does not answer', () => {
	it('fails with the variable and the address named', async () => {
		await expect(
			createDatabase({ url: 'postgres://nobody:secret@127.0.0.1:1/none' }),
		).rejects.toThrow(
			/Cannot connect to PostgreSQL at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none \(DATABASE_URL\)/,
		);
	});
});
