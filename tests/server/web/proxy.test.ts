/**
 * TRUST_PROXY over real HTTP (`npm start`): forwarded headers from a peer that is not a trusted
 * proxy change nothing (rate limits, origin check, the address recorded); from a trusted proxy
 * they name the client. The test machine plays several hosts through loopback source addresses:
 * 127.0.0.2 is the proxy, 127.0.0.3 a client that forges headers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../db/client.ts';
import { accessRequestsTable, requestersTable } from '../../../db/schema.ts';
import { send } from '../../helpers/http.ts';
import { startServer, type RunningServer } from '../../helpers/processes.ts';

const PROXY = '127.0.0.2';
const FORGER = '127.0.0.3';

describe.each([
	['unset', ''],
	['the proxy address', PROXY],
])('TRUST_PROXY %s', (_name, trustProxy) => {
	const trusted = trustProxy !== '';
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-proxy-'));
	const env = {
		PGLITE_DIR: join(tmp, 'pglite'),
		OUTBOX_DIR: join(tmp, 'outbox'),
		TRUST_PROXY: trustProxy,
		RATE_LIMIT_PER_IP: '2',
		RATE_LIMIT_PER_EMAIL: '100',
	};
	let server: RunningServer;
	let n = 0;
	beforeAll(async () => {
		server = await startServer(env);
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	const ask = (from: string, headers: Record<string, string>, origin = server.url) =>
		send(`${server.url}/request`, {
			method: 'POST',
			localAddress: from,
			headers: {
				Origin: origin,
				'Content-Type': 'application/x-www-form-urlencoded',
				...headers,
			},
			body: new URLSearchParams({
				name: 'Pat',
				email: `pat${++n}@${from.replaceAll('.', '-')}.example`,
				company: 'Initech',
				title: 'Analyst',
				documents: 'soc2-type2-2025',
			}).toString(),
		}).then((answer) => answer.status);

	it('keys the per-IP limit on a forging client, whatever X-Forwarded-For it sends', async () => {
		const statuses = [];
		for (const forged of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
			statuses.push(await ask(FORGER, { 'X-Forwarded-For': forged, 'X-Real-IP': forged }));
		expect(statuses).toEqual([200, 200, 429]);
	});

	it('ignores a forged protocol and host: the origin check still wants this server', async () => {
		const forged = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example' };
		expect(await ask('127.0.0.4', forged, 'https://evil.example')).toBe(403);
		const host = new URL(server.url).host;
		expect(await ask('127.0.0.4', { 'X-Forwarded-Proto': 'https' }, `https://${host}`)).toBe(403);
	});

	it(
		trusted
			? 'gives each client behind the proxy its own limit'
			: 'counts everyone behind an untrusted proxy as the proxy',
		async () => {
			const statuses = [];
			for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
				statuses.push(await ask(PROXY, { 'X-Forwarded-For': `6.6.6.6, ${client}` }));
			expect(statuses).toEqual(trusted ? [200, 200, 200] : [200, 200, 429]);
		},
	);

	it(
		trusted
			? 'limits one client behind the proxy by its own address'
			: 'keeps limiting the untrusted proxy as one client',
		async () => {
			const statuses = [];
			for (let i = 0; i < 3; i++)
				statuses.push(await ask(PROXY, { 'X-Forwarded-For': '203.0.113.9' }));
			expect(statuses).toEqual(trusted ? [200, 200, 429] : [429, 429, 429]);
		},
	);

	it(
		trusted
			? 'accepts a form the proxy forwarded from its own https origin'
			: 'refuses a form whose https origin only the untrusted proxy vouches for',
		async () => {
			const forwarded = {
				'X-Forwarded-For': '203.0.113.20',
				'X-Forwarded-Proto': 'https',
				'X-Forwarded-Host': 'trust.initech.example',
			};
			expect(await ask(PROXY, forwarded, 'https://trust.initech.example')).toBe(
				trusted ? 200 : 403,
			);
		},
	);

	it('records the client address it keyed the limit on', async () => {
		await server.stop();
		const handle = await createDatabase({ pgliteDir: env.PGLITE_DIR });
		const rows = await handle.db
			.select({ email: requestersTable.email, ip: accessRequestsTable.ip })
			.from(accessRequestsTable)
			.innerJoin(requestersTable, eq(requestersTable.id, accessRequestsTable.requesterId));
		await handle.close();
		server = await startServer(env);
		const ips = new Set(rows.map((r) => `${r.email.split('@')[1]} ${r.ip}`));
		expect(ips).toContain('127-0-0-3.example 127.0.0.3');
		if (trusted) {
			expect(ips).toContain('127-0-0-2.example 203.0.113.1');
			expect(ips).not.toContain('127-0-0-2.example 127.0.0.2');
		} else {
			expect(ips).toContain('127-0-0-2.example 127.0.0.2');
		}
	});
});
