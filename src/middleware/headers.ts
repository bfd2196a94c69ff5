/** Response headers of on-demand pages (static files get theirs from the start script's server). */
import { defineMiddleware } from 'astro:middleware';
import { getConfig } from '../lib/server/platform/config.ts';
import { securityHeaders as headersFor } from '../lib/server/platform/http-headers.ts';

let headers: Record<string, string> | undefined;

export const securityHeaders = defineMiddleware(async (context, next) => {
	const response = await next();
	if (context.isPrerendered) return response;
	headers ??= headersFor(getConfig().siteUrl);
	for (const [name, value] of Object.entries(headers)) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	// Pages that know who is asking must never be cached by a shared cache.
	if ((context.locals.user || context.locals.requester) && !response.headers.has('Cache-Control'))
		response.headers.set('Cache-Control', 'private, no-store');
	return response;
});
