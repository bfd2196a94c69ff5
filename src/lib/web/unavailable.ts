/** The answer while the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 30;

export function unavailablePage(): Response {
	const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>Temporarily unavailable</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1.25rem;line-height:1.5;color:#1b1f24;background:#fff}a{color:#1f4f8b}@media (prefers-color-scheme:dark){body{color:#e6e9ee;background:#111418}a{color:#8cb8ff}}</style></head><body><main><h1>Temporarily unavailable</h1><p>This part of the trust center cannot reach its database right now, so nothing was changed or downloaded. Please try again in a minute.</p><p>The public security page keeps working: <a href="/">go to the trust center</a>.</p></main></body></html>`;
	return new Response(html, {
		status: 503,
		headers: {
			'Content-Type': 'text/html; charset=utf-8',
			'Cache-Control': 'no-store',
			'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS),
		},
	});
}
