/**
 * Share links over real HTTP: a rep creates one, the prospect opens it, proves the address, accepts
 * the NDA and downloads; the rep and Slack hear of it; another rep cannot see or revoke it; revoking
 * stops the link and the download at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../../helpers/db.ts';
import { createStaffWithCli } from '../../helpers/staff.ts';
import { waitForEmail } from '../../helpers/outbox.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';
import { acceptNdaOverHttp, formPost } from '../../helpers/reviewer.ts';
import { startSlackServer, type SlackServer } from '../../helpers/slack-server.ts';

describe.each(databases())('share links over HTTP on %s', (backend) => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-links-'));
	const outbox = join(tmp, 'outbox');
	let server: RunningServer;
	let slack: SlackServer;
	let close = async () => {};
	const cookies: Record<string, string> = {};
	let site: { url: string; outbox: string };
	let linkPath = '';
	let linkId = 0;
	let prospect = '';

	beforeAll(async () => {
		slack = await startSlackServer();
		let env: Record<string, string>;
		if (backend.name === 'postgres') {
			const handle = await backend.open();
			env = { DATABASE_URL: handle.url! };
			close = () => handle.close();
		} else {
			env = { PGLITE_DIR: join(tmp, 'pglite') };
		}
		env = { ...env, OUTBOX_DIR: outbox, RATE_LIMIT_PER_IP: '1000', SLACK_WEBHOOK_URL: slack.url };
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		const passwords: Record<string, string> = {};
		for (const [who, role] of [
			['sam', 'sales'],
			['olga', 'sales'],
			['ada', 'admin'],
		]) {
			passwords[who!] = await createStaffWithCli(env, {
				email: `${who}@kestrel.example`,
				name: `${who} Staff`,
				role: role as 'admin' | 'sales',
			});
		}
		server = await startServer(env);
		site = { url: server.url, outbox };
		for (const who of ['sam', 'olga', 'ada']) {
			const signedIn = await formPost(site, '/admin/login', {
				email: `${who}@kestrel.example`,
				password: passwords[who]!,
			});
			expect(signedIn.status).toBe(303);
			cookies[who] = signedIn.headers.get('set-cookie')!.split(';')[0]!;
		}
	});
	afterAll(async () => {
		await server?.stop();
		await slack?.close();
		await close();
		rmSync(tmp, { recursive: true, force: true });
	});

	const get = (path: string, cookie?: string) =>
		fetch(`${server.url}${path}`, {
			redirect: 'manual',
			headers: cookie ? { Cookie: cookie } : {},
		});
	/** A GET with exactly these headers: fetch() sets Sec-Fetch-Mode to "cors" on its own. */
	const getAs = (path: string, headers: Record<string, string>) =>
		new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>(
			(resolve, reject) => {
				request(`${server.url}${path}`, { headers }, (res) => {
					let text = '';
					res.setEncoding('utf8');
					res.on('data', (chunk: string) => (text += chunk));
					res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
					res.on('error', reject);
				})
					.on('error', reject)
					.end();
			},
		);
	// What Chromium sends when a person opens a link (fetch() itself says mode "cors").
	const BROWSER = {
		'User-Agent':
			'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
		'Sec-Fetch-Mode': 'navigate',
		'Sec-Fetch-Dest': 'document',
		'Sec-Fetch-Site': 'none',
	};

	it('refuses a bad form with field errors and makes nothing', async () => {
		const response = await formPost(
			site,
			'/admin/links/new',
			{
				recipient: 'nobody',
				documents: 'soc2-type2-2025',
				expiresInDays: '500',
				maxUses: '1',
				delivery: 'copy',
			},
			cookies.sam,
		);
		expect(response.status).toBe(400);
		const page = await response.text();
		expect(page).toContain('Recipient must be an address');
		expect(page).toContain('Expires in must be at most 90 days');
	});

	it('a rep creates a link and has Trustroom email it, replies to the rep', async () => {
		const response = await formPost(
			site,
			'/admin/links/new',
			{
				recipient: 'buyer@prospect.example',
				documents: 'soc2-type2-2025',
				expiresInDays: '7',
				maxUses: '2',
				delivery: 'email',
			},
			cookies.sam,
		);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-store');
		const page = await response.text();
		linkPath = /\/share\/[a-z2-7]+\.[a-z2-7]+/.exec(page)![0];
		linkId = Number(/\/admin\/links\/(\d+)/.exec(page)![1]);
		const mail = await waitForEmail(outbox, (e) => e.to === 'buyer@prospect.example');
		expect(mail.subject).toBe('sam Staff shared documents from the Kestrel Analytics Trust Center');
		expect((mail as unknown as { replyTo: string }).replyTo).toBe('sam@kestrel.example');
		expect(mail.text).toContain(linkPath);
	});

	it('the form sent again (a reload) makes no second link and says so', async () => {
		const form = await (await get('/admin/links/new', cookies.sam)).text();
		const formKey = /name="formKey" value="([A-Za-z0-9_-]+)"/.exec(form)![1]!;
		const fields = {
			formKey,
			recipient: 'reload@prospect.example',
			documents: 'soc2-type2-2025',
			expiresInDays: '7',
			maxUses: '1',
			delivery: 'email',
		};
		const first = await formPost(site, '/admin/links/new', fields, cookies.sam);
		expect(first.status).toBe(200);
		const id = /\/admin\/links\/(\d+)/.exec(await first.text())![1];
		const again = await formPost(site, '/admin/links/new', fields, cookies.sam);
		expect(again.status).toBe(409);
		const page = await again.text();
		expect(page).toContain('This link was already created');
		expect(page).toContain(`href="/admin/links/${id}"`);
		expect(page).not.toMatch(/\/share\/[a-z2-7]+\.[a-z2-7]+/);
		await waitForEmail(outbox, (e) => e.to === 'reload@prospect.example');
		const listing = await (await get('/admin/links', cookies.sam)).text();
		expect(listing.match(/reload@prospect\.example/g)).toHaveLength(1);
	});

	it('a chat unfurler fetching the link is logged, not counted as an open', async () => {
		const unfurl = await getAs(linkPath, {
			'User-Agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
		});
		expect(unfurl.status).toBe(200);
		const activity = await (await get(`/admin/links/${linkId}`, cookies.sam)).text();
		expect(activity).toContain('for a link preview or by a link scanner');
		expect(activity).toContain('not counted as an open');
		expect(activity).not.toContain('Opened');
	});

	it('the link page says what, by whom, until when, with a same-origin referrer policy', async () => {
		const response = await getAs(linkPath, BROWSER);
		expect(response.status).toBe(200);
		expect(response.headers['referrer-policy']).toBe('same-origin');
		const page = response.text;
		expect(page).toContain('sam Staff');
		expect(page).toContain('SOC 2');
		expect(page).toContain('value="buyer@prospect.example"');
		await waitForEmail(
			outbox,
			(e) => e.to === 'sam@kestrel.example' && /was opened/.test(e.subject),
		);
		await expect.poll(() => slack.received.length, { timeout: 10_000 }).toBeGreaterThan(0);
		expect(slack.received[0]!.body?.text).toContain('opened for the first time');
	});

	it('refuses another address with a message, and an unknown token with the request form', async () => {
		const wrong = await formPost(site, linkPath, {
			email: 'eve@prospect.example',
			name: 'Eve',
			company: 'Prospect',
			title: 'Analyst',
		});
		expect(wrong.status).toBe(403);
		expect(await wrong.text()).toContain('This link is for buyer@prospect.example only');
		const unknown = await get(
			'/share/aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
		);
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).toContain('href="/request"');
	});

	it('another rep gets 404 on the link, its activity and a direct revoke; an admin sees it', async () => {
		const page = await get(`/admin/links/${linkId}`, cookies.olga);
		expect(page.status).toBe(404);
		expect(await page.text()).toContain('No such share link');
		const revoke = await formPost(
			site,
			`/admin/links/${linkId}`,
			{ action: 'revoke' },
			cookies.olga,
		);
		expect(revoke.status).toBe(404);
		expect(await (await get('/admin/links', cookies.olga)).text()).not.toContain(
			'buyer@prospect.example',
		);
		const list = await (await get('/admin/links', cookies.ada)).text();
		expect(list).toContain('buyer@prospect.example');
		expect(list).toContain('sam Staff');
	});

	it('the prospect verifies, accepts the NDA and downloads; the rep is emailed', async () => {
		const sent = await formPost(site, linkPath, {
			email: 'buyer@prospect.example',
			name: 'Bea Buyer',
			company: 'Prospect Inc',
			title: 'CISO',
		});
		expect(sent.status).toBe(200);
		const mail = await waitForEmail(
			outbox,
			(e) => e.to === 'buyer@prospect.example' && /Confirm/.test(e.subject),
		);
		const token = /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
		const confirmed = await formPost(site, '/verify', { token });
		expect(confirmed.status).toBe(303);
		expect(confirmed.headers.get('location')).toBe('/nda');
		prospect = confirmed.headers.get('set-cookie')!.split(';')[0]!;
		await acceptNdaOverHttp(site, prospect);
		const download = await formPost(site, '/portal/download/soc2-type2-2025.pdf', {}, prospect);
		expect(download.status).toBe(200);
		const copyId = download.headers.get('x-copy-id')!;
		await waitForEmail(outbox, (e) => e.to === 'sam@kestrel.example' && e.subject.includes(copyId));
		const activity = await (await get(`/admin/links/${linkId}`, cookies.sam)).text();
		expect(activity).toContain(copyId);
		expect(activity).toContain('accepted the NDA');
		expect(activity).toContain('1 of 2');
		await expect
			.poll(() => slack.received.some((r) => r.body?.text?.includes(copyId)), { timeout: 10_000 })
			.toBe(true);
	});

	it('revoking stops the link and the download at once', async () => {
		const revoked = await formPost(
			site,
			`/admin/links/${linkId}`,
			{ action: 'revoke' },
			cookies.sam,
		);
		expect(revoked.status).toBe(303);
		expect((await get(linkPath)).status).toBe(410);
		const download = await formPost(site, '/portal/download/soc2-type2-2025.pdf', {}, prospect);
		expect(download.status).toBe(403);
		expect(await download.text()).toContain('Your access was withdrawn');
		// The portal says so too, instead of "nothing yet" beside "approved".
		const portal = await (await get('/portal', prospect)).text();
		expect(portal).toMatch(/Your access was withdrawn on .*: downloads are no longer possible/);
		expect(portal).not.toContain('Nothing yet');
		expect(portal).toContain('Approved; that access has ended');
		expect(portal).not.toContain('<button class="button" type="submit">Download');
		const page = await (await get(`/admin/links/${linkId}`, cookies.sam)).text();
		expect(page).toContain('Revoked: the link and its access ended');
	});
});
