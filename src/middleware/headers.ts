import { defineMiddleware } from 'astro:middleware';
import { getConfig } from '../lib/server/config.ts';
import { securityHeaders } from '../lib/server/http-headers.ts';

let cached: Record<string, string> | undefined;

/** Security headers on on-demand responses (static files get theirs from the start script's server). */
export const headers = defineMiddleware(async (context, next) => {
	if (context.isPrerendered) return next();
	const response = await next();
	cached ??= securityHeaders(getConfig().siteUrl);
	for (const [name, value] of Object.entries(cached)) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	// Pages that know who is asking must never be cached by a shared cache.
	if ((context.locals.user || context.locals.requester) && !response.headers.has('Cache-Control'))
		response.headers.set('Cache-Control', 'private, no-store');
	return response;
});
