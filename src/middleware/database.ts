/** While the database is away: a 503 that says what to do, never an empty 500 or a hung request. */
import { defineMiddleware } from 'astro:middleware';
import { isDatabaseUnavailable } from '../lib/server/platform/database.ts';
import { unavailablePage } from '../lib/web/unavailable.ts';

let lastReport = 0;

export const databaseUnavailable = defineMiddleware(async (context, next) => {
	if (context.isPrerendered) return next();
	try {
		return await next();
	} catch (error) {
		if (!isDatabaseUnavailable(error)) throw error;
		// One line a minute at most: an outage under load would otherwise flood the log.
		if (Date.now() - lastReport > 60_000) {
			lastReport = Date.now();
			console.error(`Database unavailable, answering 503 (${String(error).slice(0, 200)})`);
		}
		return unavailablePage(context);
	}
});
