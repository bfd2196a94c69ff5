import type { APIRoute } from 'astro';
import { isSecure } from '../../lib/web/context.ts';
import { getDatabase } from '../../lib/server/platform/database.ts';
import {
	deleteRequesterSessionCookie,
	invalidateRequesterSession,
} from '../../lib/server/auth/requester-session.ts';

export const prerender = false;

export const POST: APIRoute = async ({ locals, cookies, redirect }) => {
	if (locals.requesterSessionId)
		await invalidateRequesterSession(await getDatabase(), locals.requesterSessionId);
	deleteRequesterSessionCookie(cookies, isSecure());
	return redirect('/', 303);
};
