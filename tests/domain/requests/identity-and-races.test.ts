/**
 * Who a copy is stamped for, and forms submitted twice. The identity is what the address's owner
 * confirmed (the request whose link was used, then the NDA signature), never what someone typed
 * first. Double submits answer as the first did. The races need two connections, so the
 * concurrent cases run on PostgreSQL; on PGlite (one connection) they would pass trivially.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	accessRequestsTable,
	emailsTable,
	grantsTable,
	ndaAcceptancesTable,
	requestersTable,
} from '../../../db/schema.ts';
import { validateRequesterSessionToken } from '../../../src/lib/server/auth/requester-session.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import type { JourneyContext } from '../../../src/lib/server/requests/context.ts';
import {
	createNdaAcceptance,
	getCurrentNdaVersion,
	submitNdaClaimForm,
} from '../../../src/lib/server/requests/nda.ts';
import { createApprovalRule } from '../../../src/lib/server/requests/policy.ts';
import { createAccessRequest } from '../../../src/lib/server/requests/requests.ts';
import { validateEmailLink } from '../../../src/lib/server/requests/verification.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');
const meta = { ip: '203.0.113.8', userAgent: 'Vitest' };
const form = (email: string, name: string, company = 'Acme Inc') => ({
	name,
	email,
	company,
	title: 'Security Analyst',
	reason: '',
	documents: ['soc2-type2-2025'],
});

describe.each(databases())('identity and double submits on %s', (backend) => {
	let handle: DatabaseHandle;
	let ctx: JourneyContext;
	const outbox = mkdtempSync(join(tmpdir(), 'trustroom-identity-'));
	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		ctx = { db: handle.db, config: loadConfig({ OUTBOX_DIR: outbox }), companyName: 'Kestrel' };
		await createApprovalRule(
			handle.db,
			{ domainPattern: 'acme.example', action: 'approve' },
			'test',
		);
	});
	afterAll(async () => {
		await handle.close();
		rmSync(outbox, { recursive: true, force: true });
	});

	const lastLink = async (email: string) => {
		const mails = await handle.db
			.select({ text: emailsTable.text })
			.from(emailsTable)
			.where(eq(emailsTable.to, email))
			.orderBy(asc(emailsTable.id));
		return /token=([A-Za-z0-9_-]{43})/.exec(mails.at(-1)?.text ?? '')?.[1] ?? '';
	};
	const requester = async (email: string) =>
		(await handle.db.select().from(requestersTable).where(eq(requestersTable.email, email)))[0]!;
	const signIn = async (email: string) => {
		const verified = await validateEmailLink(ctx, await lastLink(email), meta);
		if (!verified.ok) throw new Error(verified.reason);
		return (await validateRequesterSessionToken(handle.db, verified.sessionToken))!.requester;
	};

	it('stamps the name and company of the request whose link was confirmed, not an earlier claim', async () => {
		// Someone who cannot read the CEO's mail registers the address first, as somebody else.
		await createAccessRequest(ctx, form('ceo@acme.example', 'Mallory Fake', 'Evil Corp'), meta);
		expect((await requester('ceo@acme.example')).name).toBe('Mallory Fake');
		await createAccessRequest(ctx, form('ceo@acme.example', 'Carol Chief', 'Acme Inc'), meta);
		const signedIn = await signIn('ceo@acme.example');
		expect(signedIn).toMatchObject({ name: 'Carol Chief', company: 'Acme Inc' });
		expect(await requester('ceo@acme.example')).toMatchObject({
			name: 'Carol Chief',
			company: 'Acme Inc',
		});
	});

	it('takes the name and title signed on the NDA as the stamped identity', async () => {
		await createAccessRequest(ctx, form('dan@acme.example', 'dan'), meta);
		const signedIn = await signIn('dan@acme.example');
		const nda = (await getCurrentNdaVersion(handle.db))!;
		const result = await createNdaAcceptance(
			ctx,
			signedIn,
			{
				ndaVersion: nda.version,
				textSha256: nda.sha256,
				signerName: 'Daniel Ortega',
				signerTitle: 'VP Security',
			},
			meta,
		);
		expect(result.ok).toBe(true);
		expect(await requester('dan@acme.example')).toMatchObject({
			name: 'Daniel Ortega',
			title: 'VP Security',
		});
	});

	it('answers a double-submitted request form once: one requester, one request, one email', async () => {
		const results = await Promise.all([
			createAccessRequest(ctx, form('new@acme.example', 'Nina New'), meta),
			createAccessRequest(ctx, form('new@acme.example', 'Nina New'), meta),
		]);
		expect(results[0]!.requestId).toBe(results[1]!.requestId);
		const rows = await handle.db
			.select()
			.from(requestersTable)
			.where(eq(requestersTable.email, 'new@acme.example'));
		expect(rows).toHaveLength(1);
		const mails = await handle.db
			.select()
			.from(emailsTable)
			.where(eq(emailsTable.to, 'new@acme.example'));
		expect(mails).toHaveLength(1);
	});

	it('records one acceptance and one grant for a double-clicked NDA', async () => {
		await createAccessRequest(ctx, form('double@acme.example', 'Dora Double'), meta);
		const signedIn = await signIn('double@acme.example');
		const nda = (await getCurrentNdaVersion(handle.db))!;
		const accept = () =>
			createNdaAcceptance(
				ctx,
				signedIn,
				{
					ndaVersion: nda.version,
					textSha256: nda.sha256,
					signerName: 'Dora Double',
					signerTitle: 'CTO',
				},
				meta,
			);
		const [first, second] = await Promise.all([accept(), accept()]);
		expect(first.ok && second.ok).toBe(true);
		const acceptances = await handle.db
			.select()
			.from(ndaAcceptancesTable)
			.where(eq(ndaAcceptancesTable.requesterId, signedIn.id));
		expect(acceptances).toHaveLength(1);
		const grants = await handle.db
			.select()
			.from(grantsTable)
			.where(eq(grantsTable.requesterId, signedIn.id));
		expect(grants).toHaveLength(1);
		const [request] = await handle.db
			.select({ state: accessRequestsTable.state })
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.requesterId, signedIn.id));
		expect(request?.state).toBe('approved');
	});

	it.each([
		['2025-02-30', 'Signed on must be a real date such as 2025-03-01'],
		['2025-13-01', 'Signed on must be a real date such as 2025-03-01'],
		['next week', 'Signed on must be a real date such as 2025-03-01'],
		['2999-01-01', 'Signed on cannot be in the future'],
	])('refuses an NDA-on-file date of %s as a field error', async (signedOn, message) => {
		await createAccessRequest(
			ctx,
			form(`claim-${signedOn.replace(/\W/g, '')}@other.example`, 'Cleo'),
			meta,
		);
		const signedIn = await signIn(`claim-${signedOn.replace(/\W/g, '')}@other.example`);
		const result = await submitNdaClaimForm(
			ctx,
			signedIn,
			{ reference: 'MSA-2024-07', signedOn },
			meta,
		);
		expect(result).toEqual({ ok: false, reason: 'invalid', errors: { signedOn: message } });
	});
});
