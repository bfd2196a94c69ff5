import type { APIRoute } from 'astro';
import { journeyContext } from '../../../lib/web/context.ts';
import { getNdaReceipt } from '../../../lib/server/requests/nda.ts';
import { PORTAL_ACTION, problem, renderProblem } from '../../../lib/web/problem.ts';
import { pdfResponse } from '../../../lib/web/responses.ts';

export const prerender = false;

export const GET: APIRoute = async (context) => {
	const { params, locals } = context;
	if (!locals.requester) {
		return renderProblem(
			context,
			problem(
				401,
				'Sign in first',
				'Sign in with the work email you requested documents with (we email you a link), then download your receipt from your portal.',
				{ actions: [{ href: '/portal/sign-in', label: 'Sign in' }] },
			),
		);
	}
	const id = Number(params.id);
	// getNdaReceipt only finds acceptances of this requester: another requester's id is a 404.
	const pdf = Number.isSafeInteger(id)
		? await getNdaReceipt(await journeyContext(), locals.requester.id, id)
		: null;
	if (!pdf) {
		return renderProblem(
			context,
			problem(404, 'No such receipt', 'Your receipts are listed in your portal.', {
				actions: [PORTAL_ACTION],
			}),
		);
	}
	return pdfResponse(pdf, { filename: `nda-receipt-${id}.pdf`, cacheControl: 'private, no-store' });
};
