import { describe, expect, it } from 'vitest';
import { classifyLinkVisit } from '../../src/lib/server/grants/link-visits.ts';

const CHROME =
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const SAFARI =
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const navigate = { mode: 'navigate', dest: 'document', purpose: null };
const visit = (
	userAgent: string | null,
	fetch?: typeof navigate | { mode: string | null; dest: string | null; purpose: string | null },
) => classifyLinkVisit({ ip: '203.0.113.1', userAgent, ...(fetch ? { fetch } : {}) });

describe('who opened a share link', () => {
	it('a browser navigating to the page is a person', () => {
		expect(visit(CHROME, navigate)).toEqual({ person: true });
		expect(visit(SAFARI, navigate)).toEqual({ person: true });
		// Opened from a mail client or a chat app: a navigation from "none" or another site.
		expect(
			visit('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148', navigate),
		).toEqual({ person: true });
	});

	it('chat unfurlers, crawlers, Office link checks and HTTP libraries are machines', () => {
		for (const agent of [
			'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
			'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
			'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
			'WhatsApp/2.23.20.0',
			'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
			'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com',
			'Microsoft Office Word 2014',
			'TelegramBot (like TwitterBot)',
			'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
			'curl/8.5.0',
			'python-requests/2.31.0',
			'Go-http-client/1.1',
		]) {
			// Even when it sends a browser's headers, it names itself.
			expect(visit(agent, navigate), agent).toEqual({ person: false, why: 'preview_bot' });
		}
	});

	it('a prefetch or prerender is no one yet', () => {
		expect(visit(CHROME, { ...navigate, purpose: 'prefetch' })).toEqual({
			person: false,
			why: 'prefetch',
		});
		expect(visit(CHROME, { ...navigate, purpose: 'prefetch;prerender' })).toEqual({
			person: false,
			why: 'prefetch',
		});
	});

	it('without a navigation (a scanner with a browser name, an embed, a script) it is not counted', () => {
		expect(visit(CHROME)).toEqual({ person: false, why: 'not_a_navigation' });
		expect(visit(null)).toEqual({ person: false, why: 'not_a_navigation' });
		expect(visit(CHROME, { mode: 'cors', dest: 'empty', purpose: null })).toEqual({
			person: false,
			why: 'not_a_navigation',
		});
		expect(visit(CHROME, { mode: 'navigate', dest: 'iframe', purpose: null })).toEqual({
			person: false,
			why: 'not_a_navigation',
		});
	});
});
