/** The server as `npm start` runs it, over real HTTP, on the embedded database and on PostgreSQL. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../../helpers/db.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';
import { createFirstAdmin, setupLinkIn } from '../../helpers/staff.ts';

const tmp = mkdtempSync(join(tmpdir(), 'trustroom-server-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(databases())('npm start on %s', (backend) => {
	let server: RunningServer;
	let env: Record<string, string>;
	let closeDatabase = async () => {};
	beforeAll(async () => {
		if (backend.name === 'postgres') {
			const handle = await backend.open();
			env = { DATABASE_URL: handle.url! };
			closeDatabase = () => handle.close();
		} else {
			env = { PGLITE_DIR: join(tmp, 'pglite') };
		}
		server = await startServer(env);
	});
	afterAll(async () => {
		await server?.stop();
		await closeDatabase();
	});

	it('seeds the demo on an empty database and says where it serves', () => {
		expect(server.output()).toMatch(
			/Seeded the demo: soc2-type2-2025 \(\d+ pages\), bridge-letter-2026/,
		);
		expect(server.output()).toContain(`Trustroom is serving http://127.0.0.1:`);
		expect(server.output()).toContain('/admin/login');
		expect(server.output()).toContain('npx trustroom users create');
	});

	it('serves the trust page with security headers', async () => {
		const response = await fetch(`${server.url}/`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
		expect(response.headers.get('content-security-policy')).toContain("script-src 'none'");
		expect(response.headers.get('x-frame-options')).toBe('DENY');
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
		const html = await response.text();
		expect(html).toContain('Kestrel Analytics Trust Center');
		expect(html).not.toContain('<script');
	});

	it('serves /trust.json with the same facts', async () => {
		const response = await fetch(`${server.url}/trust.json`);
		expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
		const facts = await response.json();
		expect(facts).toMatchObject({
			version: 1,
			company: { name: 'Kestrel Analytics', securityContact: 'security@kestrel-analytics.example' },
			soc2: {
				report: {
					id: 'soc2-type2-2025',
					type: 'SOC 2 Type II',
					periodStart: '2025-01-01',
					periodEnd: '2025-12-31',
				},
				bridgeLetter: { id: 'bridge-letter-2026', periodEnd: '2026-09-30' },
			},
		});
		expect(['current', 'bridged', 'stale']).toContain(facts.soc2.status);
		expect(
			facts.documents.find((d: { id: string }) => d.id === 'iso-27001-certificate'),
		).toMatchObject({
			access: 'public',
			url: `${server.url}/documents/iso-27001-certificate.pdf`,
		});
		expect(facts.criteria).toHaveLength(20);
	});

	it('serves an RFC 9116 security.txt that has not expired', async () => {
		const response = await fetch(`${server.url}/.well-known/security.txt`);
		expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
		const text = await response.text();
		expect(text).toMatch(/^Contact: mailto:security@kestrel-analytics\.example$/m);
		expect(text).toMatch(/^Canonical: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/security\.txt$/m);
		expect(text).toMatch(/^Preferred-Languages: en, de$/m);
		const expires = new Date(/^Expires: (.+)$/m.exec(text)![1]!);
		const days = (expires.getTime() - Date.now()) / 86_400_000;
		expect(days).toBeGreaterThan(30);
		expect(days).toBeLessThan(365);
		// Every line is a comment or a "Field: value" pair.
		for (const line of text.trim().split('\n'))
			expect(line).toMatch(/^(#.*|[A-Z][A-Za-z-]+: \S.*)$/);
	});

	it('serves a public document as a PDF', async () => {
		const response = await fetch(`${server.url}/documents/iso-27001-certificate.pdf`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/pdf');
		const bytes = new Uint8Array(await response.arrayBuffer());
		expect(Number(response.headers.get('content-length'))).toBe(bytes.byteLength);
		expect((await PDFDocument.load(bytes)).getPageCount()).toBe(1);
	});

	it.each([
		[
			'soc2-type2-2025',
			403,
			/shared under NDA[\s\S]*href=\"\/request\?documents=soc2-type2-2025\"/,
		],
		['bridge-letter-2026', 403, /shared under NDA/],
		['no-such-report', 404, /No such document/],
		['..%2F..%2Fetc%2Fpasswd', 404, /No such document/],
	])('does not hand out /documents/%s.pdf', async (slug, status, message) => {
		const response = await fetch(`${server.url}/documents/${slug}.pdf`);
		expect(response.status).toBe(status);
		const body = await response.text();
		expect(body).toMatch(message);
		expect(body).not.toContain('%PDF');
	});

	it('answers an unknown page with 404', async () => {
		expect((await fetch(`${server.url}/no-such-page`)).status).toBe(404);
	});

	describe('staff sign-in', () => {
		const ADMIN_PASSWORD = 'kestrel first admin passphrase';
		const signIn = (password: string, origin = server.url) =>
			fetch(`${server.url}/admin/login`, {
				method: 'POST',
				redirect: 'manual',
				headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ email: 'admin@kestrel-analytics.example', password }),
			});

		it('prints a one-time setup link for the first admin, never a password', async () => {
			const output = server.output();
			expect(output).toContain('No admin yet.');
			expect(output).not.toMatch(/demo admin|shown once/i);
			const link = setupLinkIn(output)!;
			expect(link).toBeTruthy();
			// Opening the link shows the form and does not use it.
			for (let i = 0; i < 2; i++) {
				const page = await fetch(link);
				expect(page.status).toBe(200);
				expect(page.headers.get('referrer-policy')).toBe('same-origin');
				expect(await page.text()).toContain('Create the first admin');
			}
			await createFirstAdmin({ url: server.url, outbox: '' }, output, {
				email: 'admin@kestrel-analytics.example',
				name: 'First Admin',
				password: ADMIN_PASSWORD,
			});
			// Used once: the same link now says so.
			const again = await fetch(link);
			expect(again.status).toBe(400);
			expect(await again.text()).toContain('already been used');
		});

		it('sends a visitor without a session to the sign-in page', async () => {
			const response = await fetch(`${server.url}/admin`, { redirect: 'manual' });
			expect(response.status).toBe(303);
			expect(response.headers.get('location')).toBe('/admin/login');
		});

		it('the first admin signs in with a safe cookie', async () => {
			const response = await signIn(ADMIN_PASSWORD);
			expect(response.status).toBe(303);
			expect(response.headers.get('location')).toBe('/admin');
			const cookie = response.headers.get('set-cookie')!;
			expect(cookie).toMatch(/^trustroom_staff=[a-z2-7]{24}\.[a-z2-7]{52};/);
			expect(cookie).toContain('HttpOnly');
			expect(cookie).toContain('SameSite=Lax');
			// STAFF_SESSION_MAX_HOURS (168 by default): the browser drops it when it can no longer work.
			expect(cookie).toContain('Max-Age=604800');
			const page = await fetch(`${server.url}/admin`, {
				headers: { Cookie: cookie.split(';')[0]! },
			});
			expect(page.status).toBe(200);
			expect(page.headers.get('cache-control')).toBe('private, no-store');
			const html = await page.text();
			expect(html).toContain('First Admin (admin)');
			expect(html).toMatch(/Audit log intact: \d+ events/);
			expect(html).toContain('63 pages, ');
			// The report status leads with what needs doing: a gap, when there is one.
			expect(html).toMatch(
				/<p class="notice (ok|bad|info)">(Gap in coverage: nothing covers|The report is current|Bridged|Stale|No SOC 2)/,
			);
		});

		it('replaces a cookie planted before sign-in with a new session (no fixation)', async () => {
			const planted = `trustroom_staff=${'a'.repeat(24)}.${'b'.repeat(52)}`;
			const response = await fetch(`${server.url}/admin/login`, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					Origin: server.url,
					Cookie: planted,
					'Content-Type': 'application/x-www-form-urlencoded',
				},
				body: new URLSearchParams({
					email: 'admin@kestrel-analytics.example',
					password: ADMIN_PASSWORD,
				}),
			});
			expect(response.status).toBe(303);
			const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
			expect(cookie).toMatch(/^trustroom_staff=[a-z2-7]{24}\.[a-z2-7]{52}$/);
			expect(cookie).not.toBe(planted);
			// Two sign-ins, two different sessions.
			const again = (await signIn(ADMIN_PASSWORD)).headers.get('set-cookie')!.split(';')[0]!;
			expect(again).not.toBe(cookie);
		});

		it('refuses a wrong password with a message that does not reveal the account', async () => {
			const response = await signIn('wrong-password');
			expect(response.status).toBe(401);
			expect(response.headers.get('set-cookie')).toBeNull();
			expect(await response.text()).toContain(
				'That email and password do not match a staff account.',
			);
		});

		it('refuses a sign-in posted from another site', async () => {
			const response = await signIn(ADMIN_PASSWORD, 'https://evil.example');
			expect(response.status).toBe(403);
			expect(response.headers.get('set-cookie')).toBeNull();
		});

		it('signs out for good: the old cookie no longer works', async () => {
			const cookie = (await signIn(ADMIN_PASSWORD)).headers.get('set-cookie')!.split(';')[0]!;
			const out = await fetch(`${server.url}/admin/logout`, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					Cookie: cookie,
					Origin: server.url,
					'Content-Type': 'application/x-www-form-urlencoded',
				},
			});
			expect(out.status).toBe(303);
			const after = await fetch(`${server.url}/admin`, {
				headers: { Cookie: cookie },
				redirect: 'manual',
			});
			expect(after.status).toBe(303);
		});

		it('locks the account after 10 wrong passwords: the right one then gets 429, as an unknown email does', async () => {
			for (let i = 0; i < 10; i++) expect((await signIn(`wrong ${i}`)).status).toBe(401);
			const locked = await signIn(ADMIN_PASSWORD);
			expect(locked.status).toBe(429);
			expect(locked.headers.get('set-cookie')).toBeNull();
			expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
			const text = await locked.text();
			expect(text).toMatch(/Too many sign-in attempts\. Wait \d+ minutes/);
			// An address with no account locks the same way, so the lock reveals nothing.
			const ghost = (password: string) =>
				fetch(`${server.url}/admin/login`, {
					method: 'POST',
					redirect: 'manual',
					headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
					body: new URLSearchParams({ email: 'ghost@kestrel-analytics.example', password }),
				});
			for (let i = 0; i < 10; i++) expect((await ghost(`wrong ${i}`)).status).toBe(401);
			const ghostLocked = await ghost('anything at all');
			expect(ghostLocked.status).toBe(429);
			// The same page, but for the email typed back into the form.
			expect((await ghostLocked.text()).replace('ghost@', 'admin@')).toBe(text);
		});
	});

	it.runIf(backend.name === 'pglite')(
		'refuses a second server on the same embedded database; the first keeps serving',
		async () => {
			const second = await runCli(['start'], { ...env, PORT: '1' });
			expect(second.code).toBe(1);
			expect(second.stderr).toMatch(
				/^trustroom: The embedded database in .*pglite is already open in process \d+\./,
			);
			expect((await fetch(`${server.url}/`)).status).toBe(200);
		},
	);
});

describe('npm start with a bad environment', () => {
	it.each([
		[
			{ PORT: 'abc' },
			/^trustroom: PORT: must be a whole number between 1 and 65535, such as 4321 \(got "abc"\)$/,
		],
		[{ DATABASE_URL: 'postgres//localhost' }, /^trustroom: DATABASE_URL: must be a PostgreSQL URL/],
		[
			{ SITE_URL: 'trust.example.com' },
			/^trustroom: SITE_URL: must be the public http\(s\) address/,
		],
	])('stops with %j named', async (env, message) => {
		const result = await runCli(['start'], { PGLITE_DIR: join(tmp, 'never-opened'), ...env });
		expect(result.code).toBe(1);
		expect(result.stderr.trim()).toMatch(message);
		expect(result.stdout).not.toContain('Trustroom is serving');
	});
});

describe('npm start beside a running server', () => {
	it('stops at once on a port in use, before opening the database or building anything', async () => {
		const taken = createNetServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		const { port } = taken.address() as AddressInfo;
		try {
			const dir = join(tmp, 'port-taken');
			const result = await runCli(['start'], {
				PGLITE_DIR: dir,
				HOST: '127.0.0.1',
				PORT: String(port),
			});
			expect(result.code).toBe(1);
			expect(result.stderr.trim()).toBe(
				`trustroom: PORT ${port} on 127.0.0.1 is already in use; stop the other server or set PORT to another port`,
			);
			expect(result.stdout).not.toContain('Building the site');
			expect(existsSync(dir)).toBe(false);
		} finally {
			await new Promise((resolve) => taken.close(resolve));
		}
	});
});
