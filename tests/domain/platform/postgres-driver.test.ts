/**
 * The patched postgres.js (patches/postgres+3.4.9.patch) against the failures it fixes, each in a
 * child process so a crash shows as an exit code instead of taking the test runner down. These
 * kill server-side backends, so they need PostgreSQL (the shared cluster stays up; only this
 * test's own connections are terminated).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { databases } from '../../helpers/db.ts';

const postgresBackend = databases().find((b) => b.name === 'postgres');
const driver = pathToFileURL(resolve('node_modules/postgres/src/index.js')).href;
const tmp = mkdtempSync(join(tmpdir(), 'trustroom-driver-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runScript(name: string, url: string, body: string) {
	const file = join(tmp, `${name}.mjs`);
	writeFileSync(
		file,
		`import postgres from ${JSON.stringify(driver)};
const url = ${JSON.stringify(url)};
const sql = postgres(url, { max: 3, onnotice() {} });
const admin = postgres(url, { max: 1, onnotice() {} });
const kill = (pid) => admin\`select pg_terminate_backend(\${pid})\`;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
${body}
await sql.end({ timeout: 2 });
await admin.end({ timeout: 2 });
`,
	);
	return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
}

describe.skipIf(!postgresBackend)('the patched postgres.js on postgres', () => {
	let url = '';
	let close = async () => {};
	afterAll(() => close());
	const database = async () => {
		if (!url) {
			const handle = await postgresBackend!.open();
			url = handle.url!;
			close = () => handle.close();
		}
		return url;
	};

	it('rejects a query on a reserved connection whose backend died, instead of crashing (upstream #1208)', async () => {
		const result = runScript(
			'reserved',
			await database(),
			`const reserved = await sql.reserve();
const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`;
await kill(pid);
await pause(200);
for (let i = 0; i < 3; i++) {
	try { await reserved\`select 1\`; console.log('answered'); }
	catch (error) { console.log('rejected', error.code); }
}
reserved.release();
console.log('pool', (await sql\`select 1 as one\`)[0].one);`,
		);
		expect(result.stderr).not.toMatch(/TypeError/);
		expect(result.status).toBe(0);
		expect(result.stdout.trim().split('\n')).toEqual([
			'rejected CONNECTION_CLOSED',
			'rejected CONNECTION_CLOSED',
			'rejected CONNECTION_CLOSED',
			'pool 1',
		]);
	});

	it('fails the rest of a transaction whose connection died, and never crosses results with other queries', async () => {
		const result = runScript(
			'transaction',
			await database(),
			`await sql\`create table if not exists driver_probe (id int)\`;
for (let round = 0; round < 12; round++) {
	try {
		await sql.begin(async (tx) => {
			const [{ pid }] = await tx\`select pg_backend_pid() as pid\`;
			await kill(pid);
			await pause(100);
			await tx\`insert into driver_probe values (\${round})\`;
		});
		console.log('committed');
	} catch (error) {
		console.log('rejected', error.code);
	}
	const [row] = await sql\`select \${round}::int as round\`;
	if (row.round !== round) console.log('crossed', JSON.stringify(row));
}
// Nothing of a failed transaction may have been written outside it.
console.log('rows', (await sql\`select count(*)::int as n from driver_probe\`)[0].n);
await sql\`drop table driver_probe\`;`,
		);
		expect(result.stderr).not.toMatch(/TypeError|RangeError/);
		expect(result.status).toBe(0);
		const lines = result.stdout.trim().split('\n');
		expect(lines.filter((l) => l !== 'rejected CONNECTION_CLOSED' && l !== 'rows 0')).toEqual([]);
		expect(lines.at(-1)).toBe('rows 0');
	});
});
