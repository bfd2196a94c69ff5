/**
 * Error answers in the house style. A route or middleware step that refuses a request describes
 * the problem (what happened, what to do next) and hands it to the problem page, which renders it
 * with the site's layout and the right status.
 */
import type { APIContext } from 'astro';
import { PROBLEM_PATH, type EarlyRefusal } from '../server/platform/incoming.ts';

export interface ProblemAction {
	href: string;
	label: string;
}

export interface Problem {
	status: number;
	title: string;
	/** What happened and what to do next, in plain sentences. */
	text: string;
	actions: ProblemAction[];
	headers: Record<string, string>;
}

export const HOME_ACTION: ProblemAction = { href: '/', label: 'Trust center' };
export const PORTAL_ACTION: ProblemAction = { href: '/portal', label: 'Your requests' };

export function problem(
	status: number,
	title: string,
	text: string,
	options: { actions?: ProblemAction[]; headers?: Record<string, string> } = {},
): Problem {
	return {
		status,
		title,
		text,
		actions: options.actions ?? [HOME_ACTION],
		headers: options.headers ?? {},
	};
}

export function badRequest(): Problem {
	return problem(
		400,
		'We could not read that request',
		'The page address or the form was garbled on its way here. Go back, reload the page and try again.',
	);
}

export function crossSiteForm(siteUrl: string): Problem {
	return problem(
		403,
		'This form came from another site',
		`To protect your account we only accept forms sent from this trust center's own pages. Open ${siteUrl} and send the form from there.`,
	);
}

export function notFound(): Problem {
	return problem(
		404,
		'Page not found',
		'There is nothing at this address. Check it for typos, or start again from the trust center page.',
	);
}

export function wrongMethod(allow: readonly string[]): Problem {
	return problem(
		405,
		'This address does not take that kind of request',
		'Use the links and buttons on our pages instead of sending requests to this address directly.',
		{ headers: { Allow: allow.join(', ') } },
	);
}

export function tooSlow(): Problem {
	return problem(
		408,
		'The request took too long to arrive',
		'Your connection may be slow or interrupted. Check it, then send the form again.',
	);
}

export function tooLarge(limitBytes: number): Problem {
	return problem(
		413,
		'That was more than we accept',
		`This address accepts up to ${formatBytes(limitBytes)}. Shorten what you entered (or pick a smaller file) and send it again.`,
	);
}

export function tooManyRequests(retryAfterSeconds: number): Problem {
	const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
	return problem(
		429,
		'Too many requests',
		`We have received many requests from you or your network. Try again in about ${minutes} minute${minutes === 1 ? '' : 's'}.`,
		{ headers: { 'Retry-After': String(retryAfterSeconds) } },
	);
}

export function serverError(): Problem {
	return problem(
		500,
		'Something went wrong on our side',
		'Nothing you did caused this. Try again in a minute; if it keeps happening, tell the security team.',
	);
}

export function unavailable(retryAfterSeconds = 60): Problem {
	return problem(
		503,
		'Temporarily unavailable',
		'We cannot serve this right now. Nothing was lost: try again in a few minutes.',
		{ headers: { 'Retry-After': String(retryAfterSeconds) } },
	);
}

export function earlyProblem(refusal: EarlyRefusal): Problem {
	switch (refusal.status) {
		case 400:
			return badRequest();
		case 405:
			return wrongMethod((refusal.allow ?? 'GET, HEAD').split(/,\s*/));
		case 408:
			return tooSlow();
		case 413:
			return tooLarge(refusal.limitBytes ?? 0);
	}
}

/** Answers with the problem page: same layout as every page, the problem's status and headers. */
export function renderProblem(context: APIContext, found: Problem): Promise<Response> {
	context.locals.problem = found;
	// A fresh GET, so the rewrite neither re-reads a body nor meets the method and origin checks again.
	return context.rewrite(
		new Request(new URL(PROBLEM_PATH, context.url), { headers: context.request.headers }),
	);
}

function formatBytes(bytes: number): string {
	if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
	return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
