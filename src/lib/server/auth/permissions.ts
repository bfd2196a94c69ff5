/**
 * What each staff role may do: the one table every staff page and action consults, where the
 * resource is used (never by matching paths in middleware).
 */
import type { Role, User } from './users.ts';

const BOTH = ['admin', 'sales'] as const satisfies readonly Role[];
const ADMIN = ['admin'] as const satisfies readonly Role[];

export const PERMISSIONS = {
	/** One's own account: password, two-step sign-in, sign-out everywhere. */
	'account.manage': BOTH,
	/** The overview: requests waiting, downloads, report freshness. */
	'dashboard.view': BOTH,
	'requests.view': BOTH,
	/** Approve or deny a request, confirm or reject an NDA-on-file claim. */
	'requests.decide': BOTH,
	'grants.view': BOTH,
	'grants.extend': BOTH,
	/** Ending someone's access is an admin's call. */
	'grants.revoke': ADMIN,
	'log.view': BOTH,
	'log.export': ADMIN,
	'documents.manage': ADMIN,
	'nda.manage': ADMIN,
	'rules.manage': ADMIN,
	'users.manage': ADMIN,
	'trace.use': ADMIN,
	'settings.manage': ADMIN,
	/** A rep's own share links; admins see and revoke everyone's. */
	'links.create': BOTH,
	'links.manageAll': ADMIN,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(user: Pick<User, 'role'> | null, permission: Permission): boolean {
	return user !== null && (PERMISSIONS[permission] as readonly Role[]).includes(user.role);
}
