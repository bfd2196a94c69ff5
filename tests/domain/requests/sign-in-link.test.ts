/** Coming back: a reviewer whose sign-in ended signs in again by email, on both databases. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	accessRequestsTable,
	emailsTable,
	oneTimeTokensTable,
	requestersTable,
} from '../../../db/schema.ts';
import { validateRequesterSessionToken } from '../../../src/lib/server/auth/requester-session.ts';
import { createUser } from '../../../src/lib/server/auth/users.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { getPortal } from '../../../src/lib/server/grants/portal.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import type { JourneyContext } from '../../../src/lib/server/requests/context.ts';
import { createNdaAcceptance, getCurrentNdaVersion } from '../../../src/lib/server/requests/nda.ts';
import { createApprovalRule } from '../../../src/lib/server/requests/policy.ts';
import { createAccessRequest } from '../../../src/lib/server/requests/requests.ts';
import {
	getSignInLinkStatus,
	submitSignInLinkForm,
	validateSignInLink,
} from '../../../src/lib/server/requests/sign-in-link.ts';
import { validateEmailLink } from '../../../src/lib/server/requests/verification.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');
const meta = { ip: '203.0.113.9', userAgent: 'Vitest' };
const DAY_MS = 24 * 60 * 60 * 1000;
const STAFF = 'staff@kestrel-analytics.example';

describe.each(databases())('coming back on %s', (backend) => {
	let handle: DatabaseHandle;
	let ctx: JourneyContext;
	const outbox = mkdtempSync(join(tmpdir(), 'trustroom-sign-in-'));
	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		ctx = {
			db: handle.db,
			config: loadConfig({ OUTBOX_DIR: outbox }),
			companyName: 'Kestrel Analytics',
		};
		await createUser(handle.db, { email: STAFF, name: 'Sam Staff', role: 'sales' }, 'test');
		await createApprovalRule(
			handle.db,
			{ domainPattern: 'acme.example', action: 'approve', downloadCap: 5 },
			'test',
		);
	});
	afterAll(async () => {
		await handle.close();
		rmSync(outbox, { recursive: true, force: true });
	});

	const mailsTo = (to: string) =>
		handle.db.select().from(emailsTable).where(eq(emailsTable.to, to)).orderBy(asc(emailsTable.id));
	const linkIn = (text: string, path: string) =>
		new RegExp(`${path.replace('?', '\\?')}=([A-Za-z0-9_-]{43})`).exec(text)?.[1] ?? '';
	const countRows = async (table: typeof accessRequestsTable | typeof emailsTable) =>
		Number((await handle.db.select({ n: count() }).from(table))[0]?.n ?? 0);

	/** Request, confirm, accept the NDA (approved by the rule); returns the first session token. */
	async function approvedReviewer(email: string): Promise<string> {
		await createAccessRequest(
			ctx,
			{ name: 'Jane Doe', email, company: 'Acme Inc', title: 'CISO', reason: '', documents: ['soc2-type2-2025'] },
			meta,
		); // prettier-ignore
		const mail = (await mailsTo(email)).find((m) => m.template === 'verify-email')!;
		const verified = await validateEmailLink(ctx, linkIn(mail.text, '/verify?token'), meta);
		if (!verified.ok) throw new Error(verified.reason);
		const session = (await validateRequesterSessionToken(handle.db, verified.sessionToken))!;
		const nda = (await getCurrentNdaVersion(handle.db))!;
		await createNdaAcceptance(
			ctx,
			session.requester,
			{ ndaVersion: nda.version, textSha256: nda.sha256, signerName: 'Jane Doe', signerTitle: 'CISO' },
			meta,
		); // prettier-ignore
		return verified.sessionToken;
	}

	async function askForLink(email: string, now: Date): Promise<string> {
		const answer = await submitSignInLinkForm({ ...ctx, now }, { email }, meta);
		expect(answer).toEqual({ ok: true, email: email.toLowerCase() });
		const mail = (await mailsTo(email.toLowerCase()))
			.filter((m) => m.template === 'sign-in-link')
			.at(-1);
		return mail ? linkIn(mail.text, '/portal/sign-in?token') : '';
	}

	it('signs a reviewer back in eight days later, with no new request and no staff email', async () => {
		const first = await approvedReviewer('jane@acme.example');
		const later = new Date(Date.now() + 8 * DAY_MS);
		expect(await validateRequesterSessionToken(handle.db, first, later)).toBeNull();
		const requestsBefore = await countRows(accessRequestsTable);
		const staffMailBefore = (await mailsTo(STAFF)).length;

		const token = await askForLink('Jane@Acme.example', later);
		expect(token).toHaveLength(43);
		// The link's GET (what a mail scanner fetches) does not use it.
		expect((await getSignInLinkStatus({ ...ctx, now: later }, token)).ok).toBe(true);
		expect((await getSignInLinkStatus({ ...ctx, now: later }, token)).ok).toBe(true);
		const signedIn = await validateSignInLink({ ...ctx, now: later }, token, meta, null);
		if (!signedIn.ok || !signedIn.sessionToken) throw new Error('not signed in');
		const session = await validateRequesterSessionToken(handle.db, signedIn.sessionToken, later);
		expect(session?.requester.email).toBe('jane@acme.example');

		expect(await countRows(accessRequestsTable)).toBe(requestsBefore);
		expect((await mailsTo(STAFF)).length).toBe(staffMailBefore);
		const portal = await getPortal(handle.db, session!.requester.id, later);
		expect(portal.grants.filter((g) => !g.expired && !g.revoked)).toHaveLength(1);
	});

	it('works once, then says used (or continues for the session the first click opened)', async () => {
		const now = new Date(Date.now() + 9 * DAY_MS);
		const token = await askForLink('jane@acme.example', now);
		const first = await validateSignInLink({ ...ctx, now }, token, meta, null);
		expect(first.ok).toBe(true);
		expect(await validateSignInLink({ ...ctx, now }, token, meta, null)).toEqual({
			ok: false,
			reason: 'used',
		});
		const [jane] = await getRequesterIds('jane@acme.example');
		expect(await validateSignInLink({ ...ctx, now }, token, meta, jane!)).toEqual({
			ok: true,
			sessionToken: null,
		});
	});

	it.each([
		['expired after 30 minutes', 31 * 60 * 1000, 'expired'],
		['still good at 29 minutes', 29 * 60 * 1000, null],
	] as const)('is %s', async (_name, afterMs, reason) => {
		const sent = new Date(Date.now() + 10 * DAY_MS);
		const token = await askForLink('jane@acme.example', sent);
		const result = await validateSignInLink(
			{ ...ctx, now: new Date(sent.getTime() + afterMs) },
			token,
			meta,
			null,
		);
		expect(result.ok ? null : result.reason).toBe(reason);
	});

	it('refuses a tampered link and a confirmation link used as a sign-in link', async () => {
		await createAccessRequest(
			ctx,
			{ name: 'Omar', email: 'omar@acme.example', company: 'Acme', title: 'CTO', reason: '', documents: ['soc2-type2-2025'] },
			meta,
		); // prettier-ignore
		const confirm = (await mailsTo('omar@acme.example')).find(
			(m) => m.template === 'verify-email',
		)!;
		const verifyToken = linkIn(confirm.text, '/verify?token');
		expect(await validateSignInLink(ctx, verifyToken, meta, null)).toEqual({
			ok: false,
			reason: 'invalid',
		});
		expect(await validateSignInLink(ctx, 'x'.repeat(43), meta, null)).toEqual({
			ok: false,
			reason: 'invalid',
		});
	});

	it('answers an unknown address and an unconfirmed one the same, and mails neither', async () => {
		// omar@ asked for documents above but never opened the confirmation link.
		for (const email of ['nobody@acme.example', 'omar@acme.example']) {
			expect(await askForLink(email, new Date())).toBe('');
		}
		expect((await mailsTo('nobody@acme.example')).length).toBe(0);
	});

	it('stores only the hash of the link, with its purpose', async () => {
		const token = await askForLink('jane@acme.example', new Date(Date.now() + 11 * DAY_MS));
		const rows = await handle.db
			.select()
			.from(oneTimeTokensTable)
			.where(eq(oneTimeTokensTable.purpose, 'sign-in'));
		expect(rows.length).toBeGreaterThan(0);
		expect(JSON.stringify(rows)).not.toContain(token);
	});

	it('limits links per address, counted in the database', async () => {
		const strict = { ...ctx, config: { ...ctx.config, rateLimitPerEmail: 2 } };
		const ask = () => submitSignInLinkForm(strict, { email: 'limit@acme.example' }, meta);
		expect((await ask()).ok).toBe(true);
		expect((await ask()).ok).toBe(true);
		expect(await ask()).toMatchObject({ ok: false, reason: 'rate_limited' });
	});

	it('says what to fix in a bad address', async () => {
		expect(await submitSignInLinkForm(ctx, { email: 'jane@' }, meta)).toMatchObject({
			ok: false,
			reason: 'invalid',
			errors: { email: 'Work email must be an address such as jane@company.com' },
		});
	});

	async function getRequesterIds(email: string): Promise<number[]> {
		const rows = await handle.db
			.select({ id: requestersTable.id })
			.from(requestersTable)
			.where(eq(requestersTable.email, email));
		return rows.map((r) => r.id);
	}
});
