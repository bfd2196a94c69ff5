/**
 * Approval rules as admins edit them, on both databases: change, reorder, delete, and the domain
 * tester, which must say what the real decision on a request says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { accessRequestsTable, approvalRulesTable, requestersTable } from '../../../db/schema.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { loadConfig } from '../../../src/lib/server/platform/config.ts';
import { applyApprovalPolicy } from '../../../src/lib/server/requests/decisions.ts';
import {
	createApprovalRule,
	deleteApprovalRule,
	listApprovalRules,
	moveApprovalRule,
	testApprovalDomain,
	updateApprovalRule,
} from '../../../src/lib/server/requests/policy.ts';
import { readRuleForm } from '../../../src/lib/web/rule-form.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');

describe('the rule form', () => {
	const values = { domain: 'acme.com', ruleAction: 'approve', priority: '', days: '', downloads: '', expires: '' };
	it('reads empty numbers as defaults and a last day as its end', () => {
		expect(readRuleForm({ ...values, days: '30', expires: '2027-01-31' })).toEqual({
			ok: true,
			input: {
				domainPattern: 'acme.com',
				action: 'approve',
				priority: undefined,
				grantDays: 30,
				downloadCap: null,
				expiresAt: new Date('2027-01-31T23:59:59Z'),
			},
		});
	});
	it('names the field that is not a number or a date', () => {
		expect(readRuleForm({ ...values, priority: 'high', expires: 'soon' })).toEqual({
			ok: false,
			errors: { priority: 'Priority must be a whole number', expires: 'The last day must be a date such as 2027-06-30' },
		});
	});
}); // prettier-ignore

describe.each(databases())('approval rules on %s', (backend) => {
	let handle: DatabaseHandle;
	const outbox = mkdtempSync(join(tmpdir(), 'trustroom-rules-'));
	const order = async () => (await listApprovalRules(handle.db)).map((r) => r.domainPattern);
	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
	});
	afterAll(async () => {
		await handle.close();
		rmSync(outbox, { recursive: true, force: true });
	});

	it('edits a rule, refusing a bad pattern with the field named', async () => {
		const added = await createApprovalRule(handle.db, { domainPattern: 'acme.com', action: 'review' }, 'user:1');
		if (!added.ok) throw new Error(added.error);
		expect(
			await updateApprovalRule(handle.db, added.rule.id, { domainPattern: 'acme', action: 'approve' }, 'user:1'),
		).toEqual({
			ok: false,
			field: 'domainPattern',
			error: '"acme" is not a domain pattern; use example.com or *.example.com',
		});
		const changed = await updateApprovalRule(
			handle.db,
			added.rule.id,
			{ domainPattern: '*.Acme.com', action: 'approve', priority: 5, grantDays: 30, downloadCap: 3 },
			'user:1',
		);
		expect(changed).toMatchObject({
			ok: true,
			rule: { domainPattern: '*.acme.com', action: 'approve', priority: 5, grantDays: 30, downloadCap: 3 },
		});
		expect(
			await updateApprovalRule(handle.db, 999_999, { domainPattern: 'x.com', action: 'deny' }, 'user:1'),
		).toEqual({ ok: false, error: 'not_found' });
	}); // prettier-ignore

	it('moves rules up and down and numbers them 10, 20, 30', async () => {
		await createApprovalRule(handle.db, { domainPattern: 'beta.com', action: 'deny', priority: 5 }, 'user:1');
		await createApprovalRule(handle.db, { domainPattern: 'gamma.com', action: 'approve', priority: 50 }, 'user:1');
		// Equal priorities (5, 5): the lower id first.
		expect(await order()).toEqual(['*.acme.com', 'beta.com', 'gamma.com']);
		const gamma = (await listApprovalRules(handle.db)).find((r) => r.domainPattern === 'gamma.com')!;
		expect(await moveApprovalRule(handle.db, gamma.id, 'up', 'user:1')).toBe(true);
		expect(await order()).toEqual(['*.acme.com', 'gamma.com', 'beta.com']);
		expect((await listApprovalRules(handle.db)).map((r) => r.priority)).toEqual([10, 20, 30]);
		expect(await moveApprovalRule(handle.db, gamma.id, 'up', 'user:1')).toBe(true);
		expect(await moveApprovalRule(handle.db, gamma.id, 'up', 'user:1')).toBe(true);
		expect(await order()).toEqual(['gamma.com', '*.acme.com', 'beta.com']);
		expect(await moveApprovalRule(handle.db, 999_999, 'down', 'user:1')).toBe(false);
	}); // prettier-ignore

	it.each([
		['eu.acme.com', 'approve', '*.acme.com'],
		['jane@EU.acme.com', 'approve', '*.acme.com'],
		['acme.com', 'review', null],
		['beta.com', 'deny', 'beta.com'],
		['gmail.com', 'review', null],
	])('says which rule wins for %s: %s', async (typed, action, pattern) => {
		const tested = await testApprovalDomain(handle.db, typed);
		expect(tested).toMatchObject({ ok: true, decision: { action } });
		expect(tested.ok && (tested.decision.rule?.domainPattern ?? null)).toBe(pattern);
	});

	it('never approves free mail by a rule; takes "@acme.com"; says what to type', async () => {
		expect(await createApprovalRule(handle.db, { domainPattern: 'Gmail.com', action: 'approve' }, 'user:1')).toEqual({
			ok: false,
			field: 'action',
			error: 'gmail.com is a free email provider where anyone can get an address, so a rule cannot approve it; choose review or deny',
		});
		const deny = await createApprovalRule(handle.db, { domainPattern: 'yahoo.com', action: 'deny' }, 'user:1');
		expect(deny.ok).toBe(true);
		const at = await createApprovalRule(handle.db, { domainPattern: ' @Delta.example ', action: 'review' }, 'user:1');
		expect(at).toMatchObject({ ok: true, rule: { domainPattern: 'delta.example' } });
		expect(await createApprovalRule(handle.db, { domainPattern: '  ', action: 'review' }, 'user:1')).toEqual({
			ok: false,
			field: 'domainPattern',
			error: 'give the domain the rule is for, such as example.com or *.example.com',
		});
		expect(await createApprovalRule(handle.db, { domainPattern: 'x.example', action: 'review', priority: -5 }, 'user:1')).toEqual({
			ok: false,
			field: 'priority',
			error: '--priority must be a whole number from 0 to 100000',
		});
		// A rule made before this check still approves no free-mail address.
		await handle.db.insert(approvalRulesTable).values({ domainPattern: 'outlook.com', action: 'approve', priority: 0 });
		expect(await testApprovalDomain(handle.db, 'outlook.com')).toMatchObject({
			decision: { action: 'review', rule: null, why: 'outlook.com is a free email provider, so a person must check who this is' },
		});
	}); // prettier-ignore

	it('says why a domain goes to review: free mail, or no rule', async () => {
		expect(await testApprovalDomain(handle.db, 'gmail.com')).toMatchObject({
			decision: { why: 'gmail.com is a free email provider, so a person must check who this is' },
		});
		expect(await testApprovalDomain(handle.db, 'initech.example')).toMatchObject({
			decision: { why: 'no approval rule matches initech.example' },
		});
		expect(await testApprovalDomain(handle.db, 'not a domain')).toEqual({
			ok: false,
			error: '"not a domain" is not a domain; type one such as acme.com',
		});
	});

	it('agrees with the decision a real request gets', async () => {
		const ctx = { db: handle.db, config: loadConfig({ OUTBOX_DIR: outbox }), companyName: 'Kestrel' };
		for (const email of ['ann@eu.acme.com', 'bob@beta.com', 'cy@acme.com', 'di@gmail.com']) {
			const [requester] = await handle.db
				.insert(requestersTable)
				.values({ email, name: 'N', company: 'C' })
				.returning();
			const [request] = await handle.db
				.insert(accessRequestsTable)
				.values({ requesterId: requester!.id, state: 'nda_accepted', documentSlugs: ['soc2-type2-2025'] })
				.returning();
			const real = await handle.db.transaction((tx) =>
				applyApprovalPolicy(tx, ctx, request!.id, new Date()),
			);
			const tested = await testApprovalDomain(handle.db, email);
			expect(tested.ok && tested.decision).toEqual(real);
		}
	}); // prettier-ignore

	it('deletes a rule, after which its domain falls through', async () => {
		const beta = (await listApprovalRules(handle.db)).find((r) => r.domainPattern === 'beta.com')!;
		expect(await deleteApprovalRule(handle.db, beta.id, 'user:1')).toBe(true);
		expect(await testApprovalDomain(handle.db, 'beta.com')).toMatchObject({ decision: { action: 'review' } });
		expect(await handle.db.select().from(approvalRulesTable).where(eq(approvalRulesTable.id, beta.id))).toEqual([]);
	}); // prettier-ignore
});
