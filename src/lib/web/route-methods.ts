/**
 * The methods each on-demand route answers; anything else gets 405 with an Allow header. Astro
 * renders a page for any method and answers an endpoint's missing method with 404, so the list
 * lives here, keyed by route pattern (tests/unit/route-methods.test.ts checks it against src/pages).
 */
const READ = ['GET', 'HEAD'] as const;
const FORM = ['GET', 'HEAD', 'POST'] as const;
const ACTION = ['POST'] as const;

export const ROUTE_METHODS: Record<string, readonly string[]> = {
	'/request': FORM,
	'/verify': FORM,
	'/nda': FORM,
	'/share/[token]': FORM,
	'/verify/[id]': READ,
	'/portal': READ,
	'/portal/sign-in': FORM,
	'/portal/logout': ACTION,
	'/portal/download/[slug].pdf': ACTION,
	'/portal/nda-receipt/[id].pdf': READ,
	'/documents/[slug].pdf': READ,
	'/admin': READ,
	'/admin/login': FORM,
	'/admin/logout': ACTION,
	'/admin/login/code': FORM,
	'/admin/account': FORM,
	'/admin/users': FORM,
	'/admin/invite': FORM,
	'/admin/setup': FORM,
	'/admin/log': READ,
	'/admin/trace': FORM,
	'/admin/links': READ,
	'/admin/links/new': FORM,
	'/admin/links/[id]': FORM,
	'/admin/nda': FORM,
	'/admin/nda/[id]': READ,
	'/admin/nda/acceptances/[id]': READ,
	'/admin/nda/acceptances/[id].pdf': READ,
	'/admin/log/export.csv': READ,
	'/admin/log/export.jsonl': READ,
	'/admin/requests': READ,
	'/admin/requests/[id]': FORM,
	'/admin/grants': READ,
	'/admin/grants/[id]': FORM,
	'/admin/documents': READ,
	'/admin/documents/[slug]': FORM,
	'/admin/documents/[slug]/upload': FORM,
	'/admin/rules': FORM,
	'/admin/rules/[id]': FORM,
	'/trust.json': READ,
	'/.well-known/security.txt': READ,
	'/problem': READ,
};

/** Methods a route allows; a route missing from the table is read-only until it is listed. */
export function allowedMethods(routePattern: string): readonly string[] {
	return ROUTE_METHODS[routePattern] ?? READ;
}
