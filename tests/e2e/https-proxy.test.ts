/**
 * The journey in Chromium through a TLS-terminating proxy (self-signed certificate made here) in
 * front of the real server, with TRUST_PROXY=1 and an https SITE_URL: forms post, cookies are
 * __Host- and Secure, HSTS is sent, and limits and logs key on the client behind the proxy.
 * The browser and test clients reach the proxy from 127.0.0.x; the proxy reaches the server from
 * 127.0.0.2, so the two addresses can be told apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabase } from '../../db/client.ts';
import { accessRequestsTable, ndaAcceptancesTable, requestersTable } from '../../db/schema.ts';
import { freePort, runCli, startServer, type RunningServer } from '../helpers/processes.ts';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.ts';
import { describeInBrowser, launchChromium, newPerson } from './browser.ts';
import {
	acceptNda,
	checkCopy,
	confirmEmail,
	downloadCopy,
	magicLink,
	requestDocuments,
	reviewer,
} from './steps.ts';

const PROXY_ADDRESS = '127.0.0.2';

describeInBrowser('the journey behind an HTTPS proxy (TRUST_PROXY=1)', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-tls-'));
	const outbox = join(tmp, 'outbox');
	let env: Record<string, string>;
	let server: RunningServer;
	let proxy: TlsProxy;
	let browser: Browser;
	let person: BrowserContext;
	let page: Page;
	const jane = reviewer('jane@acme.example');

	beforeAll(async () => {
		const [proxyPort, serverPort] = [await freePort(), await freePort()];
		env = {
			PGLITE_DIR: join(tmp, 'pglite'),
			OUTBOX_DIR: outbox,
			PORT: String(serverPort),
			SITE_URL: `https://127.0.0.1:${proxyPort}`,
			TRUST_PROXY: '1',
			RATE_LIMIT_PER_IP: '3',
		};
		const rule = ['--domain', 'acme.example', '--action', 'approve', '--downloads', '5'];
		// A fresh embedded database is made by `db migrate` (other commands refuse to make one).
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		expect((await runCli(['rules', 'add', ...rule], env)).stderr).toBe('');
		server = await startServer(env);
		proxy = await startTlsProxy({
			port: proxyPort,
			upstream: server.url,
			localAddress: PROXY_ADDRESS,
		});
		browser = await launchChromium();
		// The certificate is self-signed for this test: the browser is told to accept it.
		person = await newPerson(browser, { ignoreHTTPSErrors: true });
		page = await person.newPage();
	});
	afterAll(async () => {
		await person?.close();
		await browser?.close();
		await proxy?.close();
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	it('walks from the trust page to a stamped copy over https', async () => {
		await requestDocuments(page, proxy.url, jane);
		const link = await magicLink(outbox, jane.email);
		expect(new URL(link).origin).toBe(proxy.url);
		await confirmEmail(page, link, '/nda');
		await acceptNda(page, jane);
		await page.getByText('Approved: your documents are under “Your documents” above.').waitFor();
		const verifyUrl = checkCopy(await downloadCopy(page, 'SOC 2 Type II report 2025'), jane.name);
		expect(new URL(verifyUrl).origin).toBe(proxy.url);
		await page.goto(verifyUrl);
		await page.getByText('Genuine.').waitFor();
	});

	it('keeps the session in a __Host- cookie that is Secure, HttpOnly and SameSite=Lax', async () => {
		const cookies = await person.cookies();
		expect(cookies.map((c) => c.name)).toEqual(['__Host-trustroom_requester']);
		expect(cookies[0]).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
	});

	it('sends HSTS on pages and static files', async () => {
		for (const path of ['/portal', '/']) {
			const answer = await page.goto(`${proxy.url}${path}`);
			expect(answer?.status()).toBe(200);
			expect(answer?.headers()['strict-transport-security']).toBe(
				'max-age=31536000; includeSubDomains',
			);
		}
	});

	it('keys the per-IP limit on the client behind the proxy, not on the proxy or a forged header', async () => {
		let n = 0;
		const ask = (from: string) =>
			new Promise<number>((resolve, reject) => {
				const body = new URLSearchParams({
					name: 'Pat',
					email: `pat${++n}@globex.example`,
					company: 'Globex',
					title: 'Analyst',
					documents: 'soc2-type2-2025',
				}).toString();
				const req = httpsRequest(`${proxy.url}/request`, {
					method: 'POST',
					localAddress: from,
					ca: proxy.certificate,
					headers: {
						Origin: proxy.url,
						'Content-Type': 'application/x-www-form-urlencoded',
						'Content-Length': Buffer.byteLength(body),
						// A client cannot pick its own address by writing the header itself.
						'X-Forwarded-For': `198.51.100.${n}`,
					},
				});
				req.on('response', (res) => {
					res.resume();
					res.on('end', () => resolve(res.statusCode ?? 0));
				});
				req.on('error', reject);
				req.end(body);
			});
		const first = [];
		for (let i = 0; i < 4; i++) first.push(await ask('127.0.0.6'));
		expect(first).toEqual([200, 200, 200, 429]);
		expect(await ask('127.0.0.7')).toBe(200);
	});

	it('records the browser’s own address with the request and the NDA, not the proxy’s', async () => {
		await server.stop();
		const handle = await createDatabase({ pgliteDir: env.PGLITE_DIR! });
		try {
			const [request] = await handle.db
				.select({ ip: accessRequestsTable.ip })
				.from(accessRequestsTable)
				.innerJoin(requestersTable, eq(requestersTable.id, accessRequestsTable.requesterId))
				.where(eq(requestersTable.email, jane.email));
			const [acceptance] = await handle.db
				.select({ ip: ndaAcceptancesTable.ip })
				.from(ndaAcceptancesTable);
			expect(request?.ip).toBe('127.0.0.1');
			expect(acceptance?.ip).toBe('127.0.0.1');
		} finally {
			await handle.close();
		}
	});
});
