/**
 * Staff accounts in Chromium against the real server on a fresh database (PGlite, and PostgreSQL
 * when TEST_DATABASE_URL is set): the setup link printed at start → the first admin → an invited
 * sales rep accepts the emailed link and signs in → the rep is refused the staff list (403) → the
 * admin disables the rep and the rep's session ends. Then the admin turns on TOTP and signs in with
 * a code, and requires it for everyone: a rep without it is sent to set it up first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../src/lib/server/auth/totp.ts';
import { databases, serverDatabase } from '../helpers/db.ts';
import { waitForEmail } from '../helpers/outbox.ts';
import { freePort, startServer, type RunningServer } from '../helpers/processes.ts';
import { setupLinkIn } from '../helpers/staff.ts';
import { describeInBrowser, launchChromium, newPerson } from './browser.ts';

const ADMIN = {
	email: 'ada@kestrel-analytics.example',
	name: 'Ada Admin',
	password: 'ada chooses a long passphrase',
};
const REP = {
	email: 'sam@kestrel-analytics.example',
	name: 'Sam Sales',
	password: 'sam likes long sentences',
};

describeInBrowser('staff accounts in Chromium', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchChromium();
	});
	afterAll(async () => {
		await browser?.close();
	});

	describe.each(databases().map((b) => [b.name, b] as const))('on %s', (name, backend) => {
		const tmp = mkdtempSync(join(tmpdir(), 'trustroom-staff-'));
		const outbox = join(tmp, 'outbox');
		let server: RunningServer;
		let closeDatabase = async () => {};
		const people: BrowserContext[] = [];
		let admin: Page;
		let rep: Page;
		let totpKey: Uint8Array;

		beforeAll(async () => {
			const port = await freePort();
			const env: Record<string, string> = {
				OUTBOX_DIR: outbox,
				PORT: String(port),
				SITE_URL: `http://127.0.0.1:${port}`,
			};
			const database = await serverDatabase(backend, tmp);
			Object.assign(env, database.env);
			closeDatabase = database.close;
			server = await startServer(env);
			for (let i = 0; i < 2; i++) people.push(await newPerson(browser));
			admin = await people[0]!.newPage();
			rep = await people[1]!.newPage();
		});
		afterAll(async () => {
			for (const person of people) await person.close();
			await server?.stop();
			await closeDatabase();
			rmSync(tmp, { recursive: true, force: true });
		});

		async function signIn(page: Page, who: { email: string; password: string }) {
			await page.goto(`${server.url}/admin/login`);
			await page.getByLabel('Work email').fill(who.email);
			await page.getByLabel('Password').fill(who.password);
			await page.getByRole('button', { name: 'Sign in' }).click();
		}

		it('the setup link printed at start makes the first admin, who signs in', async () => {
			const link = setupLinkIn(server.output());
			expect(link, server.output()).toBeTruthy();
			await admin.goto(link!);
			await admin.getByRole('heading', { name: 'Create the first admin' }).waitFor();
			await admin.getByLabel('Work email').fill(ADMIN.email);
			await admin.getByLabel('Your name').fill(ADMIN.name);
			// A common password is refused with the reason, and nothing is used up.
			await admin.getByLabel('Password (at least 12 characters)').fill('password1234');
			await admin.getByLabel('Password again').fill('password1234');
			await admin.getByRole('button', { name: 'Create the admin account' }).click();
			await admin.getByRole('link', { name: /list of common passwords/ }).waitFor();
			await admin.getByLabel('Password (at least 12 characters)').fill(ADMIN.password);
			await admin.getByLabel('Password again').fill(ADMIN.password);
			await admin.getByRole('button', { name: 'Create the admin account' }).click();
			await admin.waitForURL((url) => url.pathname === '/admin/login');
			await admin.getByText('Your account is ready.').waitFor();
			await signIn(admin, ADMIN);
			await admin.waitForURL((url) => url.pathname === '/admin');
			await admin.getByText(`${ADMIN.name} (admin)`).waitFor();
		});

		it('the admin invites a sales rep, who accepts from the emailed link and signs in', async () => {
			await admin.getByRole('link', { name: 'Staff', exact: true }).click();
			await admin.getByRole('heading', { name: 'Invite a staff member' }).waitFor();
			await admin.getByLabel('Work email').fill(REP.email);
			await admin.getByLabel('Role').selectOption('sales');
			await admin.getByRole('button', { name: 'Send invitation' }).click();
			await admin.getByText('Invitation sent.').waitFor();
			await admin.getByText(`${REP.email} as sales`).waitFor();

			const mail = await waitForEmail(
				outbox,
				(e) => e.to === REP.email && /invited you/.test(e.subject),
			);
			expect(mail.subject).toBe(`${ADMIN.name} invited you to the Kestrel Analytics Trust Center`);
			const link = /https?:\/\/\S+\/admin\/invite\?token=[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
			expect(link, mail.text).toBeTruthy();
			await rep.goto(link!);
			await rep.getByText(`Your sign-in email: ${REP.email}`).waitFor();
			await rep.getByLabel('Your name').fill(REP.name);
			await rep.getByLabel('Password (at least 12 characters)').fill(REP.password);
			await rep.getByLabel('Password again').fill(REP.password);
			await rep.getByRole('button', { name: 'Create my account' }).click();
			await rep.waitForURL((url) => url.pathname === '/admin/login');
			// The link worked once.
			const again = await rep.goto(link!);
			expect(again?.status()).toBe(400);
			await signIn(rep, REP);
			await rep.waitForURL((url) => url.pathname === '/admin');
			await rep.getByText(`${REP.name} (sales)`).waitFor();
		});

		it('the sales rep is refused the staff list with a 403 page', async () => {
			expect(await rep.getByRole('link', { name: 'Staff', exact: true }).count()).toBe(0);
			const answer = await rep.goto(`${server.url}/admin/users`);
			expect(answer?.status()).toBe(403);
			await rep.getByRole('heading', { name: 'This needs an admin' }).waitFor();
		});

		it('the admin disables the rep, whose session ends at once', async () => {
			await admin.reload();
			await admin.getByRole('button', { name: `Disable ${REP.name}` }).click();
			await admin.getByText('Account disabled.').waitFor();
			await rep.goto(`${server.url}/admin`);
			expect(new URL(rep.url()).pathname).toBe('/admin/login');
			await signIn(rep, REP);
			await rep.getByText('That email and password do not match a staff account').waitFor();
		});

		it('the last admin cannot be demoted, and is told why', async () => {
			await admin.getByRole('button', { name: `Make ${ADMIN.name} sales` }).click();
			await admin.getByText(`${ADMIN.name} is the last active admin.`).waitFor();
		});

		it('the admin turns on TOTP, then signs in with a code', async () => {
			await admin.getByRole('link', { name: `${ADMIN.name} (admin)` }).click();
			await admin.getByRole('button', { name: 'Set up two-step sign-in' }).click();
			const secret = (await admin.locator('[data-totp-secret]').textContent())!.replace(/\s/g, '');
			totpKey = decodeBase32IgnorePadding(secret);
			await admin.getByLabel('6-digit code').fill(generateTotpCode(totpKey));
			await admin.getByRole('button', { name: 'Confirm and turn on' }).click();
			await admin.getByText('Two-step sign-in is on.').waitFor();

			await admin.getByRole('button', { name: 'Sign out', exact: true }).click();
			await signIn(admin, ADMIN);
			await admin.waitForURL((url) => url.pathname === '/admin/login/code');
			// The half-signed-in state is its own short cookie, not a session.
			const cookies = await people[0]!.cookies();
			expect(cookies.map((c) => c.name)).toEqual(['trustroom_staff_step']);
			expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
			expect(cookies[0]!.expires - Date.now() / 1000).toBeLessThanOrEqual(300);
			// Not signed in yet: the half-signed-in state opens no staff page.
			const early = await admin.goto(`${server.url}/admin`);
			expect(new URL(admin.url()).pathname).toBe('/admin/login');
			expect(early?.status()).toBe(200);
			await admin.goto(`${server.url}/admin/login/code`);
			await admin.getByLabel('6-digit code').fill('000000');
			await admin.getByRole('button', { name: 'Sign in' }).click();
			await admin.getByText('That code is not right.').first().waitFor();
			// The next step's code: the current one was used to confirm.
			await admin
				.getByLabel('6-digit code')
				.fill(generateTotpCode(totpKey, new Date(Date.now() + 30_000)));
			await admin.getByRole('button', { name: 'Sign in' }).click();
			await admin.waitForURL((url) => url.pathname === '/admin');
		});

		it('with TOTP required for all, a rep without it is sent to set it up first', async () => {
			await admin.goto(`${server.url}/admin/users`);
			await admin.getByRole('button', { name: `Enable ${REP.name}` }).click();
			await admin.getByText('Account enabled.').waitFor();
			await admin.getByRole('button', { name: 'Require two-step sign-in for all staff' }).click();
			await admin.getByText('Two-step sign-in is now required').waitFor();
			await signIn(rep, REP);
			await rep.waitForURL((url) => url.pathname === '/admin/account');
			await rep.getByText('An admin requires two-step sign-in for all staff.').waitFor();
			await rep.goto(`${server.url}/admin/log`);
			expect(new URL(rep.url()).pathname).toBe('/admin/account');
		});

		it('sign out everywhere ends the session', async () => {
			await rep.getByRole('button', { name: 'Sign out everywhere' }).click();
			await rep.getByText('You are signed out on every device.').waitFor();
			await rep.goto(`${server.url}/admin/account`);
			expect(new URL(rep.url()).pathname).toBe('/admin/login');
		});
	});
});
