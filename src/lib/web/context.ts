/** What the requester pages need from the server: the database, the config, the company name. */
import { getCollection, getEntry } from 'astro:content';
import { getConfig } from '../server/platform/config.ts';
import { getDatabase } from '../server/platform/database.ts';
import type { JourneyContext, RequestMeta } from '../server/requests/context.ts';
import { companyEmailLogo } from '../content/model.ts';

export async function journeyContext(): Promise<JourneyContext> {
	const company = await getEntry('company', 'company');
	const ndas = await getCollection('nda');
	return {
		db: await getDatabase(),
		config: getConfig(),
		companyName: company?.data.name ?? 'Trustroom',
		companyLogo: company ? companyEmailLogo(company.data) : null,
		ndaTitles: Object.fromEntries(ndas.map((n) => [n.data.version, n.data.title])),
	};
}

export function requestMeta(request: Request, clientAddress: string): RequestMeta {
	const { headers } = request;
	return {
		ip: clientAddress || null,
		userAgent: headers.get('user-agent'),
		fetch: {
			mode: headers.get('sec-fetch-mode'),
			dest: headers.get('sec-fetch-dest'),
			purpose: headers.get('sec-purpose') ?? headers.get('purpose'),
		},
	};
}

export function isSecure(): boolean {
	return getConfig().siteUrl.startsWith('https:');
}
