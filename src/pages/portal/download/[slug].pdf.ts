import type { APIRoute } from 'astro';
import { deliveryContext } from '../../../lib/web/delivery.ts';
import { journeyContext, requestMeta } from '../../../lib/web/context.ts';
import { deliverCopy, type DeliveryResult } from '../../../lib/server/delivery/downloads.ts';
import { pdfResponse } from '../../../lib/web/responses.ts';

export const prerender = false;

// POST (from the portal's buttons, behind Astro's origin check): a download uses up the cap, so
// another site must not be able to trigger one with a link.
export const POST: APIRoute = async ({ params, locals, request, clientAddress }) => {
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
	const result = await deliverCopy(
		deliveryContext(ctx),
		locals.requester,
		slug,
		requestMeta(request, clientAddress),
	);
	if (result.ok) {
		return pdfResponse(result.bytes, {
			filename: result.filename,
			// Each copy is personal: no cache may keep or share it.
			cacheControl: 'no-store',
			headers: { 'X-Copy-Id': result.copyId },
		});
	}
	return denial(result);
};

function denial(result: Exclude<DeliveryResult, { ok: true }>): Response {
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
				60,
			);
		case 'busy':
			return page(
				503,
				'Busy preparing copies',
				'Many copies are being prepared right now. Try again in a minute.',
				result.retryAfterSeconds,
			);
		case 'stamp_failed':
			return page(
				500,
				'We could not prepare your copy',
				`Preparing copy ${result.copyId} failed; it does not count against your downloads. Try again, and contact the security team if it keeps failing.`,
			);
	}
}

function page(status: number, title: string, text: string, retryAfter?: number): Response {
	const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
	const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title><meta name="robots" content="noindex"><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1.25rem;line-height:1.5}a{color:#1f4f8b}</style></head><body><main><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/portal">Back to your portal</a> · <a href="/">Trust center</a></p></main></body></html>`;
	return new Response(html, {
		status,
		headers: {
			'Content-Type': 'text/html; charset=utf-8',
			'Cache-Control': 'no-store',
			...(retryAfter ? { 'Retry-After': String(retryAfter) } : {}),
		},
	});
}
