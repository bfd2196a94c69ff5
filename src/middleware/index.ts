import { defineMiddleware } from 'astro:middleware';
import {
	sessionCookieName,
	setSessionCookie,
	validateSessionToken,
	deleteSessionCookie,
} from '../lib/server/auth/auth-session.ts';
import { getConfig } from '../lib/server/platform/config.ts';
import { getDatabase } from '../lib/server/platform/database.ts';
import { securityHeaders } from '../lib/server/platform/http-headers.ts';
import {
	deleteRequesterSessionCookie,
	requesterCookieName,
	validateRequesterSessionToken,
} from '../lib/server/auth/requester-session.ts';

let headers: Record<string, string> | undefined;

/**
 * Works out who the staff member is (pages decide what they may do) and adds security headers to
 * on-demand responses. Static files get their headers from the start script's server.
 */
export const onRequest = defineMiddleware(async (context, next) => {
	context.locals.user = null;
	context.locals.session = null;
	context.locals.requester = null;
	context.locals.requesterSessionId = null;
	if (context.isPrerendered) return next();

	const config = getConfig();
	const secure = config.siteUrl.startsWith('https:');
	const token = context.cookies.get(sessionCookieName(secure))?.value;
	if (token) {
		const result = await validateSessionToken(await getDatabase(), token);
		if (result.session) {
			context.locals.user = result.user;
			context.locals.session = result.session;
		} else {
			deleteSessionCookie(context.cookies, secure);
		}
	}

	const requesterToken = context.cookies.get(requesterCookieName(secure))?.value;
	if (requesterToken) {
		const result = await validateRequesterSessionToken(await getDatabase(), requesterToken);
		if (result) {
			context.locals.requester = result.requester;
			context.locals.requesterSessionId = result.sessionId;
		} else {
			deleteRequesterSessionCookie(context.cookies, secure);
		}
	}

	const response = await next();
	headers ??= securityHeaders(config.siteUrl);
	for (const [name, value] of Object.entries(headers)) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	// Pages that know who is asking must never be cached by a shared cache.
	if ((context.locals.user || context.locals.requester) && !response.headers.has('Cache-Control'))
		response.headers.set('Cache-Control', 'private, no-store');
	return response;
});
