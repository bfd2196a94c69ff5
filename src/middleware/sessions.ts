import { defineMiddleware } from 'astro:middleware';
import {
	deleteSessionCookie,
	sessionCookieName,
	validateSessionToken,
} from '../lib/server/auth-session.ts';
import { getConfig } from '../lib/server/config.ts';
import { getDatabase } from '../lib/server/database.ts';
import {
	deleteRequesterSessionCookie,
	requesterCookieName,
	validateRequesterSessionToken,
} from '../lib/server/requester-session.ts';

/** Works out who the staff member and the requester are (pages decide what they may do). */
export const sessions = defineMiddleware(async (context, next) => {
	context.locals.user = null;
	context.locals.session = null;
	context.locals.requester = null;
	context.locals.requesterSessionId = null;
	if (context.isPrerendered) return next();

	const secure = getConfig().siteUrl.startsWith('https:');
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
	return next();
});
