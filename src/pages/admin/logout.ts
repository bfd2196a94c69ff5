import type { APIRoute } from 'astro';
import { signOutEverywhere } from '../../lib/server/auth/account.ts';
import { invalidateSession } from '../../lib/server/auth/auth-session.ts';
import { staffSessionCookie } from '../../lib/web/cookies.ts';
import { getDatabase } from '../../lib/server/platform/database.ts';

export const prerender = false;

// POST only (the origin check guards it): a GET link could sign people out from other sites.
// With `everywhere=1` (the account page) every session of the user ends, on every device.
export const POST: APIRoute = async ({ locals, cookies, redirect, request }) => {
	const form = await request.formData().catch(() => null);
	const everywhere = form?.get('everywhere') === '1';
	const db = await getDatabase();
	if (everywhere && locals.user) await signOutEverywhere(db, locals.user);
	else if (locals.session) await invalidateSession(db, locals.session.id);
	staffSessionCookie.delete(cookies);
	return redirect(everywhere ? '/admin/login?notice=everywhere' : '/admin/login', 303);
};
