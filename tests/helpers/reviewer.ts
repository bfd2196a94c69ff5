/** A reviewer's steps over plain HTTP (for route tests that need a signed-in, approved requester). */
import { countEmails, waitForEmail, type OutboxEmail } from './outbox.ts';

export interface ReviewerSite {
	url: string;
	outbox: string;
}

export function formPost(
	site: ReviewerSite,
	path: string,
	fields: Record<string, string | string[]>,
	cookie?: string,
): Promise<Response> {
	const body = new URLSearchParams();
	for (const [key, value] of Object.entries(fields))
		for (const v of [value].flat()) body.append(key, v);
	return fetch(`${site.url}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			Origin: site.url,
			'Content-Type': 'application/x-www-form-urlencoded',
			...(cookie ? { Cookie: cookie } : {}),
		},
		body,
	});
}

const isLinkFor = (email: string) => (e: OutboxEmail) =>
	e.to === email && /Confirm your email/.test(e.subject);

/** Requests documents, follows the emailed link, confirms; returns the requester's cookie. */
export async function signInReviewer(
	site: ReviewerSite,
	email: string,
	documents = ['soc2-type2-2025'],
): Promise<string> {
	const before = countEmails(site.outbox, isLinkFor(email));
	const sent = await formPost(site, '/request', {
		name: 'Jane Doe',
		email,
		company: 'Acme Inc',
		title: 'Security Analyst',
		documents,
	});
	if (sent.status !== 200) throw new Error(`request answered ${sent.status}`);
	const mail = await waitForEmail(site.outbox, isLinkFor(email), { after: before });
	const token = /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
	if (!token) throw new Error(`no link in: ${mail.text}`);
	const confirmed = await formPost(site, '/verify', { token });
	if (confirmed.status !== 303) throw new Error(`confirm answered ${confirmed.status}`);
	return confirmed.headers.get('set-cookie')?.split(';')[0] ?? '';
}

/** Accepts the NDA shown to this requester (no-op when none is needed). */
export async function acceptNdaOverHttp(site: ReviewerSite, cookie: string): Promise<void> {
	const page = await (await fetch(`${site.url}/nda`, { headers: { Cookie: cookie } })).text();
	const version = /name="ndaVersion" value="([^"]+)"/.exec(page)?.[1];
	const hash = /name="textSha256" value="([0-9a-f]{64})"/.exec(page)?.[1];
	if (!version || !hash) return;
	const accepted = await formPost(
		site,
		'/nda',
		{
			action: 'accept',
			ndaVersion: version,
			textSha256: hash,
			signerName: 'Jane Doe',
			signerTitle: 'CISO',
			agree: 'yes',
		},
		cookie,
	);
	if (accepted.status !== 303) throw new Error(`NDA answered ${accepted.status}`);
}
