/** The session cookies (staff, staff second step, requester): one shape, set and deleted in one place. */
import type { AstroCookies } from 'astro';
import { REQUESTER_SESSION_TTL_MS } from '../server/auth/requester-session.ts';
import { SIGN_IN_CHALLENGE_TTL_MS } from '../server/auth/sign-in-challenge.ts';
import { getConfig } from '../server/platform/config.ts';
import { isSecure } from './context.ts';

export interface SessionCookie {
	get(cookies: AstroCookies): string | undefined;
	set(cookies: AstroCookies, token: string): void;
	delete(cookies: AstroCookies): void;
}

function sessionCookie(baseName: string, maxAgeMs: () => number): SessionCookie {
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
		set: (cookies, token) =>
			cookies.set(name(), token, { ...options(), maxAge: Math.floor(maxAgeMs() / 1000) }),
		delete: (cookies) => cookies.delete(name(), options()),
	};
}

// The browser may drop the cookie when the session can no longer be valid (STAFF_SESSION_MAX_HOURS).
export const staffSessionCookie = sessionCookie(
	'trustroom_staff',
	() => getConfig().staffSessionMaxMs,
);
/** The second sign-in step (password right, TOTP code still to come): not a session. */
export const signInChallengeCookie = sessionCookie(
	'trustroom_staff_step',
	() => SIGN_IN_CHALLENGE_TTL_MS,
);
export const requesterSessionCookie = sessionCookie(
	'trustroom_requester',
	() => REQUESTER_SESSION_TTL_MS,
);
