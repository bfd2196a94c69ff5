import { defineMiddleware } from 'astro:middleware';
import { getConfig } from '../lib/server/platform/config.ts';
import { crossSiteForm, renderProblem } from '../lib/web/problem.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for every state-changing request: the browser's Origin must be this trust center,
 * as SITE_URL names it or as the request itself was addressed (protocol and host as resolved behind
 * trusted proxies). Replaces Astro's checkOrigin, which compares with the URL the app sees (http://
 * behind a TLS proxy) and lets non-form content types through.
 */
export const origin = defineMiddleware((context, next) => {
	if (context.isPrerendered || context.locals.problem || SAFE_METHODS.has(context.request.method))
		return next();
	const siteUrl = getConfig().siteUrl;
	const sent = context.request.headers.get('origin');
	// No Origin, or "null" (opaque: sandboxed frames, some redirects), proves nothing: refuse.
	if (sent && (sent === new URL(siteUrl).origin || sent === context.locals.client.origin))
		return next();
	return renderProblem(context, crossSiteForm(siteUrl));
});
