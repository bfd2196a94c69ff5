import type { APIRoute } from 'astro';
import { journeyContext } from '../../../lib/web/context.ts';
import { getNdaReceipt } from '../../../lib/server/requests/nda.ts';
import { pdfResponse } from '../../../lib/web/responses.ts';

export const prerender = false;

export const GET: APIRoute = async ({ params, locals }) => {
	if (!locals.requester) {
		return new Response('Sign in through the link we emailed you to download your receipt.\n', {
			status: 401,
			headers: { 'Content-Type': 'text/plain; charset=utf-8' },
		});
	}
	const id = Number(params.id);
	// getNdaReceipt only finds acceptances of this requester: another requester's id is a 404.
	const pdf = Number.isSafeInteger(id)
		? await getNdaReceipt(await journeyContext(), locals.requester.id, id)
		: null;
	if (!pdf) {
		return new Response('No such receipt.\n', {
			status: 404,
			headers: { 'Content-Type': 'text/plain; charset=utf-8' },
		});
	}
	return pdfResponse(pdf, { filename: `nda-receipt-${id}.pdf`, cacheControl: 'private, no-store' });
};
