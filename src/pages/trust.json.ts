import type { APIRoute } from 'astro';
import { getTrustContent } from '../lib/web/content.ts';
import { todayUtc } from '../lib/content/dates.ts';
import { getConfig } from '../lib/server/platform/config.ts';
import { trustFacts } from '../lib/content/trust-facts.ts';

// Computed per request: the report status depends on today's date.
export const prerender = false;

export const GET: APIRoute = async () => {
	const facts = trustFacts(await getTrustContent(), todayUtc(), getConfig().siteUrl);
	return new Response(JSON.stringify(facts, null, '\t'), {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Cache-Control': 'public, max-age=300',
			'Access-Control-Allow-Origin': '*',
		},
	});
};
