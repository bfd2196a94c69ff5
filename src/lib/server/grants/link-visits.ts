/**
 * Whether a share link was opened by a person. Links in email and chat are fetched by machines
 * before anyone reads them: chat apps unfurl them into previews, mail security gateways scan every
 * link on arrival, browsers prefetch. Telling the rep "opened" on such a fetch is a false signal
 * (a rep who sees it calls a prospect who has not looked yet), so only a person's visit counts.
 *
 * A person's visit is a top-level browser navigation: modern browsers (Chromium, Firefox 90+,
 * Safari 16.4+) send `Sec-Fetch-Mode: navigate` and `Sec-Fetch-Dest: document` with it, which
 * preview bots and HTTP-client scanners do not; a speculative load says so in `Sec-Purpose` (or
 * the older `Purpose`); and preview bots that do send browser headers name themselves in the
 * User-Agent. What a scanner driving a full browser fetches is indistinguishable from a person
 * here; submitting the link's form still counts as an open, so an older browser without the
 * headers is counted at the latest then.
 */
import type { RequestMeta } from '../requests/context.ts';

export type LinkVisit =
	{ person: true } | { person: false; why: 'preview_bot' | 'prefetch' | 'not_a_navigation' };

/** Chat unfurlers, search and social crawlers, mail scanners and HTTP libraries. */
const MACHINE_AGENTS =
	/bot\b|bot\/|crawler|spider|slack|facebookexternalhit|whatsapp|skypeuripreview|microsoft office|outlook-|ms-office|embedly|preview|iframely|proofpoint|mimecast|barracuda|python-|curl\/|wget\/|go-http-client|okhttp|java\/|apache-httpclient|libwww|node-fetch|undici|axios/i;

export function classifyLinkVisit(meta: RequestMeta): LinkVisit {
	const fetch = meta.fetch;
	const purpose = `${fetch?.purpose ?? ''}`.toLowerCase();
	if (purpose.includes('prefetch') || purpose.includes('prerender'))
		return { person: false, why: 'prefetch' };
	if (meta.userAgent && MACHINE_AGENTS.test(meta.userAgent))
		return { person: false, why: 'preview_bot' };
	if (fetch?.mode !== 'navigate' || fetch.dest !== 'document')
		return { person: false, why: 'not_a_navigation' };
	return { person: true };
}
