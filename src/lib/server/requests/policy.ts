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
	if (rule)
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

export type CreateApprovalRuleResult =
	{ ok: true; rule: ApprovalRule } | { ok: false; error: string };

export async function createApprovalRule(
	db: Database,
	input: {
		domainPattern: string;
		action: string;
		priority?: number;
		grantDays?: number | null;
		downloadCap?: number | null;
		expiresAt?: Date | null;
	},
	actor: string,
): Promise<CreateApprovalRuleResult> {
	const domainPattern = input.domainPattern.trim().toLowerCase();
	if (!isValidDomainPattern(domainPattern)) {
		return {
			ok: false,
			error: `"${input.domainPattern}" is not a domain pattern; use example.com or *.example.com`,
		};
	}
	if (!['approve', 'review', 'deny'].includes(input.action)) {
		return {
			ok: false,
			error: `the action must be approve, review or deny, not "${input.action}"`,
		};
	}
	for (const [name, value] of [
		['priority', input.priority],
		['days', input.grantDays],
		['downloads', input.downloadCap],
	] as const) {
		if (
			value !== undefined &&
			value !== null &&
			(!Number.isInteger(value) || value < (name === 'priority' ? 0 : 1) || value > 100_000)
		) {
			return {
				ok: false,
				error: `--${name} must be a whole number${name === 'priority' ? '' : ' of at least 1'}`,
			};
		}
	}
	return db.transaction(async (tx) => {
		const [row] = await tx
			.insert(approvalRulesTable)
			.values({
				domainPattern,
				action: input.action as PolicyAction,
				priority: input.priority ?? 100,
				grantDays: input.grantDays ?? null,
				downloadCap: input.downloadCap ?? null,
				expiresAt: input.expiresAt ?? null,
			})
			.returning();
		if (!row) throw new Error('Inserting the rule returned nothing');
		await appendAuditEvent(tx, {
			type: 'rule.created',
			actor,
			subject: `rule:${row.id}`,
			data: { domainPattern, action: row.action, priority: row.priority },
		});
		const { createdBy: _c, createdAt: _t, ...rule } = row;
		return { ok: true, rule } as const;
	});
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
