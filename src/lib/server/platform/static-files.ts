/**
 * The prerendered pages and small assets of dist/client, held in memory with their brotli and gzip
 * forms made once, at start, at the best compression. The public page then costs no file system
 * call and no compression per request: it is answered in the turn of the event loop that reads the
 * request, which keeps it fast while copies stream to other people. Anything else (a file over the
 * size limit or added after start, a Range request, another method, a path with no file) goes on
 * to the next handler, which is Astro's own static handler and the app.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { isCompressible } from './compression.ts';
import { pathOf } from './request-guard.ts';

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.webmanifest': 'application/manifest+json; charset=utf-8',
	'.txt': 'text/plain; charset=utf-8',
	'.xml': 'application/xml; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.webp': 'image/webp',
	'.avif': 'image/avif',
	'.gif': 'image/gif',
	'.ico': 'image/x-icon',
	'.woff2': 'font/woff2',
	'.woff': 'font/woff',
};

/** Files larger than this stay on disk (Astro's handler streams them). */
const MAX_FILE_BYTES = 1024 * 1024;
/** And no more than this in all. */
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

type Encoding = 'br' | 'gzip';

interface Entry {
	type: string;
	etag: string;
	lastModified: string;
	cacheControl: string;
	compressible: boolean;
	bodies: { identity: Buffer } & Partial<Record<Encoding, Buffer>>;
}

export interface StaticFiles {
	/** Answers a GET or HEAD of a file held in memory and returns true; otherwise false, untouched. */
	serve(req: IncomingMessage, res: ServerResponse): boolean;
	/** URL paths held, for the start message and tests. */
	readonly paths: string[];
}

/**
 * Reads `clientDir` (Astro's dist/client). `assetsDir` holds content-hashed files, which may be
 * cached for good; everything else is revalidated (as @astrojs/node does).
 */
export function loadStaticFiles(clientDir: string, assetsDir = '_astro'): StaticFiles {
	const entries = new Map<string, Entry>();
	let total = 0;
	for (const [file, stats] of listFiles(clientDir)) {
		const rel = relative(clientDir, file).split(sep).join('/');
		// Dotfiles are never served (send denies them); they stay with the next handler.
		if (rel.split('/').some((segment) => segment.startsWith('.'))) continue;
		const type = TYPES[extensionOf(rel)];
		if (!type || stats.size > MAX_FILE_BYTES || total + stats.size > MAX_TOTAL_BYTES) continue;
		const identity = readFileSync(file);
		total += identity.byteLength;
		const compressible = isCompressible(type);
		const bodies: Entry['bodies'] = { identity };
		if (compressible && identity.byteLength >= 256) {
			const br = brotliCompressSync(identity, {
				params: {
					[constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
					[constants.BROTLI_PARAM_SIZE_HINT]: identity.byteLength,
				},
			});
			const gzip = gzipSync(identity, { level: constants.Z_BEST_COMPRESSION });
			if (br.byteLength < identity.byteLength) bodies.br = br;
			if (gzip.byteLength < identity.byteLength) bodies.gzip = gzip;
		}
		const entry: Entry = {
			type,
			etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
			lastModified: stats.mtime.toUTCString(),
			cacheControl: rel.startsWith(`${assetsDir}/`)
				? 'public, max-age=31536000, immutable'
				: 'public, max-age=0',
			compressible,
			bodies,
		};
		entries.set(`/${rel}`, entry);
		// A folder's index answers for the folder, with or without the slash (trailingSlash "ignore").
		if (rel === 'index.html') entries.set('/', entry);
		else if (rel.endsWith('/index.html')) {
			const folder = `/${rel.slice(0, -'/index.html'.length)}`;
			entries.set(folder, entry);
			entries.set(`${folder}/`, entry);
		}
	}

	return {
		paths: [...entries.keys()],
		serve(req, res) {
			const method = req.method;
			if ((method !== 'GET' && method !== 'HEAD') || req.headers.range) return false;
			const entry = entries.get(pathOf(req.url ?? '/') ?? '');
			if (!entry) return false;
			const encoding = entry.compressible ? chooseEncoding(req.headers['accept-encoding']) : null;
			const body = (encoding && entry.bodies[encoding]) || entry.bodies.identity;
			const sent = body === entry.bodies.identity ? null : encoding;
			// Weak: the brotli, gzip and plain forms are the same page, byte for byte once decoded.
			const etag = `W/${entry.etag}`;
			res.setHeader('Content-Type', entry.type);
			res.setHeader('Cache-Control', entry.cacheControl);
			res.setHeader('ETag', etag);
			res.setHeader('Last-Modified', entry.lastModified);
			res.setHeader('Accept-Ranges', 'bytes');
			if (entry.compressible) res.setHeader('Vary', 'Accept-Encoding');
			if (notModified(req, etag, entry.lastModified)) {
				res.statusCode = 304;
				res.end();
				return true;
			}
			if (sent) res.setHeader('Content-Encoding', sent);
			res.setHeader('Content-Length', body.byteLength);
			res.statusCode = 200;
			if (method === 'HEAD') res.end();
			else res.end(body);
			return true;
		},
	};
}

function* listFiles(dir: string): Generator<[string, Stats]> {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		return; // no build yet: nothing to hold
	}
	for (const name of names.sort()) {
		const path = join(dir, name);
		const stats = statSync(path);
		if (stats.isDirectory()) yield* listFiles(path);
		else if (stats.isFile()) yield [path, stats];
	}
}

function extensionOf(path: string): string {
	const dot = path.lastIndexOf('.');
	return dot > path.lastIndexOf('/') ? path.slice(dot).toLowerCase() : '';
}

/** brotli, then gzip, whichever the client accepts (q > 0), else none. */
export function chooseEncoding(header: string | string[] | undefined): Encoding | null {
	if (!header) return null;
	const accepted = new Map<string, number>();
	for (const part of String(header).split(',')) {
		const [name = '', ...params] = part.trim().toLowerCase().split(';');
		let q = 1;
		for (const param of params) {
			const [key, value] = param.trim().split('=');
			if (key === 'q') q = Number(value);
		}
		if (name) accepted.set(name, Number.isFinite(q) ? q : 0);
	}
	const allows = (name: Encoding) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
	if (allows('br')) return 'br';
	if (allows('gzip')) return 'gzip';
	return null;
}

/** RFC 9110: If-None-Match (weak comparison) wins over If-Modified-Since. */
function notModified(req: IncomingMessage, etag: string, lastModified: string): boolean {
	const ifNoneMatch = req.headers['if-none-match'];
	if (ifNoneMatch !== undefined) {
		const opaque = etag.replace(/^W\//, '');
		return ifNoneMatch
			.split(',')
			.map((tag) => tag.trim())
			.some((tag) => tag === '*' || tag.replace(/^W\//, '') === opaque);
	}
	const since = req.headers['if-modified-since'];
	if (since === undefined) return false;
	const date = Date.parse(since);
	return Number.isFinite(date) && Date.parse(lastModified) <= date;
}
