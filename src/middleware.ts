import { defineMiddleware } from 'astro:middleware';
import { loadConfig } from './lib/server/config.ts';
import { securityHeaders } from './lib/server/http-headers.ts';

/** Security headers on on-demand responses (static files get them from the start script's server). */
let headers: Record<string, string> | undefined;

export const onRequest = defineMiddleware(async (context, next) => {
	const response = await next();
	if (context.isPrerendered) return response;
	headers ??= securityHeaders(loadConfig().siteUrl);
	for (const [name, value] of Object.entries(headers)) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	return response;
});
