import type { APIRoute } from 'astro';
import { getNdaReceipt } from '../../../../lib/server/requests/nda.ts';
import { journeyContext } from '../../../../lib/web/context.ts';
import { notFound, renderProblem } from '../../../../lib/web/problem.ts';
import { pdfResponse } from '../../../../lib/web/responses.ts';
import { requireStaff } from '../../../../lib/web/staff.ts';

export const prerender = false;

export const GET: APIRoute = async (context) => {
	const guard = requireStaff(context, 'nda.manage');
	if (!guard.ok) return guard.response;
	const id = Number(context.params.id);
	// null: staff may open any acceptance's receipt (authorised above).
	const pdf = Number.isSafeInteger(id)
		? await getNdaReceipt(await journeyContext(), null, id)
		: null;
	if (!pdf) return renderProblem(context, notFound());
	return pdfResponse(pdf, { filename: `nda-receipt-${id}.pdf`, cacheControl: 'private, no-store' });
};
