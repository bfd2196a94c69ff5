import type { APIRoute } from 'astro';
import { getEntry } from 'astro:content';
import { getConfig } from '../../lib/server/platform/config.ts';
import { securityTxt } from '../../lib/content/security-txt.ts';

// On demand so the Expires field is always in the future (RFC 9116 requires it).
export const prerender = false;

export const GET: APIRoute = async () => {
	const company = await getEntry('company', 'company');
	if (!company) throw new Error('src/content/company.yaml produced no entry');
	return new Response(securityTxt(company.data, getConfig().siteUrl, new Date()), {
		headers: {
			'Content-Type': 'text/plain; charset=utf-8',
			'Cache-Control': 'public, max-age=3600',
		},
	});
};
