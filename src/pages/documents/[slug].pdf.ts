import type { APIRoute } from 'astro';
import { getDatabase } from '../../lib/server/platform/database.ts';
import { getCurrentVersion } from '../../lib/server/documents/documents.ts';
import { pdfResponse } from '../../lib/web/responses.ts';

// Public documents (such as a certificate) are served as uploaded; everything else goes through
// the NDA and approval flow and is stamped per requester.
export const prerender = false;

export const GET: APIRoute = async ({ params }) => {
	const slug = params.slug ?? '';
	const version = /^[a-z0-9-]{1,100}$/.test(slug)
		? await getCurrentVersion(await getDatabase(), slug)
		: null;
	if (!version) {
		return text(404, 'No such document. The documents on offer are listed at /#documents.');
	}
	// Authorise where the resource is used: only documents whose access level is public.
	if (version.accessLevel !== 'public') {
		return text(403, `This document is shared under NDA. Request it from /#doc-${slug}.`);
	}
	return pdfResponse(version.bytes, {
		filename: `${slug}.pdf`,
		disposition: 'inline',
		cacheControl: 'public, max-age=300',
		headers: { ETag: `"${version.sha256}"` },
	});
};

function text(status: number, body: string): Response {
	return new Response(`${body}\n`, {
		status,
		headers: { 'Content-Type': 'text/plain; charset=utf-8' },
	});
}
