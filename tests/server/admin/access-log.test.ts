/**
 * The access log over HTTP: a reviewer's journey shows up filtered by email, company, document
 * and date; the CSV and JSON lines exports carry the audit hashes (the chain recomputes from the
 * JSON lines), are formula-safe, and are themselves logged; a rep may read the log but not export.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/lib/server/audit/audit.ts';
import { databases } from '../../helpers/db.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';
import { acceptNdaOverHttp, formPost, signInReviewer } from '../../helpers/reviewer.ts';

describe.each(databases())('the access log on %s', (backend) => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-log-'));
	let server: RunningServer;
	let close = async () => {};
	const staff: Record<'admin' | 'sales', string> = { admin: '', sales: '' };
	let copyId = '';
	let copyBytes = new Uint8Array();

	beforeAll(async () => {
		let env: Record<string, string>;
		if (backend.name === 'postgres') {
			const handle = await backend.open();
			env = { DATABASE_URL: handle.url! };
			close = () => handle.close();
		} else env = { PGLITE_DIR: join(tmp, 'pglite') };
		env = { ...env, OUTBOX_DIR: join(tmp, 'outbox'), RATE_LIMIT_PER_IP: '1000' };
		await runCli(['db', 'migrate'], env);
		await runCli(['rules', 'add', '--domain', 'acme.example', '--action', 'approve'], env);
		const passwords: Record<string, string> = {};
		for (const role of ['admin', 'sales'])
			passwords[role] = /Password \(shown once.*\): (\S+)/.exec(
				(
					await runCli(
						[
							'users',
							'create',
							'--email',
							`${role}@kestrel.example`,
							'--name',
							role,
							'--role',
							role,
						],
						env,
					)
				).stdout,
			)![1]!;
		server = await startServer(env);
		const site = { url: server.url, outbox: env.OUTBOX_DIR! };
		for (const role of ['admin', 'sales'] as const)
			staff[role] = (
				await formPost(site, '/admin/login', {
					email: `${role}@kestrel.example`,
					password: passwords[role]!,
				})
			).headers
				.get('set-cookie')!
				.split(';')[0]!;
		// A reviewer whose company name is a formula, and who downloads one copy.
		const cookie = await signInReviewer(site, 'eve@acme.example');
		await acceptNdaOverHttp(site, cookie);
		const copy = await formPost(site, '/portal/download/soc2-type2-2025.pdf', {}, cookie);
		expect(copy.status).toBe(200);
		copyId = copy.headers.get('x-copy-id')!;
		copyBytes = new Uint8Array(await copy.arrayBuffer());
	});
	afterAll(async () => {
		await server?.stop();
		await close();
		rmSync(tmp, { recursive: true, force: true });
	});

	const get = (path: string, who: 'admin' | 'sales') =>
		fetch(`${server.url}${path}`, { headers: { Cookie: staff[who] }, redirect: 'manual' });

	it('lists the journey, filtered by email, company, document and date', async () => {
		const page = await (await get('/admin/log?email=eve%40acme', 'sales')).text();
		for (const what of ['request created', 'nda accepted', 'grant created', 'download started'])
			expect(page).toContain(what);
		expect(page).toContain('eve@acme.example');
		const none = await (await get('/admin/log?company=Nobody+Ltd', 'sales')).text();
		expect(none).toContain('No events match.');
		const byDocument = await (
			await get('/admin/log?document=bridge-letter-2026&email=eve', 'sales')
		).text();
		expect(byDocument).not.toContain('download started');
		const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
		expect(await (await get(`/admin/log?from=${tomorrow}`, 'sales')).text()).toContain(
			'No events match.',
		);
	});

	it('says which filter makes no sense instead of failing', async () => {
		const response = await get('/admin/log?from=2025-02-30', 'sales');
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('from: must be a date such as 2026-11-30');
	});

	it('exports JSON lines whose hashes recompute, and logs the export', async () => {
		const response = await get('/admin/log/export.jsonl?kind=all', 'admin');
		expect(response.status).toBe(200);
		expect(response.headers.get('content-disposition')).toMatch(
			/attachment; filename="access-log-\d{4}-\d{2}-\d{2}\.jsonl"/,
		);
		expect(response.headers.get('cache-control')).toBe('no-store');
		const lines = (await response.text())
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l));
		expect(lines.length).toBeGreaterThan(5);
		let prev = '0'.repeat(64);
		for (const e of lines) {
			expect(e.prevHash).toBe(prev);
			const hash = createHash('sha256')
				.update(
					canonicalJson({
						seq: e.seq,
						at: e.at,
						type: e.type,
						actor: e.actor,
						subject: e.subject,
						data: e.data,
						prevHash: e.prevHash,
					}),
				)
				.digest('hex');
			expect(hash).toBe(e.hash);
			prev = e.hash;
		}
		const after = await (await get('/admin/log?kind=all', 'admin')).text();
		expect(after).toContain('log exported');
	});

	it('exports CSV with the hashes and formula-safe cells', async () => {
		const csv = await (await get('/admin/log/export.csv?email=eve', 'admin')).text();
		const [header, ...rows] = csv.trim().split('\r\n');
		expect(header).toBe(
			'seq,at,type,actor,subject,email,company,document,copy_id,ip,data,prev_hash,hash',
		);
		expect(rows.length).toBeGreaterThan(3);
		expect(rows.every((row) => /,[0-9a-f]{64},[0-9a-f]{64}$/.test(row))).toBe(true);
		expect(csv).toContain('eve@acme.example');
	});

	it('lets a rep read the log but not export it', async () => {
		expect((await get('/admin/log', 'sales')).status).toBe(200);
		expect((await get('/admin/log/export.csv', 'sales')).status).toBe(403);
	});

	const trace = (who: 'admin' | 'sales', body: FormData) =>
		fetch(`${server.url}/admin/trace`, {
			method: 'POST',
			headers: { Cookie: staff[who], Origin: server.url },
			body,
		});

	it('traces an uploaded copy to its reviewer, byte for byte, and logs the trace', async () => {
		const body = new FormData();
		body.append('file', new Blob([copyBytes], { type: 'application/pdf' }), 'found.pdf');
		const response = await trace('admin', body);
		expect(response.status).toBe(200);
		const html = await response.text();
		expect(html).toContain(`Copy ${copyId}`);
		expect(html).toContain('eve@acme.example');
		expect(html).toContain('Identical, byte for byte, to the copy we issued.');
		const log = await (await get('/admin/log?kind=all', 'admin')).text();
		expect(log).toContain('copy traced');
	});

	it('traces a typed copy id, and says plainly when an id is not ours or not an id', async () => {
		const typed = new FormData();
		typed.append('copyId', copyId.toLowerCase());
		expect(await (await trace('admin', typed)).text()).toContain(`Copy ${copyId}`);
		// As read off paper or a screenshot: no dash, spaces, an en dash.
		for (const spelling of [
			copyId.replace('-', ''),
			` ${copyId.replace('-', ' ')} `,
			copyId.replace('-', '–'),
		]) {
			const form = new FormData();
			form.append('copyId', spelling);
			expect(await (await trace('admin', form)).text(), spelling).toContain(`Copy ${copyId}`);
		}
		const unknown = new FormData();
		unknown.append('copyId', 'ZZZZ-ZZZ2');
		const refused = await trace('admin', unknown);
		expect(refused.status).toBe(400);
		expect(await refused.text()).toContain('Copy ZZZZ-ZZZ2 was not issued by this trust center.');
		const garbage = new FormData();
		garbage.append('copyId', 'hello');
		expect(await (await trace('admin', garbage)).text()).toContain(
			'A copy id has eight letters and digits',
		);
	});

	it('refuses a rep who posts a trace directly', async () => {
		const typed = new FormData();
		typed.append('copyId', copyId);
		expect((await trace('sales', typed)).status).toBe(403);
	});
});
