/**
 * Compression for what the start script's server sends: text (pages, JSON, CSS, SVG) goes out as
 * brotli or gzip when the client's Accept-Encoding asks for it, with `Vary: Accept-Encoding`.
 * PDFs and anything else already compressed go out as they are: recompressing them costs CPU and
 * gains nothing (and a stamped copy must reach the reader byte for byte as its hash was logged).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants } from 'node:zlib';
import compression from 'compression';

/** Media types worth compressing; everything else (application/pdf above all) is sent as is. */
const COMPRESSIBLE =
	/^(?:text\/(?:html|css|plain|xml|javascript)|application\/(?:json|xml|javascript|manifest\+json)|image\/svg\+xml)\s*(?:;|$)/i;

export function isCompressible(contentType: string | number | string[] | undefined): boolean {
	return typeof contentType === 'string' && COMPRESSIBLE.test(contentType);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Wraps a handler so its text answers are compressed as the client asks. */
export function withCompression(handler: Handler): Handler {
	const compress = compression({
		filter: (_req, res) => isCompressible(res.getHeader('Content-Type')),
		// Pages are small and made per request: a fast level beats the last few per cent.
		brotli: { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } },
		level: 6,
		threshold: 1024,
	});
	return (req, res) => {
		compress(req as never, res as never, () => handler(req, res));
	};
}
