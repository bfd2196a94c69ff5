/** Share links' rules, called directly on both databases (the race test needs PostgreSQL). */
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	accessRequestsTable,
	requestersTable,
	auditEventsTable,
	emailsTable,
	grantsTable,
	shareLinksTable,
} from '../../../db/schema.ts';
import { validateAuditChain } from '../../../src/lib/server/audit/audit.ts';
import { validateRequesterSessionToken } from '../../../src/lib/server/auth/requester-session.ts';
import { createUser, type User } from '../../../src/lib/server/auth/users.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { getShareLinkActivity } from '../../../src/lib/server/grants/share-link-activity.ts';
import {
	openShareLink,
	submitShareLinkForm,
} from '../../../src/lib/server/grants/share-link-journey.ts';
import {
	createShareLink,
	getShareLinkByToken,
	getShareLinkForStaff,
	listShareLinks,
	newFormKey,
	revokeShareLink,
	useShareLink,
	type ShareLinkFormValues,
} from '../../../src/lib/server/grants/share-links.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import type { JourneyContext } from '../../../src/lib/server/requests/context.ts';
import { createNdaAcceptance, getCurrentNdaVersion } from '../../../src/lib/server/requests/nda.ts';
import { validateEmailLink } from '../../../src/lib/server/requests/verification.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');
// A person's browser opening the page (link-visits.ts): what Chromium sends with a navigation.
const meta = {
	ip: '203.0.113.9',
	userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36',
	fetch: { mode: 'navigate', dest: 'document', purpose: null },
};
/** A mail gateway's link scanner: an HTTP client with no fetch metadata. */
const scanner = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (compatible; MSIE 9.0)' };
const SOC2 = 'soc2-type2-2025';

describe.each(databases())('share links on %s', (backend) => {
	let handle: DatabaseHandle;
	let ctx: JourneyContext;
	const staff: Record<'rep' | 'other' | 'admin', User> = {} as never;

	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		ctx = {
			db: handle.db,
			config: {
				...loadConfig({ SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/hook' }),
				rateLimitPerIp: 10_000,
				rateLimitPerEmail: 10_000,
			},
			companyName: 'Kestrel Analytics',
		};
		for (const [key, role] of [
			['rep', 'sales'],
			['other', 'sales'],
			['admin', 'admin'],
		] as const) {
			const made = await createUser(
				handle.db,
				{ email: `${key}@kestrel.example`, name: `Staff ${key}`, role },
				'test',
			);
			if (!made.ok) throw new Error(made.reason);
			staff[key] = made.user;
		}
	});
	afterAll(async () => handle?.close());

	const form = (over: Partial<ShareLinkFormValues> = {}): ShareLinkFormValues => ({
		recipient: 'buyer@prospect.example',
		documents: [SOC2],
		expiresInDays: '14',
		maxUses: '3',
		ndaOnFile: false,
		ndaReference: '',
		delivery: 'copy',
		...over,
	});
	async function newLink(over: Partial<ShareLinkFormValues> = {}, rep = staff.rep) {
		const made = await createShareLink(ctx, rep, form(over));
		if (!made.ok) throw new Error(JSON.stringify(made));
		return made;
	}
	const linkRow = async (id: number) =>
		(await handle.db.select().from(shareLinksTable).where(eq(shareLinksTable.id, id)))[0]!;
	const emailsTo = (to: string) =>
		handle.db.select().from(emailsTable).where(eq(emailsTable.to, to)).orderBy(asc(emailsTable.id));
	const prospect = (email: string) => ({
		email,
		name: 'Bea Buyer',
		company: 'Prospect',
		title: 'CISO',
	});

	/** The prospect asks for the magic link and follows it; returns the verification's result. */
	async function verifyThrough(token: string, email: string, at = ctx) {
		const sent = await submitShareLinkForm(at, token, prospect(email), meta);
		if (!sent.ok) return { sent, verified: null };
		const mail = (await emailsTo(email)).filter((e) => e.template === 'verify-email').at(-1)!;
		const magic = /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
		return { sent, verified: await validateEmailLink(at, magic, meta) };
	}

	it('stores only the hash of the token, shows it once, and logs the NDA on file', async () => {
		const made = await newLink({ ndaOnFile: true, ndaReference: 'MSA-2025-014' });
		expect(made.token).toMatch(/^[a-z2-7]+\.[a-z2-7]+$/);
		const row = await linkRow(made.id);
		expect(Buffer.from(row.tokenHash).toString('hex')).not.toContain(made.token);
		expect(row.ndaOnFileReference).toBe('MSA-2025-014');
		expect((await getShareLinkByToken(handle.db, made.token))?.id).toBe(made.id);
		const tampered = `${made.token.split('.')[0]}.${'a'.repeat(52)}`;
		expect(await getShareLinkByToken(handle.db, tampered)).toBeNull();
		const [audit] = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.subject, `share-link:${made.id}`));
		expect(audit?.data).toMatchObject({
			ndaOnFile: 'MSA-2025-014',
			recipient: 'buyer@prospect.example',
		});
	});

	it.each<[Partial<ShareLinkFormValues>, string]>([
		[{ recipient: 'not an address' }, 'recipient'],
		[{ documents: ['no-such-doc'] }, 'documents'],
		[{ expiresInDays: '0' }, 'expiresInDays'],
		[{ maxUses: 'lots' }, 'maxUses'],
		[{ ndaOnFile: true, ndaReference: ' ' }, 'ndaReference'],
		[{ recipient: '@prospect.example', delivery: 'email' }, 'delivery'],
		[{ recipient: '@gmail.com' }, 'recipient'],
	])('refuses %j with an error on %s', async (over, field) => {
		const made = await createShareLink(ctx, staff.rep, form(over));
		expect(made.ok).toBe(false);
		if (!made.ok && 'errors' in made) expect(made.errors[field]).toMatch(/\w/);
		else expect.unreachable(JSON.stringify(made));
	});

	it('the same form sent twice, even at once (a reload, a double click), makes one link and one email', async () => {
		const key = newFormKey();
		const sent = form({ recipient: 'twice@prospect.example', delivery: 'email', formKey: key });
		const [a, b] = await Promise.all([
			createShareLink(ctx, staff.rep, sent),
			createShareLink(ctx, staff.rep, sent),
		]);
		const made = [a, b].find((r) => r.ok);
		const again = [a, b].find((r) => !r.ok);
		expect(made?.ok).toBe(true);
		expect(again).toEqual({ ok: false, reason: 'already_created', id: made!.ok && made!.id });
		expect(await createShareLink(ctx, staff.rep, sent)).toEqual(again);
		expect(await emailsTo('twice@prospect.example')).toHaveLength(1);
		const links = await handle.db
			.select()
			.from(shareLinksTable)
			.where(eq(shareLinksTable.boundEmail, 'twice@prospect.example'));
		expect(links).toHaveLength(1);
		// Another form (a new key, or none) is another link; another rep's key is theirs.
		expect((await createShareLink(ctx, staff.rep, { ...sent, formKey: newFormKey() })).ok).toBe(
			true,
		);
		expect((await createShareLink(ctx, staff.other, sent)).ok).toBe(true);
		expect(
			(await createShareLink(ctx, staff.rep, form({ recipient: 'twice@prospect.example' }))).ok,
		).toBe(true);
	});

	it('names every field that is wrong at once, the NDA reference too', async () => {
		const made = await createShareLink(
			ctx,
			staff.rep,
			form({ recipient: 'not an address', maxUses: '0', ndaOnFile: true, ndaReference: '' }),
		);
		expect(made.ok === false && 'errors' in made && Object.keys(made.errors).sort()).toEqual([
			'maxUses',
			'ndaReference',
			'recipient',
		]);
	});

	it('emails the link for the rep, with the rep as reply-to and named in the message', async () => {
		await newLink({ recipient: 'mailme@prospect.example', delivery: 'email' });
		const [mail] = await emailsTo('mailme@prospect.example');
		expect(mail?.template).toBe('share-link-invite');
		expect(mail?.replyTo).toBe('rep@kestrel.example');
		expect(mail?.text).toContain('Staff rep');
		expect(mail?.text).toMatch(/\/share\/[a-z2-7]+\.[a-z2-7]+/);
	});

	it('a bound address verifies, accepts the NDA and gets a grant without review', async () => {
		const made = await newLink();
		const opened = await openShareLink(ctx, made.token, meta);
		expect(opened.ok && opened.view.repName).toBe('Staff rep');
		expect((await linkRow(made.id)).uses).toBe(0);
		const wrong = await submitShareLinkForm(
			ctx,
			made.token,
			prospect('eve@prospect.example'),
			meta,
		);
		expect(wrong).toMatchObject({ ok: false, reason: 'wrong_recipient' });
		const { verified } = await verifyThrough(made.token, 'buyer@prospect.example');
		expect(verified).toMatchObject({ ok: true, next: 'nda' });
		expect((await linkRow(made.id)).uses).toBe(1);
		const session = await validateRequesterSessionToken(
			handle.db,
			(verified as { sessionToken: string }).sessionToken,
		);
		const nda = (await getCurrentNdaVersion(handle.db))!;
		await createNdaAcceptance(
			ctx,
			session!.requester,
			{
				ndaVersion: nda.version,
				textSha256: nda.sha256,
				signerName: 'Bea Buyer',
				signerTitle: 'CISO',
			},
			meta,
		);
		const [request] = await handle.db
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.shareLinkId, made.id));
		expect(request?.state).toBe('approved');
		expect(request?.decidedBy).toBe(staff.rep.id);
		// No staff review email: the rep already decided.
		expect((await emailsTo('admin@kestrel.example')).map((e) => e.template)).not.toContain(
			'staff-review',
		);
		const kinds = (await getShareLinkActivity(handle.db, made.id)).map((e) => e.kind);
		expect(kinds).toEqual(
			expect.arrayContaining(['created', 'opened', 'refused', 'verified', 'nda', 'granted']),
		);
	});

	it('a scanner or unfurler fetching the link is not an open; the form sent counts the first', async () => {
		const made = await newLink({ recipient: 'scanned@prospect.example' });
		const before = (await emailsTo('rep@kestrel.example')).length;
		const unfurl = { ip: '192.0.2.1', userAgent: 'Slackbot-LinkExpanding 1.0', fetch: meta.fetch };
		expect((await openShareLink(ctx, made.token, scanner)).ok).toBe(true);
		expect((await openShareLink(ctx, made.token, unfurl)).ok).toBe(true);
		expect((await linkRow(made.id)).firstOpenedAt).toBeNull();
		expect((await emailsTo('rep@kestrel.example')).length).toBe(before);
		let activity = await getShareLinkActivity(handle.db, made.id);
		expect(activity.filter((e) => e.kind === 'previewed').map((e) => e.text)).toEqual([
			expect.stringContaining('by something other than a browser opening the page'),
			expect.stringContaining('for a link preview or by a link scanner (Slackbot-LinkExpanding'),
		]);
		// An older browser without fetch metadata: its visit did not count, its form does.
		const sent = await submitShareLinkForm(
			ctx,
			made.token,
			prospect('scanned@prospect.example'),
			scanner,
		);
		expect(sent.ok).toBe(true);
		expect((await linkRow(made.id)).firstOpenedAt).not.toBeNull();
		await submitShareLinkForm(ctx, made.token, prospect('scanned@prospect.example'), scanner);
		await openShareLink(ctx, made.token, meta);
		const repMails = (await emailsTo('rep@kestrel.example')).slice(before);
		expect(repMails.map((e) => e.subject)).toEqual([
			'Your share link for scanned@prospect.example was opened',
		]);
		activity = await getShareLinkActivity(handle.db, made.id);
		expect(activity.filter((e) => e.kind === 'opened').map((e) => e.text)).toEqual([
			expect.stringContaining(
				'Opened (first time) from 198.51.100.7 (counted when its form was sent)',
			),
			'Opened from 203.0.113.9',
		]);
	});

	it('the same person confirming twice through a link (its older email opened late) is one use, one grant, their newer name', async () => {
		const made = await newLink({
			recipient: 'twice-confirmed@prospect.example',
			ndaOnFile: true,
			ndaReference: 'MSA-7',
		});
		const email = 'twice-confirmed@prospect.example';
		const magicLinks = async () =>
			(await emailsTo(email))
				.filter((e) => e.template === 'verify-email')
				.map((e) => /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(e.text)![1]!);
		await submitShareLinkForm(ctx, made.token, { ...prospect(email), name: 'Pat Typo' }, meta);
		await submitShareLinkForm(ctx, made.token, { ...prospect(email), name: 'Pat Prospect' }, meta);
		const [older, newer] = await magicLinks();
		expect(await validateEmailLink(ctx, newer!, meta)).toMatchObject({ ok: true, next: 'portal' });
		expect(await validateEmailLink(ctx, older!, meta)).toMatchObject({ ok: true, next: 'portal' });
		expect((await linkRow(made.id)).uses).toBe(1);
		const requests = await handle.db
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.shareLinkId, made.id))
			.orderBy(asc(accessRequestsTable.id));
		expect(requests.map((r) => r.state)).toEqual(['expired', 'approved']);
		expect(requests[0]!.decisionNote).toBe(
			`the same address already confirmed through this share link (request #${requests[1]!.id})`,
		);
		const grants = await handle.db
			.select()
			.from(grantsTable)
			.where(eq(grantsTable.requesterId, requests[0]!.requesterId));
		expect(grants).toHaveLength(1);
		// Copies are stamped with the name from the newer form, not the one typed first.
		const [who] = await handle.db
			.select()
			.from(requestersTable)
			.where(eq(requestersTable.id, requests[0]!.requesterId));
		expect(who?.name).toBe('Pat Prospect');
		const activity = await getShareLinkActivity(handle.db, made.id);
		expect(activity.map((e) => e.kind)).not.toContain('refused');
		expect(activity.map((e) => e.text)).toContain(
			`${email} confirmed again (an older email of theirs): not another use`,
		);
	});

	it('shows a prospect viewing the page again and again as one row, every view still logged', async () => {
		const made = await newLink({ recipient: 'reloads@prospect.example' });
		for (let i = 0; i < 4; i++) await openShareLink(ctx, made.token, meta);
		await openShareLink(ctx, made.token, { ...meta, ip: '192.0.2.44' });
		const opened = (await getShareLinkActivity(handle.db, made.id)).filter(
			(e) => e.kind === 'opened',
		);
		expect(opened.map((e) => e.text)).toEqual([
			'Opened (first time) from 203.0.113.9',
			expect.stringMatching(/^Opened again from 203\.0\.113\.9, 3 times \(last .+\)$/),
			'Opened from 192.0.2.44',
		]);
		const logged = await handle.db
			.select()
			.from(auditEventsTable)
			.where(eq(auditEventsTable.subject, `share-link:${made.id}`));
		expect(logged.filter((e) => e.type === 'share_link.opened')).toHaveLength(5);
	});

	it('emails the rep and tells Slack on the first open only', async () => {
		const made = await newLink({ recipient: '@firstopen.example' });
		const before = (await emailsTo('rep@kestrel.example')).length;
		await openShareLink(ctx, made.token, meta);
		await openShareLink(ctx, made.token, meta);
		const repMails = (await emailsTo('rep@kestrel.example')).slice(before);
		expect(repMails.map((e) => e.subject)).toEqual([
			'Your share link for anyone at @firstopen.example was opened',
		]);
		const slack = await handle.db
			.select()
			.from(emailsTable)
			.where(
				and(eq(emailsTable.channel, 'slack'), eq(emailsTable.template, 'slack:share-link-opened')),
			);
		expect(slack.some((m) => m.text.includes('@firstopen.example'))).toBe(true);
		expect((await linkRow(made.id)).firstOpenedAt).not.toBeNull();
	});

	it('a domain link admits anyone there and refuses other domains, consuming nothing', async () => {
		const made = await newLink({ recipient: '@prospect.example' });
		const refused = await submitShareLinkForm(
			ctx,
			made.token,
			prospect('anyone@other.example'),
			meta,
		);
		expect(refused).toMatchObject({ ok: false, reason: 'wrong_recipient' });
		expect((await linkRow(made.id)).uses).toBe(0);
		const { verified } = await verifyThrough(made.token, 'anyone@prospect.example');
		expect(verified?.ok).toBe(true);
		expect((await linkRow(made.id)).uses).toBe(1);
	});

	it('an expired link is refused on open and on the form, consuming nothing', async () => {
		const made = await newLink({ expiresInDays: '1' });
		const later = { ...ctx, now: new Date(Date.now() + 2 * 86_400_000) };
		expect(await openShareLink(later, made.token, meta)).toEqual({ ok: false, reason: 'expired' });
		expect(
			await submitShareLinkForm(later, made.token, prospect('buyer@prospect.example'), meta),
		).toEqual({ ok: false, reason: 'expired' });
		expect((await linkRow(made.id)).uses).toBe(0);
	});

	it('a used-up link is refused, and a use verified after the cap grants nothing', async () => {
		const made = await newLink({ recipient: '@cap.example', maxUses: '1' });
		// Two prospects ask before either confirms: both get a magic link, only one use exists.
		expect((await submitShareLinkForm(ctx, made.token, prospect('two@cap.example'), meta)).ok).toBe(
			true,
		);
		const first = await verifyThrough(made.token, 'one@cap.example');
		expect(first.verified?.ok).toBe(true);
		const late = (await emailsTo('two@cap.example')).filter(
			(e) => e.template === 'verify-email',
		)[0]!;
		const magic = /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(late.text)![1]!;
		expect(await validateEmailLink(ctx, magic, meta)).toMatchObject({ ok: true, next: 'portal' });
		const [lateRequest] = await handle.db
			.select()
			.from(accessRequestsTable)
			.where(
				and(eq(accessRequestsTable.shareLinkId, made.id), eq(accessRequestsTable.state, 'expired')),
			);
		expect(lateRequest?.grantId).toBeNull();
		expect(await openShareLink(ctx, made.token, meta)).toEqual({ ok: false, reason: 'used_up' });
		expect(await submitShareLinkForm(ctx, made.token, prospect('three@cap.example'), meta)).toEqual(
			{
				ok: false,
				reason: 'used_up',
			},
		);
		expect((await linkRow(made.id)).uses).toBe(1);
	});

	it('an NDA on file skips the click-through and grants at verification', async () => {
		const made = await newLink({
			recipient: 'onfile@prospect.example',
			ndaOnFile: true,
			ndaReference: 'MSA-7',
		});
		const { verified } = await verifyThrough(made.token, 'onfile@prospect.example');
		expect(verified).toMatchObject({ ok: true, next: 'portal' });
		const [request] = await handle.db
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.shareLinkId, made.id));
		expect(request?.state).toBe('approved');
		expect(request?.grantId).not.toBeNull();
	});

	it("another rep's link is neither listed, shown nor revocable; an admin's are all", async () => {
		const made = await newLink({ recipient: 'private@prospect.example' });
		expect(await getShareLinkForStaff(handle.db, staff.other, made.id)).toBeNull();
		expect((await listShareLinks(handle.db, staff.other)).map((l) => l.id)).not.toContain(made.id);
		expect(await revokeShareLink(handle.db, staff.other, made.id)).toEqual({
			ok: false,
			reason: 'not_found',
		});
		expect((await getShareLinkForStaff(handle.db, staff.admin, made.id))?.id).toBe(made.id);
		expect((await listShareLinks(handle.db, staff.admin)).map((l) => l.id)).toContain(made.id);
		expect((await linkRow(made.id)).revokedAt).toBeNull();
	});

	it('revoking stops the link at once and ends the grants made through it', async () => {
		const made = await newLink({
			recipient: 'revoked@prospect.example',
			ndaOnFile: true,
			ndaReference: 'MSA-9',
		});
		await verifyThrough(made.token, 'revoked@prospect.example');
		const [request] = await handle.db
			.select()
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.shareLinkId, made.id));
		expect(await revokeShareLink(handle.db, staff.admin, made.id)).toEqual({
			ok: true,
			grantsEnded: 1,
		});
		const [grant] = await handle.db
			.select()
			.from(grantsTable)
			.where(eq(grantsTable.id, request!.grantId!));
		expect(grant?.revokedAt).not.toBeNull();
		expect(await openShareLink(ctx, made.token, meta)).toEqual({ ok: false, reason: 'revoked' });
		expect(await revokeShareLink(handle.db, staff.admin, made.id)).toEqual({
			ok: false,
			reason: 'already_revoked',
		});
		expect((await validateAuditChain(handle.db)).ok).toBe(true);
	});

	it.runIf(backend.name === 'postgres')(
		'parallel verified uses never count past the cap',
		async () => {
			const made = await newLink({ recipient: '@race.example', maxUses: '3' });
			const attempts = await Promise.all(
				Array.from({ length: 12 }, () =>
					handle.db.transaction(async (tx) => {
						const used = await useShareLink(tx, made.id, new Date());
						// Hold the transaction open, so the attempts overlap.
						await tx.execute(sql`select pg_sleep(0.05)`);
						return used.ok;
					}),
				),
			);
			expect(attempts.filter(Boolean)).toHaveLength(3);
			expect((await linkRow(made.id)).uses).toBe(3);
		},
	);
});
