/**
 * A PostgreSQL restart under load, against the real server: the database (a cluster of this test's
 * own, never the shared one) stops for 15 s, three times, while six reviewers download in loops.
 * The process must stay up, answer 503 (never 500) while the database is away, hand out no copy
 * that is not logged as served, and serve again within 5 s of the database's return.
 * Only PostgreSQL can restart under a running server, so this runs on PostgreSQL alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../db/client.ts';
import { downloadsTable } from '../../../db/schema.ts';
import { failAbandonedDownloads } from '../../../src/lib/server/delivery/downloads.ts';
import { acceptNdaOverHttp, formPost, signInReviewer } from '../../helpers/reviewer.ts';
import {
	canRunOwnCluster,
	createOwnCluster,
	type OwnCluster,
} from '../../helpers/postgres-cluster.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';

const OUTAGE_MS = 15_000;
const ROUNDS = 3;
const LOOPS = 6;

const rssMb = (pid: number) =>
	Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe.skipIf(!canRunOwnCluster)('a database restart under load on postgres', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-outage-'));
	const outbox = join(tmp, 'outbox');
	let cluster: OwnCluster;
	let server: RunningServer;
	let client: {
		get(path: string): Promise<Response>;
		post(path: string, fields: Record<string, string>, cookie?: string): Promise<Response>;
	};
	let env: Record<string, string>;
	const cookies: string[] = [];

	beforeAll(async () => {
		cluster = await createOwnCluster();
		env = {
			DATABASE_URL: cluster.url,
			OUTBOX_DIR: outbox,
			RATE_LIMIT_PER_IP: '1000',
			RATE_LIMIT_PER_EMAIL: '100',
			EVENT_LOOP_STATS_FILE: join(tmp, 'loop.json'),
		};
		expect((await runCli(['db', 'migrate'], env)).stderr).toBe('');
		const rule = await runCli(
			['rules', 'add', '--domain', 'acme.example', '--action', 'approve'],
			env,
		);
		expect(rule.stderr).toBe('');
		server = await startServer(env);
		const site = { url: server.url, outbox };
		client = {
			get: (path) => fetch(`${server.url}${path}`, { redirect: 'manual' }),
			post: (path, fields, cookie) => formPost(site, path, fields, cookie),
		};
		for (let i = 0; i < LOOPS; i++) {
			const cookie = await signInReviewer(site, `reviewer${i}@acme.example`);
			await acceptNdaOverHttp(site, cookie);
			cookies.push(cookie);
		}
	}, 180_000);
	afterAll(async () => {
		await server?.stop();
		try {
			console.log(`event loop delay (ms): ${readFileSync(join(tmp, 'loop.json'), 'utf8')}`);
		} catch {
			// The server did not get far enough to measure.
		}
		cluster?.destroy();
		rmSync(tmp, { recursive: true, force: true });
	});

	it('stays up, answers 503 while the database is away, serves only logged copies, and recovers', async () => {
		const statuses = new Map<string, number>();
		const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
		const handedOut: string[] = [];
		let slowest = 0;
		const slow: string[] = [];
		let running = true;
		let lastDownloadOk = 0;
		const timed = async (work: () => Promise<Response>, label: string) => {
			const started = performance.now();
			const response = await work().catch((error: unknown) => {
				count(`network error: ${String(error)}`);
				return null;
			});
			const ms = performance.now() - started;
			slowest = Math.max(slowest, ms);
			if (ms > 5_000)
				slow.push(
					`${label} ${response?.status} ${Math.round(ms)} ms at ${new Date().toISOString().slice(11, 23)}`,
				);
			return response;
		};
		const downloader = async (cookie: string) => {
			while (running) {
				const response = await timed(
					() => client.post('/portal/download/soc2-type2-2025.pdf', {}, cookie),
					'download',
				);
				if (!response) continue;
				count(`download ${response.status}`);
				if (response.status === 200) {
					const bytes = new Uint8Array(await response.arrayBuffer());
					expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('%PDF-');
					handedOut.push(response.headers.get('x-copy-id')!);
					lastDownloadOk = Date.now();
				} else {
					expect(response.headers.get('retry-after'), `status ${response.status}`).toBeTruthy();
					await response.arrayBuffer();
					await new Promise((resolve) => setTimeout(resolve, 200));
				}
			}
		};
		const reader = async (path: string) => {
			while (running) {
				const response = await timed(() => client.get(path), path);
				if (response) {
					count(`${path} ${response.status}`);
					await response.arrayBuffer();
				}
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
		};
		const loops = [
			...cookies.map(downloader),
			reader('/'),
			reader('/trust.json'),
			reader('/verify/AAAA-AAAA'),
		];
		const rss = [rssMb(server.pid)];
		const recoveries: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			await new Promise((resolve) => setTimeout(resolve, 3_000));
			cluster.stop();
			console.log(`stopped at ${new Date().toISOString().slice(11, 23)}`);
			await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
			cluster.start();
			const back = Date.now();
			while (lastDownloadOk < back && Date.now() - back < 30_000)
				await new Promise((resolve) => setTimeout(resolve, 50));
			recoveries.push(lastDownloadOk - back);
			rss.push(rssMb(server.pid));
		}
		running = false;
		await Promise.all(loops);

		console.log(
			`database restart: ${JSON.stringify(Object.fromEntries(statuses))}; back after ${recoveries.join(', ')} ms; slowest answer ${Math.round(slowest)} ms (${slow.join('; ')}); server RSS ${rss.map((m) => m.toFixed(0)).join(' → ')} MB`,
		);
		// The process never exited.
		expect(() => process.kill(server.pid, 0)).not.toThrow();
		expect(server.output()).not.toMatch(/server exited|TypeError: Cannot read properties of null/);
		// 503s while away, never a 500 or anything else; the static page and trust.json never failed.
		const downloads = [...statuses].filter(([key]) => key.startsWith('download '));
		expect(downloads.map(([key]) => key).sort()).toEqual(['download 200', 'download 503']);
		expect(statuses.get('/ 200')).toBeGreaterThan(0);
		expect([...statuses.keys()].filter((k) => k.startsWith('/ ') && k !== '/ 200')).toEqual([]);
		expect(
			[...statuses.keys()].filter((k) => k.startsWith('/trust.json ') && k !== '/trust.json 200'),
		).toEqual([]);
		expect([...statuses.keys()].filter((k) => k.startsWith('/verify/AAAA-AAAA ')).sort()).toEqual([
			'/verify/AAAA-AAAA 404',
			'/verify/AAAA-AAAA 503',
		]);
		expect([...statuses.keys()].filter((k) => k.startsWith('network error'))).toEqual([]);
		// Nothing hung: every answer came within a few seconds.
		expect(slowest).toBeLessThan(8_000);
		for (const ms of recoveries) expect(ms).toBeLessThan(5_000);

		// Every copy handed out has a served row; rows never handed out end failed.
		const handle = await createDatabase({ url: cluster.url });
		try {
			await failAbandonedDownloads(handle.db, 0);
			const rows = await handle.db
				.select({ copyId: downloadsTable.copyId, status: downloadsTable.status })
				.from(downloadsTable);
			const served = new Set(rows.filter((r) => r.status === 'served').map((r) => r.copyId));
			for (const copyId of handedOut) expect(served.has(copyId), copyId).toBe(true);
			expect(rows.filter((r) => r.status === 'started')).toEqual([]);
			const [one] = await handle.db
				.select({ status: downloadsTable.status })
				.from(downloadsTable)
				.where(eq(downloadsTable.copyId, handedOut[0]!));
			expect(one?.status).toBe('served');
		} finally {
			await handle.close();
		}
	}, 240_000);
});
