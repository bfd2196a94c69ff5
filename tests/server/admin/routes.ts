/**
 * Every staff page and action, with the permission it needs: the route × role matrix test walks
 * this table, and a check fails when a file under src/pages/admin is missing from it. Add a row
 * for each page (GET) and each action (POST with its `action` field) you build.
 *
 * `path` must be safe to hit as an allowed role: point actions at ids that do not exist (the page
 * answers 404 or a form error) so the matrix changes nothing the other rows rely on.
 */
import type { Permission } from '../../../src/lib/server/auth/permissions.ts';

export interface StaffRoute {
	/** The route pattern, as the file under src/pages names it. */
	route: string;
	method: 'GET' | 'POST';
	path: string;
	permission: Permission;
	fields?: Record<string, string>;
}

/** Routes every visitor may use (sign-in, sign-out, invitations): not in the matrix. */
export const PUBLIC_STAFF_ROUTES = [
	'/admin/login',
	'/admin/login/code',
	'/admin/logout',
	'/admin/invite',
	'/admin/setup',
];

export const STAFF_ROUTES: StaffRoute[] = [
	{ route: '/admin', method: 'GET', path: '/admin', permission: 'dashboard.view' },
	{ route: '/admin/log', method: 'GET', path: '/admin/log', permission: 'log.view' },
	{ route: '/admin/account', method: 'GET', path: '/admin/account', permission: 'account.manage' },
	// Empty or wrong fields: the form errors, nothing changes.
	...['password', 'totp-confirm', 'totp-disable', 'no-such-action'].map((action): StaffRoute => ({
		route: '/admin/account',
		method: 'POST',
		path: '/admin/account',
		permission: 'account.manage',
		fields: { action, current: 'not the password', code: '000000' },
	})),
	// Shows a new TOTP key to confirm; TOTP stays off until a code confirms it.
	{
		route: '/admin/account',
		method: 'POST',
		path: '/admin/account',
		permission: 'account.manage',
		fields: { action: 'totp-start' },
	},
	{ route: '/admin/users', method: 'GET', path: '/admin/users', permission: 'users.manage' },
	// An invitation without an address is refused; the others name a user that does not exist.
	{
		route: '/admin/users',
		method: 'POST',
		path: '/admin/users',
		permission: 'users.manage',
		fields: { action: 'invite', email: '', role: 'sales' },
	},
	...['role', 'disable', 'enable', 'totp-reset'].map((action): StaffRoute => ({
		route: '/admin/users',
		method: 'POST',
		path: '/admin/users',
		permission: 'users.manage',
		fields: { action, userId: '999999', role: 'admin' },
	})),
	// Sets what is already set (optional), so the other rows are not sent to enrol.
	{
		route: '/admin/users',
		method: 'POST',
		path: '/admin/users',
		permission: 'users.manage',
		fields: { action: 'totp-policy', required: 'off' },
	},
	{ route: '/admin/trace', method: 'GET', path: '/admin/trace', permission: 'trace.use' },
	{ route: '/admin/nda', method: 'GET', path: '/admin/nda', permission: 'nda.manage' },
	// An empty form: the admin gets the field errors, nothing is published.
	{ route: '/admin/nda', method: 'POST', path: '/admin/nda', permission: 'nda.manage', fields: {} },
	{ route: '/admin/nda/[id]', method: 'GET', path: '/admin/nda/1', permission: 'nda.manage' },
	{
		route: '/admin/nda/acceptances/[id]',
		method: 'GET',
		path: '/admin/nda/acceptances/999999',
		permission: 'nda.manage',
	},
	{
		route: '/admin/nda/acceptances/[id].pdf',
		method: 'GET',
		path: '/admin/nda/acceptances/999999.pdf',
		permission: 'nda.manage',
	},
	{
		route: '/admin/trace',
		method: 'POST',
		path: '/admin/trace',
		permission: 'trace.use',
		fields: { copyId: 'ZZZZ-ZZZ2' },
	},
	{ route: '/admin/links', method: 'GET', path: '/admin/links', permission: 'links.create' },
	{
		route: '/admin/links/new',
		method: 'GET',
		path: '/admin/links/new',
		permission: 'links.create',
	},
	// An empty form: field errors, no link is made.
	{
		route: '/admin/links/new',
		method: 'POST',
		path: '/admin/links/new',
		permission: 'links.create',
		fields: {},
	},
	{
		route: '/admin/links/[id]',
		method: 'GET',
		path: '/admin/links/999999',
		permission: 'links.create',
	},
	{
		route: '/admin/links/[id]',
		method: 'POST',
		path: '/admin/links/999999',
		permission: 'links.create',
		fields: { action: 'revoke' },
	},
	{
		route: '/admin/log/export.csv',
		method: 'GET',
		path: '/admin/log/export.csv',
		permission: 'log.export',
	},
	{
		route: '/admin/log/export.jsonl',
		method: 'GET',
		path: '/admin/log/export.jsonl',
		permission: 'log.export',
	},
	// The request queue: ids that do not exist, so an allowed role gets a 404 and nothing changes.
	{ route: '/admin/requests', method: 'GET', path: '/admin/requests', permission: 'requests.view' },
	{
		route: '/admin/requests/[id]',
		method: 'GET',
		path: '/admin/requests/999999',
		permission: 'requests.view',
	},
	...(['approve', 'deny', 'claim-confirm', 'claim-reject'] as const).map((action): StaffRoute => ({
		route: '/admin/requests/[id]',
		method: 'POST',
		path: '/admin/requests/999999',
		permission: 'requests.decide',
		fields: { action, documents: 'soc2-type2-2025' },
	})),
	{ route: '/admin/grants', method: 'GET', path: '/admin/grants', permission: 'grants.view' },
	{
		route: '/admin/grants/[id]',
		method: 'GET',
		path: '/admin/grants/999999',
		permission: 'grants.view',
	},
	{
		route: '/admin/grants/[id]',
		method: 'POST',
		path: '/admin/grants/999999',
		permission: 'grants.extend',
		fields: { action: 'extend', downloads: '5' },
	},
	{
		route: '/admin/grants/[id]',
		method: 'POST',
		path: '/admin/grants/999999',
		permission: 'grants.revoke',
		fields: { action: 'revoke' },
	},
	{
		route: '/admin/documents',
		method: 'GET',
		path: '/admin/documents',
		permission: 'documents.manage',
	},
	{
		route: '/admin/documents/[slug]',
		method: 'GET',
		path: '/admin/documents/no-such-document',
		permission: 'documents.manage',
	},
	{
		route: '/admin/documents/[slug]',
		method: 'POST',
		path: '/admin/documents/no-such-document',
		permission: 'documents.manage',
		fields: { action: 'access', level: 'nda' },
	},
	{
		route: '/admin/documents/[slug]',
		method: 'POST',
		path: '/admin/documents/no-such-document',
		permission: 'documents.manage',
		fields: { action: 'supersede', version: '999999' },
	},
	{
		route: '/admin/documents/[slug]/upload',
		method: 'GET',
		path: '/admin/documents/no-such-document/upload',
		permission: 'documents.manage',
	},
	{
		route: '/admin/documents/[slug]/upload',
		method: 'POST',
		path: '/admin/documents/no-such-document/upload',
		permission: 'documents.manage',
		fields: {},
	},
	{ route: '/admin/rules', method: 'GET', path: '/admin/rules', permission: 'rules.manage' },
	{
		route: '/admin/rules',
		method: 'GET',
		path: '/admin/rules?domain=acme.example',
		permission: 'rules.manage',
	},
	// An invalid rule: the admin gets the field error, nothing is added.
	{
		route: '/admin/rules',
		method: 'POST',
		path: '/admin/rules',
		permission: 'rules.manage',
		fields: { domain: 'not a domain', ruleAction: 'approve' },
	},
	{
		route: '/admin/rules/[id]',
		method: 'GET',
		path: '/admin/rules/999999',
		permission: 'rules.manage',
	},
	...(['update', 'delete', 'up', 'down'] as const).map((action): StaffRoute => ({
		route: '/admin/rules/[id]',
		method: 'POST',
		path: '/admin/rules/999999',
		permission: 'rules.manage',
		fields: { action, domain: 'acme.example', ruleAction: 'approve' },
	})),
];
