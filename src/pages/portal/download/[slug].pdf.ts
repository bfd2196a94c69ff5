import type { APIRoute } from 'astro';
import { deliveryContext, throughDownloadGate } from '../../../lib/web/delivery.ts';
import { journeyContext, requestMeta } from '../../../lib/web/context.ts';
import { deliverCopy, type DeliveryResult } from '../../../lib/server/delivery/downloads.ts';
import {
	HOME_ACTION,
	PORTAL_ACTION,
	problem,
	renderProblem,
	type ProblemAction,
} from '../../../lib/web/problem.ts';
import { pdfStreamResponse } from '../../../lib/web/responses.ts';
import { notifyDownload } from '../../../lib/server/grants/share-link-activity.ts';
import { kickEmailSender } from '../../../lib/server/mail/kick.ts';

export const prerender = false;

// POST (from the portal's buttons, behind the origin check): a download uses up the cap, so
// another site must not be able to trigger one with a link.
export const POST: APIRoute = async (context) => {
	const { params, locals, request } = context;
	const page: Page = (status, title, text, options = {}) =>
		renderProblem(
			context,
			problem(status, title, text, {
				actions: options.actions ?? [PORTAL_ACTION, HOME_ACTION],
				headers: options.retryAfter ? { 'Retry-After': String(options.retryAfter) } : {},
			}),
		);
	if (!locals.requester) {
		return page(
			401,
			'Sign in first',
			'Open the confirmation link we emailed you, then download from your portal.',
		);
	}
	const slug = params.slug ?? '';
	if (!/^[a-z0-9-]{1,100}$/.test(slug))
		return page(404, 'No such document', 'Pick a document from your portal.');
	const ctx = await journeyContext();
	const requester = locals.requester;
	const result = await throughDownloadGate(() =>
		deliverCopy(deliveryContext(ctx), requester, slug, requestMeta(request, locals.client.address)),
	);
	if (result.ok) {
		// Slack and the rep who shared the link hear of it, once the copy is on its way: a failure
		// there never costs the copy, and the reader does not wait for it.
		void notifyDownload(ctx, result.copyId, result.viaShareLink).then(
			(queued) => queued && kickEmailSender(),
			(error: unknown) =>
				console.error(`Download ${result.copyId}: notification not queued: ${String(error)}`),
		);
		return pdfStreamResponse(result.copy.stream, result.copy.byteLength, {
			filename: result.filename,
			// Each copy is personal: no cache may keep or share it.
			cacheControl: 'no-store',
			headers: { 'X-Copy-Id': result.copyId },
		});
	}
	return denial(result, page);
};

type Page = (
	status: number,
	title: string,
	text: string,
	options?: { retryAfter?: number; actions?: ProblemAction[] },
) => Promise<Response>;

function denial(result: Exclude<DeliveryResult, { ok: true }>, page: Page): Promise<Response> {
	switch (result.reason) {
		case 'not_granted':
			return page(
				403,
				'Not part of your access',
				'This document is not in an approved request of yours. Request it from the trust center page.',
			);
		case 'expired':
			return page(
				403,
				'Your access has expired',
				'Request the document again from the trust center page; approved reviewers usually get access again quickly.',
			);
		case 'revoked':
			return page(
				403,
				'Your access was withdrawn',
				'Contact the security team if you think this is a mistake.',
			);
		case 'cap_reached':
			return page(
				403,
				'No downloads left',
				'You have used every download of this access. Use the copies you have, or contact the security team for more.',
			);
		case 'nda_required':
			// A new NDA version in force binds every later copy: the reviewer accepts it first.
			return page(
				403,
				'Accept the new agreement first',
				'Our non-disclosure agreement has a new version. Read and accept it, then download your documents again.',
				{ actions: [{ href: '/nda', label: 'Read the new agreement' }, PORTAL_ACTION] },
			);
		case 'no_version':
			return page(
				404,
				'Not available yet',
				'This document has not been uploaded yet. Try again later.',
			);
		case 'log_unavailable':
			return page(
				503,
				'Downloads are paused',
				'We could not record the download, so no copy was made. Try again in a few minutes.',
				{ retryAfter: 60 },
			);
		case 'busy':
			return page(
				503,
				'Busy preparing copies',
				'Many copies are being prepared right now. Try again in a minute.',
				{ retryAfter: result.retryAfterSeconds },
			);
		case 'stamp_failed':
			return page(
				500,
				'We could not prepare your copy',
				`Preparing copy ${result.copyId} failed; it does not count against your downloads. Try again, and contact the security team if it keeps failing.`,
			);
	}
}
