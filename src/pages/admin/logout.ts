import type { APIRoute } from 'astro';
import { invalidateSession } from '../../lib/server/auth/auth-session.ts';
import { staffSessionCookie } from '../../lib/web/cookies.ts';
import { getDatabase } from '../../lib/server/platform/database.ts';

export const prerender = false;

// POST only (Astro's origin check guards it): a GET link could sign people out from other sites.
export const POST: APIRoute = async ({ locals, cookies, redirect }) => {
	if (locals.session) await invalidateSession(await getDatabase(), locals.session.id);
	staffSessionCookie.delete(cookies);
	return redirect('/admin/login', 303);
};
