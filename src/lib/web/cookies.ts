/** The two session cookies (staff and requester): one shape, set and deleted in one place. */
import type { AstroCookies } from 'astro';
import { SESSION_ABSOLUTE_TIMEOUT_MS } from '../server/auth/auth-session.ts';
import { REQUESTER_SESSION_TTL_MS } from '../server/auth/requester-session.ts';
import { isSecure } from './context.ts';

export interface SessionCookie {
	get(cookies: AstroCookies): string | undefined;
	set(cookies: AstroCookies, token: string): void;
	delete(cookies: AstroCookies): void;
}

function sessionCookie(baseName: string, maxAgeMs: number): SessionCookie {
	// `__Host-` binds the cookie to this origin over HTTPS; plain HTTP (local use) cannot carry it.
	const name = () => (isSecure() ? `__Host-${baseName}` : baseName);
	const options = () => ({
		httpOnly: true, // never readable by page scripts
		sameSite: 'lax' as const, // not sent on cross-site POSTs
		secure: isSecure(),
		path: '/',
	});
	return {
		get: (cookies) => cookies.get(name())?.value,
		set: (cookies, token) => cookies.set(name(), token, { ...options(), maxAge: maxAgeMs / 1000 }),
		delete: (cookies) => cookies.delete(name(), options()),
	};
}

export const staffSessionCookie = sessionCookie('trustroom_staff', SESSION_ABSOLUTE_TIMEOUT_MS);
export const requesterSessionCookie = sessionCookie(
	'trustroom_requester',
	REQUESTER_SESSION_TTL_MS,
);
