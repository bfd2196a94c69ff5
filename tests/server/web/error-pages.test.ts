/**
 * Every refusal a person can meet is a page in the site's own layout that says what happened and
 * what to do next, with the right status (the real server, `npm start`). 408 and the other 405s
 * are in limits.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../db/client.ts';
import { pageText, send } from '../../helpers/http.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';
import { acceptNdaOverHttp, formPost, signInReviewer } from '../../helpers/reviewer.ts';

describe('error pages', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-errors-'));
	const outbox = join(tmp, 'outbox');
	const env = {
		PGLITE_DIR: join(tmp, 'pglite'),
		OUTBOX_DIR: outbox,
		RATE_LIMIT_PER_IP: '3',
		// One stamping worker and no queue: a second download at the same moment is "busy" (503).
		STAMP_WORKERS: '1',
		STAMP_QUEUE: '0',
	};
	let server: RunningServer;
	const site = () => ({ url: server.url, outbox });

	beforeAll(async () => {
		const rule = ['rules', 'add', '--domain', 'acme.example', '--action', 'approve'];
		// A fresh embedded database is made by `db migrate` (other commands refuse to make one).
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		expect((await runCli([...rule, '--downloads', '10'], env)).stderr).toBe('');
		server = await startServer(env);
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	/** The page is ours: the trust center's header and the shared stylesheet, not a bare text. */
	function expectHouseStyle(html: string) {
		expect(html).toContain('<header class="site-header">');
		expect(html).toContain('Kestrel Analytics <small>Trust Center</small>');
		expect(html).toMatch(/<style>:root\{/);
	}

	it.each([
		[
			'a garbled address',
			() => send(`${server.url}/%E0%A4%A`),
			400,
			'We could not read that request',
			/Go back, reload the page and try again/,
		],
		[
			'a receipt without signing in',
			() => send(`${server.url}/portal/nda-receipt/1.pdf`),
			401,
			'Sign in first',
			/Sign in with the work email you requested documents with/,
		],
		[
			'a form posted from another site',
			() =>
				send(`${server.url}/request`, {
					method: 'POST',
					headers: {
						Origin: 'https://evil.example',
						'Content-Type': 'application/x-www-form-urlencoded',
					},
					body: 'name=x',
				}),
			403,
			'This form came from another site',
			/Open http:\/\/127\.0\.0\.1:\d+ and send the form from there/,
		],
		[
			'a confidential document asked for directly',
			() => send(`${server.url}/documents/soc2-type2-2025.pdf`),
			403,
			'This document is shared under NDA',
			/Request it from the trust center page/,
		],
		[
			'an unknown address',
			() => send(`${server.url}/no-such-page`),
			404,
			'Page not found',
			/Check it for typos, or start again from the trust center page/,
		],
		[
			'the problem page itself',
			() => send(`${server.url}/problem`),
			404,
			'Page not found',
			/Check it for typos/,
		],
		[
			'a PUT on the trust page',
			() => send(`${server.url}/`, { method: 'PUT', body: 'x' }),
			405,
			'This address does not take that kind of request',
			/Use the links and buttons on our pages/,
		],
		[
			'a form larger than the limit',
			() =>
				send(`${server.url}/request`, {
					method: 'POST',
					headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
					body: 'x'.repeat(65 * 1024),
				}),
			413,
			'That was more than we accept',
			/accepts up to 64 KB\. Shorten what you entered/,
		],
	])(
		'answers %s with %i and a page that says what to do',
		async (_what, ask, status, title, next) => {
			const answer = await ask();
			expect(answer.status).toBe(status);
			expect(answer.headers['content-type']).toMatch(/^text\/html/);
			expect(pageText(answer.body)).toEqual({ title, alert: expect.stringMatching(next) });
			expectHouseStyle(answer.body);
		},
	);

	it('answers too many requests from one address with 429, Retry-After and when to try again', async () => {
		// From an address of its own (127.0.0.5), so the other tests keep their allowance.
		let answer: Awaited<ReturnType<typeof send>> | undefined;
		for (let i = 0; i < 4; i++) {
			answer = await send(`${server.url}/request`, {
				method: 'POST',
				localAddress: '127.0.0.5',
				headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({
					name: 'Rita',
					email: `rita${i}@globex.example`,
					company: 'Globex',
					title: 'CISO',
					documents: 'soc2-type2-2025',
				}).toString(),
			});
		}
		expect(answer!.status).toBe(429);
		expect(Number(answer!.headers['retry-after'])).toBeGreaterThan(0);
		expect(pageText(answer!.body)).toEqual({
			title: 'Too many requests',
			alert: expect.stringMatching(/Please try again in about \d+ minutes/),
		});
		expectHouseStyle(answer!.body);
	});

	it('answers a download while every stamping worker is busy with 503 and Retry-After', async () => {
		const cookie = await signInReviewer(site(), 'jane@acme.example');
		await acceptNdaOverHttp(site(), cookie);
		const answers = await Promise.all(
			[1, 2, 3].map(() => formPost(site(), '/portal/download/soc2-type2-2025.pdf', {}, cookie)),
		);
		const busy = answers.find((a) => a.status === 503);
		expect(busy, `statuses ${answers.map((a) => a.status)}`).toBeDefined();
		expect(Number(busy!.headers.get('retry-after'))).toBeGreaterThan(0);
		const html = await busy!.text();
		expect(pageText(html)).toEqual({
			title: 'Busy preparing copies',
			alert: 'Many copies are being prepared right now. Try again in a minute.',
		});
		expectHouseStyle(html);
		expect(html).toContain('href="/portal"');
	});

	it('answers a route that fails unexpectedly with the 500 page', async () => {
		// Break the database under one page: the copies table goes missing, so /verify/<id> throws.
		await server.stop();
		const handle = await createDatabase({ pgliteDir: env.PGLITE_DIR });
		await handle.db.execute(sql`alter table downloads rename to downloads_gone`);
		await handle.close();
		server = await startServer(env);
		const answer = await send(`${server.url}/verify/ABCD-EFGH`);
		expect(answer.status).toBe(500);
		expect(pageText(answer.body)).toEqual({
			title: 'Something went wrong on our side',
			alert: expect.stringMatching(/Nothing you did caused this\. Try again in a minute/),
		});
		expectHouseStyle(answer.body);
		expect(server.output()).toContain('downloads');
	});
});
