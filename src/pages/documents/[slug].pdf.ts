import type { APIRoute } from 'astro';
import { getDatabase } from '../../lib/server/platform/database.ts';
import { getCurrentVersion } from '../../lib/server/documents/documents.ts';
import { problem, renderProblem } from '../../lib/web/problem.ts';
import { pdfResponse } from '../../lib/web/responses.ts';

// Public documents (such as a certificate) are served as uploaded; everything else goes through
// the NDA and approval flow and is stamped per requester.
export const prerender = false;

export const GET: APIRoute = async (context) => {
	const { params } = context;
	const slug = params.slug ?? '';
	const version = /^[a-z0-9-]{1,100}$/.test(slug)
		? await getCurrentVersion(await getDatabase(), slug)
		: null;
	if (!version) {
		return renderProblem(
			context,
			problem(
				404,
				'No such document',
				'The documents on offer are listed on the trust center page.',
				{
					actions: [{ href: '/#documents', label: 'Documents on offer' }],
				},
			),
		);
	}
	// Authorise where the resource is used: only documents whose access level is public.
	if (version.accessLevel !== 'public') {
		return renderProblem(
			context,
			problem(
				403,
				'This document is shared under NDA',
				'Request it from the trust center page: once you accept the NDA and are approved, you can download a copy marked with your name.',
				{ actions: [{ href: `/request?documents=${slug}`, label: 'Request this document' }] },
			),
		);
	}
	return pdfResponse(version.bytes, {
		filename: `${slug}.pdf`,
		disposition: 'inline',
		cacheControl: 'public, max-age=300',
		headers: { ETag: `"${version.sha256}"` },
	});
};
