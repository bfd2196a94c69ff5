import { defineMiddleware } from 'astro:middleware';
import { allowedMethods } from '../lib/web/route-methods.ts';
import { renderProblem, wrongMethod } from '../lib/web/problem.ts';

/** 405 with Allow for a method the route does not take (Astro would render the page anyway). */
export const methods = defineMiddleware((context, next) => {
	if (context.isPrerendered || context.locals.problem) return next();
	const allow = allowedMethods(context.routePattern);
	if (allow.includes(context.request.method)) return next();
	return renderProblem(context, wrongMethod(allow));
});
