/** Who is asking: the staff member and the requester, each from their own session cookie. */
import { defineMiddleware } from 'astro:middleware';
import { validateSessionToken } from '../lib/server/auth/auth-session.ts';
import { validateRequesterSessionToken } from '../lib/server/auth/requester-session.ts';
import { getTotpRequired } from '../lib/server/auth/totp.ts';
import { getConfig } from '../lib/server/platform/config.ts';
import { getDatabase } from '../lib/server/platform/database.ts';
import { requesterSessionCookie, staffSessionCookie } from '../lib/web/cookies.ts';

// These answer from the content alone: skipping the session lookup spares a query and keeps them
// serving while the database is away.
const WITHOUT_SESSIONS = new Set(['/trust.json', '/.well-known/security.txt']);

// A refusal page (locals.problem) needs no one's session either, and must render while the
// database is away.
const needsSessions = (context: {
	isPrerendered: boolean;
	routePattern: string;
	locals: App.Locals;
}) =>
	!context.isPrerendered && !context.locals.problem && !WITHOUT_SESSIONS.has(context.routePattern);

/** Sets `locals.user` and `locals.session`; pages decide what the user may do. */
export const staffSession = defineMiddleware(async (context, next) => {
	context.locals.user = null;
	context.locals.session = null;
	context.locals.mustEnrolTotp = false;
	if (!needsSessions(context)) return next();
	const token = staffSessionCookie.get(context.cookies);
	if (token) {
		const config = getConfig();
		const db = await getDatabase();
		const result = await validateSessionToken(db, token, new Date(), {
			idleMs: config.staffSessionIdleMs,
			maxMs: config.staffSessionMaxMs,
		});
		if (result.session) {
			context.locals.user = result.user;
			context.locals.session = result.session;
			// Read per request, so an admin's "require TOTP" holds at once on every instance.
			context.locals.mustEnrolTotp = !result.user.totpEnabled && (await getTotpRequired(db));
		} else {
			staffSessionCookie.delete(context.cookies);
		}
	}
	return next();
});

/** Sets `locals.requester` and `locals.requesterSessionId` for a verified reviewer. */
export const requesterSession = defineMiddleware(async (context, next) => {
	context.locals.requester = null;
	context.locals.requesterSessionId = null;
	if (!needsSessions(context)) return next();
	const token = requesterSessionCookie.get(context.cookies);
	if (token) {
		const result = await validateRequesterSessionToken(await getDatabase(), token);
		if (result) {
			context.locals.requester = result.requester;
			context.locals.requesterSessionId = result.sessionId;
		} else {
			requesterSessionCookie.delete(context.cookies);
		}
	}
	return next();
});
