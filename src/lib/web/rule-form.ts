/** The approval rule form: typed text → the rule's fields, or errors that name the field. */
import { isRealDate } from '../content/dates.ts';
import type { ApprovalRuleInput, RuleField } from '../server/requests/policy.ts';

/** How the rule page names the numbers in messages. */
export const RULE_LABELS = {
	priority: 'Priority',
	grantDays: 'Access days',
	downloadCap: 'Download cap',
};

/** Field names on the page, by the rule's field. */
export const RULE_FORM_FIELDS: Record<RuleField | 'expiresAt', string> = {
	domainPattern: 'domain',
	action: 'ruleAction',
	priority: 'priority',
	grantDays: 'days',
	downloadCap: 'downloads',
	expiresAt: 'expires',
};

export type RuleFormValues = Record<
	'domain' | 'ruleAction' | 'priority' | 'days' | 'downloads' | 'expires',
	string
>;

export function ruleFormValues(form: FormData): RuleFormValues {
	const get = (name: string) =>
		String(form.get(name) ?? '')
			.trim()
			.slice(0, 300);
	return {
		domain: get('domain'),
		ruleAction: get('ruleAction'),
		priority: get('priority'),
		days: get('days'),
		downloads: get('downloads'),
		expires: get('expires'),
	};
}

export function readRuleForm(
	values: RuleFormValues,
): { ok: true; input: ApprovalRuleInput } | { ok: false; errors: Record<string, string> } {
	const errors: Record<string, string> = {};
	const number = (name: 'priority' | 'days' | 'downloads', label: string) => {
		if (!values[name]) return null;
		if (!/^\d{1,6}$/.test(values[name])) {
			errors[name] = `${label} must be a whole number`;
			return null;
		}
		return Number(values[name]);
	};
	const priority = number('priority', RULE_LABELS.priority);
	const grantDays = number('days', RULE_LABELS.grantDays);
	const downloadCap = number('downloads', RULE_LABELS.downloadCap);
	if (values.expires && !isRealDate(values.expires))
		errors.expires = 'The last day must be a date such as 2027-06-30';
	if (Object.keys(errors).length) return { ok: false, errors };
	return {
		ok: true,
		input: {
			domainPattern: values.domain,
			action: values.ruleAction,
			priority: priority ?? undefined,
			grantDays,
			downloadCap,
			expiresAt: values.expires ? new Date(`${values.expires}T23:59:59Z`) : null,
		},
	};
}
