/** The answer while the database cannot be reached: the problem page, in the site's own layout. */
import type { APIContext } from 'astro';
import { problem, renderProblem } from './problem.ts';

export const DATABASE_RETRY_AFTER_SECONDS = 30;

export function unavailablePage(context: APIContext): Promise<Response> {
	return renderProblem(
		context,
		problem(
			503,
			'Temporarily unavailable',
			'This part of the trust center cannot reach its database right now, so nothing was changed or downloaded. Please try again in a minute; the public security page keeps working.',
			{ headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) } },
		),
	);
}
