/** A reviewer's journey over HTTP, as the server tests and benches need it: signed in, NDA accepted. */
import { countEmails, waitForEmail, type OutboxEmail } from './outbox.ts';

export interface JourneyClient {
	get(path: string, cookie?: string): Promise<Response>;
	post(path: string, fields: Record<string, string | string[]>, cookie?: string): Promise<Response>;
	/** Requests the documents, confirms the emailed link; returns the requester's session cookie. */
	signInAs(email: string, options?: { name?: string; documents?: string[] }): Promise<string>;
	acceptNda(cookie: string, name: string): Promise<Response>;
}

export function createJourneyClient(baseUrl: string, outbox: string): JourneyClient {
	const get = (path: string, cookie?: string) =>
		fetch(`${baseUrl}${path}`, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} });
	const post = (path: string, fields: Record<string, string | string[]>, cookie?: string) => {
		const body = new URLSearchParams();
		for (const [key, value] of Object.entries(fields))
			for (const v of [value].flat()) body.append(key, v);
		return fetch(`${baseUrl}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				Origin: baseUrl,
				'Content-Type': 'application/x-www-form-urlencoded',
				...(cookie ? { Cookie: cookie } : {}),
			},
			body,
		});
	};
	const isLinkFor = (email: string) => (e: OutboxEmail) =>
		e.to === email && /Confirm your email/.test(e.subject);
	return {
		get,
		post,
		async signInAs(email, options = {}) {
			const before = countEmails(outbox, isLinkFor(email));
			const sent = await post('/request', {
				name: options.name ?? 'Jane Doe',
				email,
				company: 'Acme Inc',
				title: 'Security Analyst',
				reason: '',
				documents: options.documents ?? ['soc2-type2-2025'],
			});
			if (sent.status !== 200) throw new Error(`request for ${email} answered ${sent.status}`);
			const mail = await waitForEmail(outbox, isLinkFor(email), { after: before });
			const token = /\/verify\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
			if (!token) throw new Error(`no link in the email to ${email}`);
			const confirmed = await post('/verify', { token });
			if (confirmed.status !== 303)
				throw new Error(`confirming ${email} answered ${confirmed.status}`);
			return confirmed.headers.get('set-cookie')?.split(';')[0] ?? '';
		},
		async acceptNda(cookie, name) {
			const page = await (await get('/nda', cookie)).text();
			const version = /name="ndaVersion" value="([^"]+)"/.exec(page)?.[1];
			const hash = /name="textSha256" value="([0-9a-f]{64})"/.exec(page)?.[1];
			if (!version || !hash) throw new Error(`no NDA form on /nda: ${page.slice(0, 300)}`);
			return post(
				'/nda',
				{
					action: 'accept',
					ndaVersion: version,
					textSha256: hash,
					signerName: name,
					signerTitle: 'CISO',
					agree: 'yes',
				},
				cookie,
			);
		},
	};
}
