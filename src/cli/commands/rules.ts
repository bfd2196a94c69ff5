/** `trustroom rules list|add|remove`: the approval rules. */
import {
	createApprovalRule,
	deleteApprovalRule,
	listApprovalRules,
} from '../../lib/server/requests/policy.ts';
import {
	type Command,
	optionalCount,
	requestId,
	required,
	UsageError,
	withDatabase,
} from '../command.ts';

import { isRealDate } from '../../lib/content/dates.ts';
export const commands: Record<string, Command> = {
	'rules list': {
		usage: 'trustroom rules list',
		options: {},
		run: () =>
			withDatabase(async (handle) => {
				const rules = await listApprovalRules(handle.db);
				if (rules.length === 0)
					console.log('No approval rules: every request waits for staff review.');
				for (const r of rules) {
					const extras = [
						r.grantDays ? `${r.grantDays} days` : null,
						r.downloadCap ? `${r.downloadCap} downloads` : null,
						r.expiresAt ? `until ${r.expiresAt.toISOString().slice(0, 10)}` : null,
					].filter(Boolean);
					console.log(
						`#${r.id} priority ${r.priority}: ${r.domainPattern} → ${r.action}${extras.length ? ` (${extras.join(', ')})` : ''}`,
					);
				}
			}),
	},
	'rules add': {
		usage:
			'trustroom rules add --domain <example.com|*.example.com> --action approve|review|deny [--priority N] [--days N] [--downloads N] [--expires YYYY-MM-DD]',
		options: {
			domain: { type: 'string' },
			action: { type: 'string' },
			priority: { type: 'string' },
			days: { type: 'string' },
			downloads: { type: 'string' },
			expires: { type: 'string' },
		},
		run: (values) =>
			withDatabase(async (handle) => {
				const expires = values.expires as string | undefined;
				if (expires && !isRealDate(expires)) {
					throw new UsageError('--expires must be a date such as 2027-06-30');
				}
				const result = await createApprovalRule(
					handle.db,
					{
						domainPattern: required(values, 'domain', 'example.com or *.example.com'),
						action: required(values, 'action', 'approve, review or deny'),
						priority: optionalCount(values, 'priority', 0) ?? undefined,
						grantDays: optionalCount(values, 'days'),
						downloadCap: optionalCount(values, 'downloads'),
						expiresAt: expires ? new Date(`${expires}T23:59:59Z`) : null,
					},
					'cli',
				);
				if (!result.ok) throw new Error(result.error);
				console.log(
					`Added rule #${result.rule.id}: ${result.rule.domainPattern} → ${result.rule.action} (priority ${result.rule.priority}).`,
				);
			}),
	},
	'rules remove': {
		usage: 'trustroom rules remove <id>',
		options: {},
		positionals: ['the rule id (see trustroom rules list)'],
		run: (_values, [id]) =>
			withDatabase(async (handle) => {
				if (!(await deleteApprovalRule(handle.db, requestId(id), 'cli')))
					throw new Error(`no rule #${id}`);
				console.log(`Removed rule #${id}.`);
			}),
	},
};
