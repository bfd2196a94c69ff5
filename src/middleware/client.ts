import { defineMiddleware } from 'astro:middleware';
import { getIncoming } from '../lib/server/platform/incoming.ts';
import { earlyProblem } from '../lib/web/problem.ts';

/**
 * The client as the start script's server resolved it behind trusted proxies (TRUST_PROXY), and
 * any refusal it already decided. Without that server (astro dev), the socket's own view.
 */
export const client = defineMiddleware((context, next) => {
	context.locals.problem ??= null;
	if (context.isPrerendered) return next();
	const incoming = getIncoming();
	context.locals.client = incoming?.client ?? {
		address: context.clientAddress,
		protocol: context.url.protocol === 'https:' ? 'https' : 'http',
		host: context.url.host,
		origin: context.url.origin,
	};
	if (incoming?.refusal && !context.locals.problem)
		context.locals.problem = earlyProblem(incoming.refusal);
	return next();
});
