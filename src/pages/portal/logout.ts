import type { APIRoute } from 'astro';
import { invalidateRequesterSession } from '../../lib/server/auth/requester-session.ts';
import { getDatabase } from '../../lib/server/platform/database.ts';
import { requesterSessionCookie } from '../../lib/web/cookies.ts';

export const prerender = false;

export const POST: APIRoute = async ({ locals, cookies, redirect }) => {
	if (locals.requesterSessionId)
		await invalidateRequesterSession(await getDatabase(), locals.requesterSessionId);
	requesterSessionCookie.delete(cookies);
	return redirect('/', 303);
};
