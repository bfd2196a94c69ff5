/**
 * Security headers for every response, static or on demand. The pages load no script, so the
 * policy allows none; inline <style> is Astro's inlined stylesheet.
 */
export function securityHeaders(siteUrl: string): Record<string, string> {
	const headers: Record<string, string> = {
		'Content-Security-Policy':
			"default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		'X-Content-Type-Options': 'nosniff',
		// No page of ours may be framed (clickjacking on the NDA and approval buttons).
		'X-Frame-Options': 'DENY',
		'Referrer-Policy': 'strict-origin-when-cross-origin',
		'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
		'Cross-Origin-Opener-Policy': 'same-origin',
	};
	if (siteUrl.startsWith('https:'))
		headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
	return headers;
}
