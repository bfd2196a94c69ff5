/** The requester journey's domain rules, called directly on both databases. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	accessRequestsTable,
	auditEventsTable,
	emailsTable,
	ndaAcceptancesTable,
	ndaVersionsTable,
	oneTimeTokensTable,
} from '../../../db/schema.ts';
import { validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import { sha256Hex } from '../../../src/lib/server/platform/crypto.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import {
	createApprovalRule,
	getPolicyDecision,
	domainMatches,
	type ApprovalRule,
} from '../../../src/lib/server/requests/policy.ts';
import { consumeRequestLimits } from '../../../src/lib/server/platform/rate-limit.ts';
import { requestFormSchema } from '../../../src/lib/server/requests/forms.ts';
import { validateRequesterSessionToken } from '../../../src/lib/server/auth/requester-session.ts';
import type { JourneyContext } from '../../../src/lib/server/requests/context.ts';
import { approveRequest, denyRequest } from '../../../src/lib/server/requests/decisions.ts';
import {
	createNdaAcceptance,
	getCurrentNdaVersion,
	verifyNdaOnFile,
} from '../../../src/lib/server/requests/nda.ts';
import { createAccessRequest } from '../../../src/lib/server/requests/requests.ts';
import { validateEmailLink } from '../../../src/lib/server/requests/verification.ts';
import { getPortal } from '../../../src/lib/server/grants/portal.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { createUser } from '../../../src/lib/server/auth/users.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');
const meta = { ip: '203.0.113.7', userAgent: 'Vitest' };
const form = (email: string, documents = ['soc2-type2-2025', 'bridge-letter-2026']) => ({
	name: 'Jane Doe',
	email,
	company: 'Acme Inc',
	title: 'Security Analyst',
	reason: '',
	documents,
});

describe('the request form', () => {
	it('cleans names: NFC, no control or bidi-override characters', () => {
		const parsed = requestFormSchema.parse({
			...form('Jane@Acme.Example'),
			name: 'Jose\u0301 \u202Egnp.exe\u202C Doe\u0007',
		});
		expect(parsed.name).toBe('José gnp.exe Doe');
		expect(parsed.email).toBe('jane@acme.example');
	});

	it.each([
		[
			'a line break in the name',
			{ name: 'Jane\r\nBcc: evil@example.com' },
			'name',
			'Full name must be on one line',
		],
		[
			'a line break in the email',
			{ email: 'jane@acme.example\nBcc: x@y.z' },
			'email',
			'Work email must be on one line',
		],
		[
			'an email without a domain',
			{ email: 'jane@' },
			'email',
			'Work email must be an address such as jane@company.com',
		],
		[
			'a name that is too long',
			{ name: 'x'.repeat(121) },
			'name',
			'Full name must be at most 120 characters',
		],
		['no documents', { documents: [] }, 'documents', 'Pick at least one document'],
		['an empty company', { company: ' \u200F ' }, 'company', 'Company is required'],
	])('refuses %s', (_name, change, field, message) => {
		const result = requestFormSchema.safeParse({ ...form('jane@acme.example'), ...change });
		expect(result.success).toBe(false);
		expect(result.error?.issues.find((i) => i.path[0] === field)?.message).toBe(message);
	});
});

describe('approval policy', () => {
	const rule = (id: number, domainPattern: string, action: ApprovalRule['action'], priority = 100, expiresAt: Date | null = null): ApprovalRule => ({
		id, domainPattern, action, priority, grantDays: null, downloadCap: null, expiresAt,
	}); // prettier-ignore

	it.each([
		['acme.example', 'acme.example', true],
		['acme.example', 'eu.acme.example', false],
		['*.acme.example', 'eu.acme.example', true],
		['*.acme.example', 'acme.example', false],
		['*.acme.example', 'notacme.example', false],
	])('%s matches %s: %s', (pattern, domain, expected) => {
		expect(domainMatches(pattern, domain)).toBe(expected);
	});

	it.each<[string, ApprovalRule[], string, string]>([
		['no rule means review', [], 'jane@acme.example', 'review'],
		[
			'a matching rule decides',
			[rule(1, 'acme.example', 'approve')],
			'jane@acme.example',
			'approve',
		],
		[
			'the lowest priority number wins',
			[rule(1, '*.acme.example', 'approve', 50), rule(2, 'eu.acme.example', 'deny', 10)],
			'x@eu.acme.example',
			'deny',
		],
		[
			'an expired rule is skipped',
			[rule(1, 'acme.example', 'approve', 1, new Date('2020-01-01'))],
			'jane@acme.example',
			'review',
		],
		['free mail goes to review', [], 'jane@gmail.com', 'review'],
		[
			'a rule may still name a free mail domain',
			[rule(1, 'gmail.com', 'deny')],
			'jane@gmail.com',
			'deny',
		],
	])('%s', (_name, rules, email, action) => {
		expect(getPolicyDecision(rules, email).action).toBe(action);
	});

	it('explains a free-mail review in words', () => {
		expect(getPolicyDecision([], 'jane@proton.me').why).toMatch(
			/proton\.me is a free email provider/,
		);
	});
});

describe.each(databases())('the journey on %s', (backend) => {
	let handle: DatabaseHandle;
	let ctx: JourneyContext;
	const outbox = mkdtempSync(join(tmpdir(), 'trustroom-requests-'));
	afterAll(async () => {
		await handle.close();
		rmSync(outbox, { recursive: true, force: true });
	});
	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		ctx = {
			db: handle.db,
			config: { ...loadConfig({ OUTBOX_DIR: outbox }) },
			companyName: 'Kestrel Analytics',
		};
		await createUser(
			handle.db,
			{ email: 'staff@kestrel-analytics.example', name: 'Sam Staff', role: 'sales' },
			'test',
		);
		const added = await createApprovalRule(
			handle.db,
			{ domainPattern: 'acme.example', action: 'approve', downloadCap: 5 },
			'test',
		);
		expect(added.ok).toBe(true);
		await createApprovalRule(
			handle.db,
			{ domainPattern: 'blocked.example', action: 'deny' },
			'test',
		);
	});

	const emailsTo = async (to: string) =>
		(
			await handle.db
				.select()
				.from(emailsTable)
				.where(eq(emailsTable.to, to))
				.orderBy(asc(emailsTable.id))
		).map((e) => ({ template: e.template, text: e.text, attachments: e.attachments }));
	const tokenFrom = (text: string) => /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? '';

	/** request → verify → accept the current NDA; returns the requester's session. */
	async function throughNda(email: string, signerName: string, signerTitle: string) {
		const { token } = await requestAndVerify(email);
		const verified = await validateEmailLink(ctx, token, meta);
		if (!verified.ok) throw new Error(verified.reason);
		const session = (await validateRequesterSessionToken(handle.db, verified.sessionToken))!;
		const nda = (await getCurrentNdaVersion(handle.db))!;
		await createNdaAcceptance(
			ctx,
			session.requester,
			{ ndaVersion: nda.version, textSha256: nda.sha256, signerName, signerTitle },
			meta,
		);
		return session;
	}

	async function requestAndVerify(email: string, now?: Date) {
		await createAccessRequest({ ...ctx, now }, form(email), meta);
		const mail = (await emailsTo(email)).filter((e) => e.template === 'verify-email').at(-1)!;
		return { token: tokenFrom(mail.text), mail };
	}

	it('queues the verification email with the request, in one transaction', async () => {
		const { token, mail } = await requestAndVerify('jane@acme.example');
		expect(token).toHaveLength(43);
		expect(mail.text).toContain('SOC 2 Type II report 2025');
		const [stored] = await handle.db
			.select()
			.from(oneTimeTokensTable)
			.orderBy(asc(oneTimeTokensTable.id))
			.limit(1);
		// Only the hash is stored.
		expect(Buffer.from(stored!.tokenHash).toString('hex')).not.toContain(
			Buffer.from(token).toString('hex'),
		);
		expect(JSON.stringify(stored)).not.toContain(token);
	});

	it('stores nothing when the email cannot be queued', async () => {
		const before = await handle.db.select().from(accessRequestsTable);
		await expect(
			createAccessRequest(
				ctx,
				{ ...form('x@acme.example'), email: 'x@acme.example\r\nBcc: y@z.example' },
				meta,
			),
		).rejects.toThrow();
		expect(await handle.db.select().from(accessRequestsTable)).toHaveLength(before.length);
	});

	it('verifies once; the same token then says used', async () => {
		const { token } = await requestAndVerify('one@acme.example');
		const first = await validateEmailLink(ctx, token, meta);
		expect(first).toMatchObject({ ok: true, next: 'nda' });
		expect(await validateEmailLink(ctx, token, meta)).toEqual({ ok: false, reason: 'used' });
		const session = await validateRequesterSessionToken(
			handle.db,
			(first as { sessionToken: string }).sessionToken,
		);
		expect(session?.requester.email).toBe('one@acme.example');
	});

	it('refuses an expired token and a tampered one', async () => {
		const then = new Date(Date.now() - 31 * 60_000);
		const { token } = await requestAndVerify('late@acme.example', then);
		expect(await validateEmailLink(ctx, token, meta)).toEqual({ ok: false, reason: 'expired' });
		const fresh = await requestAndVerify('late@acme.example');
		const tampered = fresh.token.slice(0, -1) + (fresh.token.endsWith('A') ? 'B' : 'A');
		expect(await validateEmailLink(ctx, tampered, meta)).toEqual({
			ok: false,
			reason: 'invalid',
		});
	});

	it('approves by rule after the NDA, with the receipt and the access email queued', async () => {
		const { token } = await requestAndVerify('jane@acme.example');
		const verified = await validateEmailLink(ctx, token, meta);
		if (!verified.ok) throw new Error(verified.reason);
		const session = (await validateRequesterSessionToken(handle.db, verified.sessionToken))!;
		const nda = (await getCurrentNdaVersion(handle.db))!;
		expect(nda.version).toBe('1.1');
		const accepted = await createNdaAcceptance(
			ctx,
			session.requester,
			{
				ndaVersion: nda.version,
				textSha256: nda.sha256,
				signerName: 'Jane Doe',
				signerTitle: 'CISO',
			},
			meta,
		);
		expect(accepted).toMatchObject({ ok: true });
		const [evidence] = await handle.db
			.select()
			.from(ndaAcceptancesTable)
			.where(eq(ndaAcceptancesTable.email, 'jane@acme.example'));
		expect(evidence).toMatchObject({
			signerName: 'Jane Doe',
			signerTitle: 'CISO',
			company: 'Acme Inc',
			textSha256: sha256Hex(nda.text),
			ip: '203.0.113.7',
			userAgent: 'Vitest',
		});
		const mails = await emailsTo('jane@acme.example');
		expect(mails.map((m) => m.template)).toEqual(
			expect.arrayContaining(['nda-receipt', 'access-granted']),
		);
		const receipt = mails.find((m) => m.template === 'nda-receipt')!;
		expect(receipt.attachments[0]).toMatchObject({
			contentType: 'application/pdf',
			filename: expect.stringMatching(/^nda-receipt-\d+\.pdf$/),
		});
		expect(
			Buffer.from(receipt.attachments[0]!.contentBase64, 'base64').subarray(0, 5).toString(),
		).toBe('%PDF-');
		const portal = await getPortal(handle.db, session.requester.id);
		expect(portal.grants[0]).toMatchObject({ downloadCap: 5, downloadsLeft: 5 });
		expect(portal.grants[0]!.documents.map((d) => d.slug).sort()).toEqual([
			'bridge-letter-2026',
			'soc2-type2-2025',
		]);
		expect(portal.grants[0]!.expiresAt.getTime() - Date.now()).toBeGreaterThan(89 * 86_400_000);
		expect(await verifyNdaOnFile(handle.db, session.requester.id)).toBe(true);
	});

	it('keeps NDA evidence append-only: no change, no deletion', async () => {
		const [evidence] = await handle.db.select().from(ndaAcceptancesTable).limit(1);
		for (const change of [
			handle.db
				.update(ndaAcceptancesTable)
				.set({ signerName: 'Someone Else' })
				.where(eq(ndaAcceptancesTable.id, evidence!.id)),
			handle.db.delete(ndaAcceptancesTable).where(eq(ndaAcceptancesTable.id, evidence!.id)),
		]) {
			const error = await change.then(
				() => null,
				(e: Error) => e,
			);
			expect(String((error as { cause?: unknown } | null)?.cause ?? error)).toMatch(
				/nda_acceptances are append-only/,
			);
		}
		const [after] = await handle.db
			.select()
			.from(ndaAcceptancesTable)
			.where(eq(ndaAcceptancesTable.id, evidence!.id));
		expect(after).toEqual(evidence);
	});

	it('does not ask again for the same NDA version, but does for a new one', async () => {
		const { token } = await requestAndVerify('jane@acme.example');
		expect(await validateEmailLink(ctx, token, meta)).toMatchObject({ ok: true, next: 'portal' });
		const [jane] = await handle.db
			.select()
			.from(ndaAcceptancesTable)
			.where(eq(ndaAcceptancesTable.email, 'jane@acme.example'));
		await handle.db.insert(ndaVersionsTable).values({
			version: '9.0',
			effectiveDate: new Date().toISOString().slice(0, 10),
			text: 'New terms.',
			sha256: sha256Hex('New terms.'),
		});
		try {
			expect(await verifyNdaOnFile(handle.db, jane!.requesterId)).toBe(false);
		} finally {
			await handle.db.delete(ndaVersionsTable).where(eq(ndaVersionsTable.version, '9.0'));
		}
	});

	it('refuses an acceptance of text other than the current version', async () => {
		const { token } = await requestAndVerify('two@acme.example');
		const verified = await validateEmailLink(ctx, token, meta);
		const session = (await validateRequesterSessionToken(
			handle.db,
			(verified as { sessionToken: string }).sessionToken,
		))!;
		const result = await createNdaAcceptance(
			ctx,
			session.requester,
			{ ndaVersion: '1.1', textSha256: '0'.repeat(64), signerName: 'Two', signerTitle: 'Analyst' },
			meta,
		);
		expect(result).toEqual({ ok: false, reason: 'nda_changed' });
	});

	it('sends requests with no rule to staff review, and staff approval grants them', async () => {
		const session = await throughNda('bob@globex.example', 'Bob', 'Buyer');
		const [request] = await handle.db
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.requesterId, session.requester.id));
		expect(request?.state).toBe('pending');
		const staffMail = (await emailsTo('staff@kestrel-analytics.example')).find((m) =>
			m.text.includes('bob@globex.example'),
		);
		expect(staffMail?.template).toBe('staff-review');
		expect(staffMail?.text).toContain(`/admin/requests/${request!.id}`);
		expect(staffMail?.text).not.toContain('npx trustroom');
		expect((await emailsTo('bob@globex.example')).map((m) => m.template)).toContain(
			'request-received',
		);
		expect(await approveRequest(ctx, request!.id, { actor: 'cli', grantDays: 30 })).toMatchObject({
			ok: true,
		});
		expect(await approveRequest(ctx, request!.id, { actor: 'cli' })).toEqual({
			ok: false,
			reason: 'not_pending',
			state: 'approved',
		});
		expect((await emailsTo('bob@globex.example')).map((m) => m.template)).toContain(
			'access-granted',
		);
		const portal = await getPortal(handle.db, session.requester.id);
		expect(portal.grants[0]!.expiresAt.getTime() - Date.now()).toBeLessThan(31 * 86_400_000);
	});

	it('declines by rule without telling the requester why', async () => {
		const session = await throughNda('eve@blocked.example', 'Eve', 'x');
		const [request] = await handle.db
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.requesterId, session.requester.id));
		expect(request?.state).toBe('denied');
		expect((await emailsTo('eve@blocked.example')).map((m) => m.template)).not.toContain(
			'access-granted',
		);
		expect(await denyRequest(ctx, request!.id, { actor: 'cli' })).toEqual({
			ok: false,
			reason: 'not_pending',
			state: 'denied',
		});
	});

	it('logs every step in an intact audit chain', async () => {
		const types = (
			await handle.db.select({ type: auditEventsTable.type }).from(auditEventsTable)
		).map((e) => e.type);
		for (const type of [
			'request.created',
			'request.verified',
			'nda.accepted',
			'request.policy',
			'grant.created',
			'request.approved',
			'request.denied',
		]) {
			expect(types).toContain(type);
		}
		expect((await validateAuditChain(handle.db)).ok).toBe(true);
	});

	it('limits requests per email and per IP, counted in the database', async () => {
		const limits = { perIp: 3, perEmail: 2 };
		const results = [];
		for (let i = 0; i < 3; i++)
			results.push(
				await consumeRequestLimits(handle.db, limits, {
					ip: '198.51.100.1',
					email: 'same@x.example',
				}),
			);
		expect(results.map((r) => r.ok)).toEqual([true, true, false]);
		expect(results[2]).toMatchObject({ ok: false, retryAfterSeconds: expect.any(Number) });
		const byIp = [];
		for (let i = 0; i < 4; i++)
			byIp.push(
				await consumeRequestLimits(handle.db, limits, {
					ip: '198.51.100.2',
					email: `u${i}@x.example`,
				}),
			);
		expect(byIp.map((r) => r.ok)).toEqual([true, true, true, false]);
	});
});
