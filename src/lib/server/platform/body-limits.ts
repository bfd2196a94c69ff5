/**
 * How large a request body may be, and how long the client has to send it, per route. Every
 * route gets the form limit (BODY_LIMIT_KB) unless it is listed here: this is the one place to
 * declare a larger limit.
 */
import type { Config } from './config.ts';

export interface BodyLimit {
	bytes: number;
	timeoutMs: number;
}

interface LargerLimit {
	/** Matched against the decoded path, without the query. */
	path: RegExp;
	limit: (config: Config) => BodyLimit;
}

export const LARGER_BODY_LIMITS: LargerLimit[] = [
	{
		// Tracing a leaked copy: staff upload the PDF they found.
		path: /^\/admin\/trace$/,
		limit: (config) => ({
			bytes: config.maxUploadBytes + 64 * 1024,
			timeoutMs: Math.max(config.bodyTimeoutMs, Math.ceil(config.maxUploadBytes / 100)),
		}),
	},
	{
		// The staff workspace's document upload (a PDF of up to MAX_UPLOAD_MB, plus form fields).
		path: /^\/admin\/documents(?:\/[^/]+)*\/upload$/,
		limit: (config) => ({
			bytes: config.maxUploadBytes + 64 * 1024,
			// A slow uplink still gets at least 100 KB/s worth of time.
			timeoutMs: Math.max(config.bodyTimeoutMs, Math.ceil(config.maxUploadBytes / 100)),
		}),
	},
];

export function bodyLimitFor(pathname: string, config: Config): BodyLimit {
	const larger = LARGER_BODY_LIMITS.find((entry) => entry.path.test(pathname));
	return larger
		? larger.limit(config)
		: { bytes: config.bodyLimitBytes, timeoutMs: config.bodyTimeoutMs };
}

/** The longest any route gives a client to send its body (the HTTP server's own timeout must allow it). */
export function longestBodyTimeoutMs(config: Config): number {
	return Math.max(
		config.bodyTimeoutMs,
		...LARGER_BODY_LIMITS.map((e) => e.limit(config).timeoutMs),
	);
}
