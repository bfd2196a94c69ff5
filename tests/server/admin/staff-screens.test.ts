/**
 * The staff work screens over real HTTP, on both databases, with the server running throughout
 * (no shell, no restart): a reviewer's request reaches the queue and the staff email links to it,
 * an admin approves it (a second submit changes nothing), the reviewer downloads, access is
 * extended and revoked (the next download is refused, sales cannot revoke), a document upload
 * refuses an encrypted PDF with its reason, and the rules page adds a rule and tests a domain.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../../helpers/db.ts';
import { createStaffWithCli } from '../../helpers/staff.ts';
import { readOutbox, waitForEmail } from '../../helpers/outbox.ts';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';
import { acceptNdaOverHttp, formPost, signInReviewer } from '../../helpers/reviewer.ts';

describe.each(databases())('the staff work screens on %s', (backend) => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-staff-'));
	const outbox = join(tmp, 'outbox');
	let server: RunningServer;
	let close = async () => {};
	const cookies = { admin: '', sales: '', reviewer: '' };
	let requestId = '';
	let grantId = '';

	const site = () => ({ url: server.url, outbox });
	const get = (path: string, cookie: string) =>
		fetch(`${server.url}${path}`, { redirect: 'manual', headers: { Cookie: cookie } });
	const post = (path: string, fields: Record<string, string | string[]>, cookie: string) =>
		formPost(site(), path, fields, cookie);
	const download = () => post('/portal/download/soc2-type2-2025.pdf', {}, cookies.reviewer);

	beforeAll(async () => {
		let env: Record<string, string>;
		if (backend.name === 'postgres') {
			const handle = await backend.open();
			env = { DATABASE_URL: handle.url! };
			close = () => handle.close();
		} else env = { PGLITE_DIR: join(tmp, 'pglite') };
		env = { ...env, OUTBOX_DIR: outbox, RATE_LIMIT_PER_IP: '1000' };
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		const passwords: Record<string, string> = {};
		for (const role of ['admin', 'sales'] as const)
			passwords[role] = await createStaffWithCli(env, {
				email: `${role}@kestrel-analytics.example`,
				name: `The ${role}`,
				role,
			});
		server = await startServer(env);
		for (const role of ['admin', 'sales'] as const) {
			const signedIn = await formPost(site(), '/admin/login', {
				email: `${role}@kestrel-analytics.example`,
				password: passwords[role]!,
			});
			expect(signedIn.status, `${role} signs in`).toBe(303);
			cookies[role] = signedIn.headers.get('set-cookie')!.split(';')[0]!;
		}
	});
	afterAll(async () => {
		await server?.stop();
		await close();
		rmSync(tmp, { recursive: true, force: true });
	});

	it('emails every admin and sales user a link to the request in the queue, not a shell command', async () => {
		cookies.reviewer = await signInReviewer(site(), 'rex@initech.example');
		await acceptNdaOverHttp(site(), cookies.reviewer);
		for (const role of ['admin', 'sales']) {
			const mail = await waitForEmail(
				outbox,
				(e) =>
					e.to === `${role}@kestrel-analytics.example` && e.text.includes('rex@initech.example'),
			);
			requestId = new RegExp(`${server.url}/admin/requests/(\\d+)`).exec(mail.text)?.[1] ?? '';
			expect(requestId, mail.text).not.toBe('');
			expect(mail.text).not.toContain('npx trustroom');
		}
	});

	it('lists the request as waiting for staff, found by company, with its reason for review', async () => {
		const queue = await (await get('/admin/requests?q=initech', cookies.sales)).text();
		expect(queue).toContain(`href="/admin/requests/${requestId}"`);
		expect(queue).toContain('rex@initech.example');
		const other = await (await get('/admin/requests?q=globex', cookies.sales)).text();
		expect(other).not.toContain('rex@initech.example');
		// A later page (after this request, oldest first) holds it no more, and leads back.
		const later = await (
			await get(`/admin/requests?q=initech&after=${requestId}`, cookies.sales)
		).text();
		expect(later).not.toContain('rex@initech.example');
		expect(later).toContain('href="/admin/requests?state=pending&amp;q=initech">First page</a>');
		const page = await (await get(`/admin/requests/${requestId}`, cookies.sales)).text();
		expect(page).toContain('<dt>Approval rules</dt>');
		expect(page).toContain('no approval rule matches initech.example');
		expect(page.match(/no approval rule matches initech\.example/g)).toHaveLength(1);
		expect(page).toContain('Accepted version');
	});

	it('refuses an approval without documents, naming the field, and keeps the request waiting', async () => {
		const refused = await post(
			`/admin/requests/${requestId}`,
			{ action: 'approve' },
			cookies.admin,
		);
		expect(refused.status).toBe(400);
		expect(await refused.text()).toContain('Tick at least one document to grant');
		expect(await (await get('/admin/requests', cookies.admin)).text()).toContain(
			`/admin/requests/${requestId}"`,
		);
	});

	it('approves from the queue once; the second submit (another tab) says it was already decided', async () => {
		const fields = { action: 'approve', documents: 'soc2-type2-2025', days: '30', downloads: '2' };
		const [first, second] = [
			await post(`/admin/requests/${requestId}`, fields, cookies.admin),
			await post(`/admin/requests/${requestId}`, fields, cookies.sales),
		];
		expect(first.status).toBe(303);
		expect(first.headers.get('location')).toBe(`/admin/requests/${requestId}?done=approved`);
		expect(second.headers.get('location')).toBe(`/admin/requests/${requestId}?done=not-pending`);
		const page = await (await get(second.headers.get('location')!, cookies.sales)).text();
		expect(page).toContain('already decided');
		grantId = /\/admin\/grants\/(\d+)/.exec(page)?.[1] ?? '';
		expect(grantId).not.toBe('');
		const grants = await (await get('/admin/grants?q=initech', cookies.sales)).text();
		expect(grants.match(/href="\/admin\/grants\/\d+"/g)).toHaveLength(1);
	});

	it('lets the reviewer download at once, and shows the copy under the grant', async () => {
		const copy = await download();
		expect(copy.status).toBe(200);
		expect(copy.headers.get('content-type')).toBe('application/pdf');
		await copy.arrayBuffer();
		const page = await (await get(`/admin/grants/${grantId}`, cookies.sales)).text();
		expect(page).toMatch(/href="\/verify\/[0-9A-Z]{4}-[0-9A-Z]{4}"/);
		expect(page).toContain('1 used of 2');
	});

	it('extends the cap from the grant page', async () => {
		const extended = await post(`/admin/grants/${grantId}`, { action: 'extend', downloads: '5' }, cookies.sales);
		expect(extended.headers.get('location')).toBe(`/admin/grants/${grantId}?done=extended`);
		expect(await (await get(`/admin/grants/${grantId}`, cookies.sales)).text()).toContain('1 used of 5');
	}); // prettier-ignore

	it('refuses a revocation by sales (403), and after an admin revokes, the next download is refused', async () => {
		const bySales = await post(`/admin/grants/${grantId}`, { action: 'revoke' }, cookies.sales);
		expect(bySales.status).toBe(403);
		expect(await bySales.text()).toContain('This needs an admin');
		expect((await download()).status).toBe(200);
		const revoked = await post(`/admin/grants/${grantId}`, { action: 'revoke' }, cookies.admin);
		expect(revoked.headers.get('location')).toBe(`/admin/grants/${grantId}?done=revoked`);
		const refused = await download();
		expect(refused.status).toBe(403);
		expect(await refused.text()).toContain('Your access was withdrawn');
	});

	it('shows an NDA-on-file claim in the queue; confirming it keeps the request waiting, then it can be approved', async () => {
		const claimant = await signInReviewer(site(), 'cleo@umbrella.example');
		const claimed = await post('/nda', { action: 'claim', reference: 'MSA-2024-17', signedOn: '2024-03-01' }, claimant);
		expect(claimed.status).toBe(303);
		const queue = await (await get('/admin/requests?q=umbrella', cookies.sales)).text();
		expect(queue).toContain('NDA on file claimed');
		const id = /href="\/admin\/requests\/(\d+)"/.exec(queue)?.[1];
		const page = await (await get(`/admin/requests/${id}`, cookies.sales)).text();
		expect(page).toContain('MSA-2024-17');
		const confirmed = await post(`/admin/requests/${id}`, { action: 'claim-confirm' }, cookies.sales);
		expect(confirmed.headers.get('location')).toBe(`/admin/requests/${id}?done=claim-confirmed`);
		const after = await (await get(`/admin/requests/${id}`, cookies.sales)).text();
		expect(after).toContain('Confirmed');
		expect(after).toContain('Approve and email the reviewer');
		const approved = await post(`/admin/requests/${id}`, { action: 'approve', documents: 'soc2-type2-2025' }, cookies.sales);
		expect(approved.headers.get('location')).toBe(`/admin/requests/${id}?done=approved`);
	}); // prettier-ignore

	const upload = async (bytes: Uint8Array, name: string) => {
		const body = new FormData();
		body.set(
			'file',
			new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }),
			name,
		);
		body.set('periodStart', '2026-01-01');
		body.set('periodEnd', '2026-12-31');
		return fetch(`${server.url}/admin/documents/soc2-type2-2025/upload`, {
			method: 'POST',
			redirect: 'manual',
			headers: { Origin: server.url, Cookie: cookies.admin },
			body,
		});
	};

	it('refuses an encrypted PDF upload with the reason on the page, and stores nothing', async () => {
		const before = await (await get('/admin/documents/soc2-type2-2025', cookies.admin)).text();
		const refused = await upload(new Uint8Array(readFileSync('tests/fixtures/encrypted-password.pdf')), 'locked.pdf');
		expect(refused.status).toBe(400);
		expect(await refused.text()).toContain('the PDF is encrypted (even an empty password counts)');
		const after = await (await get('/admin/documents/soc2-type2-2025', cookies.admin)).text();
		expect(after.match(/<th scope="row">#\d+/g)).toEqual(before.match(/<th scope="row">#\d+/g));
	}); // prettier-ignore

	it('stores a checked upload as the current version, the one before superseded', async () => {
		const pdf = await PDFDocument.create();
		pdf.addPage();
		pdf.addPage();
		const stored = await upload(await pdf.save(), 'soc2-2026.pdf');
		expect(stored.status).toBe(303);
		const location = stored.headers.get('location')!;
		expect(location).toMatch(/^\/admin\/documents\/soc2-type2-2025\?uploaded=\d+$/);
		const page = await (await get(location, cookies.admin)).text();
		expect(page).toContain('soc2-2026.pdf');
		expect(page).toMatch(/Superseded by #\d+/);
		const sales = await get('/admin/documents/soc2-type2-2025', cookies.sales);
		expect(sales.status).toBe(403);
	});

	it('adds a rule, then the domain tester names it; a bad pattern is refused with the field', async () => {
		const bad = await post('/admin/rules', { domain: 'initech', ruleAction: 'approve' }, cookies.admin);
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('is not a domain pattern; use example.com or *.example.com');
		const added = await post('/admin/rules', { domain: '*.initech.example', ruleAction: 'approve', priority: '7' }, cookies.admin);
		expect(added.status).toBe(303);
		const tested = await (await get('/admin/rules?domain=eu.initech.example', cookies.admin)).text();
		expect(tested).toMatch(/eu\.initech\.example: Approve at once, by rule #\d+ \(\*\.initech\.example, priority 7\)/);
		const free = await (await get('/admin/rules?domain=gmail.com', cookies.admin)).text();
		expect(free).toContain('gmail.com is a free email provider');
		expect(readOutbox(outbox).length).toBeGreaterThan(0);
	}); // prettier-ignore
});
