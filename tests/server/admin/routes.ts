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
export const PUBLIC_STAFF_ROUTES = ['/admin/login', '/admin/logout'];

export const STAFF_ROUTES: StaffRoute[] = [
	{ route: '/admin', method: 'GET', path: '/admin', permission: 'dashboard.view' },
	{ route: '/admin/log', method: 'GET', path: '/admin/log', permission: 'log.view' },
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
];
