/**
 * Approval policy: which requests are approved at once, which wait for staff, which are declined.
 * Rules match the requester's email domain; the lowest priority number is tried first.
 */
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
import { approvalRulesTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { emailDomain } from '../platform/input.ts';

export type PolicyAction = 'approve' | 'review' | 'deny';

export interface ApprovalRule {
	id: number;
	domainPattern: string;
	action: PolicyAction;
	priority: number;
	grantDays: number | null;
	downloadCap: number | null;
	expiresAt: Date | null;
}

export interface PolicyDecision {
	action: PolicyAction;
	rule: ApprovalRule | null;
	/** Why, in words staff can read in the review email. */
	why: string;
}

/** Consumer mailboxes: anyone can have one, so they never pass without a person looking. */
export const FREE_MAIL_DOMAINS = new Set([
	'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com',
	'ymail.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'pm.me',
	'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com', 'yandex.com', 'yandex.ru', 'mail.ru',
	'zoho.com', 'fastmail.com', 'tutanota.com', 'tuta.io', 'hey.com', 'qq.com', '163.com', '126.com',
]); // prettier-ignore

const PATTERN = /^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** `example.com` matches exactly; `*.example.com` matches its subdomains (not example.com itself). */
export function domainMatches(pattern: string, domain: string): boolean {
	const p = pattern.toLowerCase();
	const d = domain.toLowerCase();
	return p.startsWith('*.') ? d.endsWith(p.slice(1)) && d.length > p.length - 1 : d === p;
}

export function isValidDomainPattern(pattern: string): boolean {
	return PATTERN.test(pattern.toLowerCase());
}

export function getPolicyDecision(
	rules: readonly ApprovalRule[],
	email: string,
	now = new Date(),
): PolicyDecision {
	const domain = emailDomain(email);
	const rule = [...rules]
		.filter((r) => !r.expiresAt || r.expiresAt > now)
		.sort((a, b) => a.priority - b.priority || a.id - b.id)
		.find((r) => domainMatches(r.domainPattern, domain));
	// A free-mail address is never approved by a rule (rules that would are refused when made;
	// this holds for any made before that check).
	if (rule && !(rule.action === 'approve' && FREE_MAIL_DOMAINS.has(domain)))
		return {
			action: rule.action,
			rule,
			why: `rule #${rule.id} (${rule.domainPattern} → ${rule.action})`,
		};
	if (FREE_MAIL_DOMAINS.has(domain)) {
		return {
			action: 'review',
			rule: null,
			why: `${domain} is a free email provider, so a person must check who this is`,
		};
	}
	return { action: 'review', rule: null, why: `no approval rule matches ${domain}` };
}

export async function listApprovalRules(db: Executor, now?: Date): Promise<ApprovalRule[]> {
	const active = now
		? or(isNull(approvalRulesTable.expiresAt), gt(approvalRulesTable.expiresAt, now))
		: undefined;
	return db
		.select({
			id: approvalRulesTable.id,
			domainPattern: approvalRulesTable.domainPattern,
			action: approvalRulesTable.action,
			priority: approvalRulesTable.priority,
			grantDays: approvalRulesTable.grantDays,
			downloadCap: approvalRulesTable.downloadCap,
			expiresAt: approvalRulesTable.expiresAt,
		})
		.from(approvalRulesTable)
		.where(active ? and(active) : undefined)
		.orderBy(asc(approvalRulesTable.priority), asc(approvalRulesTable.id));
}

export interface ApprovalRuleInput {
	domainPattern: string;
	action: string;
	priority?: number;
	grantDays?: number | null;
	downloadCap?: number | null;
	expiresAt?: Date | null;
}

export type RuleField = 'domainPattern' | 'action' | 'priority' | 'grantDays' | 'downloadCap';

export type CreateApprovalRuleResult =
	{ ok: true; rule: ApprovalRule } | { ok: false; error: string; field: RuleField };

/** How the numbers are named where they were typed: CLI flags by default. */
const CLI_LABELS = { priority: '--priority', grantDays: '--days', downloadCap: '--downloads' };

function checkRuleInput(
	input: ApprovalRuleInput,
	labels: Record<'priority' | 'grantDays' | 'downloadCap', string> = CLI_LABELS,
): { error: string; field: RuleField } | null {
	const pattern = normalPattern(input.domainPattern);
	if (pattern === '')
		return {
			field: 'domainPattern',
			error: 'give the domain the rule is for, such as example.com or *.example.com',
		};
	if (!isValidDomainPattern(pattern))
		return {
			field: 'domainPattern',
			error: `"${input.domainPattern}" is not a domain pattern; use example.com or *.example.com`,
		};
	if (!['approve', 'review', 'deny'].includes(input.action))
		return {
			field: 'action',
			error: `the action must be approve, review or deny, not "${input.action}"`,
		};
	// Anyone can get an address there: approving the domain would approve the whole world.
	if (input.action === 'approve' && FREE_MAIL_DOMAINS.has(pattern))
		return {
			field: 'action',
			error: `${pattern} is a free email provider where anyone can get an address, so a rule cannot approve it; choose review or deny`,
		};
	for (const field of ['priority', 'grantDays', 'downloadCap'] as const) {
		const value = input[field];
		const least = field === 'priority' ? 0 : 1;
		if (
			value !== undefined &&
			value !== null &&
			(!Number.isInteger(value) || value < least || value > 100_000)
		)
			return {
				field,
				error: `${labels[field]} must be a whole number from ${least} to 100000`,
			};
	}
	return null;
}

/** The pattern as stored: trimmed, lower case, without the "@" of "@example.com". */
const normalPattern = (pattern: string) => pattern.trim().toLowerCase().replace(/^@/, '');

const ruleValues = (input: ApprovalRuleInput) => ({
	domainPattern: normalPattern(input.domainPattern),
	action: input.action as PolicyAction,
	priority: input.priority ?? 100,
	grantDays: input.grantDays ?? null,
	downloadCap: input.downloadCap ?? null,
	expiresAt: input.expiresAt ?? null,
});

export async function createApprovalRule(
	db: Database,
	input: ApprovalRuleInput,
	actor: string,
	options: {
		labels?: Record<'priority' | 'grantDays' | 'downloadCap', string>;
		createdBy?: number | null;
	} = {},
): Promise<CreateApprovalRuleResult> {
	const refused = checkRuleInput(input, options.labels);
	if (refused) return { ok: false, ...refused };
	const values = ruleValues(input);
	return db.transaction(async (tx) => {
		const [row] = await tx
			.insert(approvalRulesTable)
			.values({ ...values, createdBy: options.createdBy ?? null })
			.returning();
		if (!row) throw new Error('Inserting the rule returned nothing');
		await appendAuditEvent(tx, {
			type: 'rule.created',
			actor,
			subject: `rule:${row.id}`,
			data: { domainPattern: values.domainPattern, action: row.action, priority: row.priority },
		});
		const { createdBy: _c, createdAt: _t, ...rule } = row;
		return { ok: true, rule } as const;
	});
}

export type UpdateApprovalRuleResult =
	CreateApprovalRuleResult | { ok: false; error: 'not_found'; field?: undefined };

/** Replaces a rule's pattern, action, priority and limits; the audit event keeps both versions. */
export async function updateApprovalRule(
	db: Database,
	id: number,
	input: ApprovalRuleInput,
	actor: string,
	labels?: Record<'priority' | 'grantDays' | 'downloadCap', string>,
): Promise<UpdateApprovalRuleResult> {
	const refused = checkRuleInput(input, labels);
	if (refused) return { ok: false, ...refused };
	const values = ruleValues(input);
	return db.transaction(async (tx) => {
		const [before] = await tx
			.select()
			.from(approvalRulesTable)
			.where(eq(approvalRulesTable.id, id))
			.for('update');
		if (!before) return { ok: false, error: 'not_found' } as const;
		const [row] = await tx
			.update(approvalRulesTable)
			.set(values)
			.where(eq(approvalRulesTable.id, id))
			.returning();
		const { createdBy: _c, createdAt: _t, ...rule } = row!;
		const { createdBy: _b, createdAt: _a, ...old } = before;
		await appendAuditEvent(tx, {
			type: 'rule.changed',
			actor,
			subject: `rule:${id}`,
			data: { from: old, to: rule },
		});
		return { ok: true, rule } as const;
	});
}

/**
 * Moves a rule one place up (tried earlier) or down, then numbers every rule 10, 20, 30… in the
 * new order, so equal priorities can no longer leave the order to chance.
 */
export async function moveApprovalRule(
	db: Database,
	id: number,
	direction: 'up' | 'down',
	actor: string,
): Promise<boolean> {
	return db.transaction(async (tx) => {
		// Every rule is locked: two reorders at once apply one after the other.
		const rules = await tx
			.select({ id: approvalRulesTable.id, priority: approvalRulesTable.priority })
			.from(approvalRulesTable)
			.orderBy(asc(approvalRulesTable.priority), asc(approvalRulesTable.id))
			.for('update');
		const at = rules.findIndex((r) => r.id === id);
		if (at < 0) return false;
		const to = direction === 'up' ? at - 1 : at + 1;
		if (to >= 0 && to < rules.length) [rules[at], rules[to]] = [rules[to]!, rules[at]!];
		for (const [index, rule] of rules.entries()) {
			const priority = (index + 1) * 10;
			if (rule.priority !== priority)
				await tx
					.update(approvalRulesTable)
					.set({ priority })
					.where(eq(approvalRulesTable.id, rule.id));
		}
		await appendAuditEvent(tx, {
			type: 'rule.reordered',
			actor,
			subject: `rule:${id}`,
			data: { direction, order: rules.map((r) => r.id) },
		});
		return true;
	});
}

export type DomainTest =
	{ ok: true; domain: string; decision: PolicyDecision } | { ok: false; error: string };

/**
 * Which rule wins for a domain (or an address), today: the same rules and the same function the
 * real decision uses, so the answer cannot differ from what a request would get.
 */
export async function testApprovalDomain(
	db: Executor,
	typed: string,
	now = new Date(),
): Promise<DomainTest> {
	const domain = (typed.includes('@') ? typed.slice(typed.lastIndexOf('@') + 1) : typed)
		.trim()
		.toLowerCase();
	if (!domain || domain.startsWith('*.') || !isValidDomainPattern(domain))
		return {
			ok: false,
			error: `"${typed.slice(0, 100)}" is not a domain; type one such as acme.com`,
		};
	const decision = getPolicyDecision(await listApprovalRules(db, now), `someone@${domain}`, now);
	return { ok: true, domain, decision };
}

export async function deleteApprovalRule(
	db: Database,
	id: number,
	actor: string,
): Promise<boolean> {
	return db.transaction(async (tx) => {
		const removed = await tx
			.delete(approvalRulesTable)
			.where(eq(approvalRulesTable.id, id))
			.returning();
		if (removed.length === 0) return false;
		await appendAuditEvent(tx, {
			type: 'rule.removed',
			actor,
			subject: `rule:${id}`,
			data: { domainPattern: removed[0]!.domainPattern },
		});
		return true;
	});
}
