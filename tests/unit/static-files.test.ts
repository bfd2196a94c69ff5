/** The prerendered pages from memory, over a real HTTP server: as Astro's handler, but faster. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	chooseEncoding,
	loadStaticFiles,
	type StaticFiles,
} from '../../src/lib/server/platform/static-files.ts';

const PAGE = `<!doctype html><title>Trust</title>${'<p>Security at Acme.</p>'.repeat(200)}`;

describe('static files from memory', () => {
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-static-'));
	let statics: StaticFiles;
	let server: Server;
	let base: string;
	beforeAll(async () => {
		writeFileSync(join(dir, 'index.html'), PAGE);
		writeFileSync(join(dir, 'robots.txt'), 'User-agent: *\nAllow: /\n');
		writeFileSync(join(dir, 'logo.png'), Buffer.alloc(300, 7));
		writeFileSync(join(dir, 'big.svg'), Buffer.alloc(2 * 1024 * 1024, 32));
		writeFileSync(join(dir, 'report.pdf'), '%PDF-1.7');
		writeFileSync(join(dir, '.env'), 'SECRET=1');
		mkdirSync(join(dir, 'security'));
		writeFileSync(join(dir, 'security', 'index.html'), PAGE.replace('Trust', 'Security'));
		mkdirSync(join(dir, '_astro'));
		writeFileSync(join(dir, '_astro', 'page.abc123.css'), 'body{color:#111}'.repeat(40));
		statics = loadStaticFiles(dir);
		server = createServer((req, res) => {
			if (statics.serve(req, res)) return;
			res.statusCode = 404;
			res.setHeader('X-Fell-Through', 'yes');
			res.end();
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(() => {
		server.close();
		rmSync(dir, { recursive: true, force: true });
	});

	const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
		new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
			(resolve, reject) => {
				// The path as given: a URL would resolve its dot segments first.
				const { hostname, port } = new URL(base);
				const req = request({ hostname, port, path, method, headers });
				req.on('response', (res) => {
					const chunks: Buffer[] = [];
					res.on('data', (c: Buffer) => chunks.push(c));
					res.on('end', () =>
						resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
					);
				});
				req.on('error', reject);
				req.end();
			},
		);

	it('holds the small files it can type, and nothing hidden or large', () => {
		expect(statics.paths.sort()).toEqual(
			[
				'/',
				'/_astro/page.abc123.css',
				'/index.html',
				'/logo.png',
				'/robots.txt',
				'/security',
				'/security/',
				'/security/index.html',
			].sort(),
		);
	});

	it.each([
		['br', 'br', brotliDecompressSync],
		['gzip, deflate', 'gzip', gunzipSync],
		['gzip;q=1, br;q=0', 'gzip', gunzipSync],
		['identity', undefined, (b: Buffer) => b],
		[undefined, undefined, (b: Buffer) => b],
	] as const)('answers / to Accept-Encoding %s with %s', async (asked, sent, decode) => {
		const answer = await get('/?utm_source=mail', asked ? { 'Accept-Encoding': asked } : {});
		expect(answer.status).toBe(200);
		expect(answer.headers['content-encoding']).toBe(sent);
		expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
		expect(answer.headers.vary).toBe('Accept-Encoding');
		expect(answer.headers['cache-control']).toBe('public, max-age=0');
		expect(Number(answer.headers['content-length'])).toBe(answer.body.byteLength);
		expect(decode(answer.body).toString()).toBe(PAGE);
	});

	it('answers 304 to a matching If-None-Match, whichever encoding it was', async () => {
		const first = await get('/', { 'Accept-Encoding': 'br' });
		const etag = String(first.headers.etag);
		expect(etag).toMatch(/^W\/"/);
		const again = await get('/', { 'If-None-Match': etag, 'Accept-Encoding': 'gzip' });
		expect(again.status).toBe(304);
		expect(again.body.byteLength).toBe(0);
		expect((await get('/', { 'If-None-Match': 'W/"other"' })).status).toBe(200);
		const since = String(first.headers['last-modified']);
		expect((await get('/', { 'If-Modified-Since': since })).status).toBe(304);
	});

	it('answers HEAD with the headers alone', async () => {
		const answer = await get('/robots.txt', {}, 'HEAD');
		expect(answer.status).toBe(200);
		expect(answer.headers['content-length']).toBe('23');
		expect(answer.body.byteLength).toBe(0);
	});

	it('serves a folder index with and without the slash, and hashed assets for good', async () => {
		expect((await get('/security')).body.toString()).toContain('<title>Security');
		expect((await get('/security/')).body.toString()).toContain('<title>Security');
		const css = await get('/_astro/page.abc123.css');
		expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
		// Images are not recompressed.
		const png = await get('/logo.png', { 'Accept-Encoding': 'br' });
		expect(png.headers['content-encoding']).toBeUndefined();
		expect(png.headers.vary).toBeUndefined();
	});

	it.each([
		['a POST', '/', 'POST', {}],
		['a Range request', '/', 'GET', { Range: 'bytes=0-9' }],
		['a file too large to hold', '/big.svg', 'GET', {}],
		['a type it does not know', '/report.pdf', 'GET', {}],
		['a dotfile', '/.env', 'GET', {}],
		['a missing file', '/nope.html', 'GET', {}],
		['a path that does not decode', '/%E0%A4%A', 'GET', {}],
		['a path out of the folder', '/../index.html', 'GET', {}],
		['an escaped path out of the folder', '/%2E%2E/index.html', 'GET', {}],
	] as const)('leaves %s to the next handler', async (_name, path, method, headers) => {
		const answer = await get(path, headers, method);
		expect(answer.headers['x-fell-through']).toBe('yes');
	});

	it('prefers brotli, then gzip, and honours q=0 and *', () => {
		expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
		expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
		expect(chooseEncoding('*')).toBe('br');
		expect(chooseEncoding('*, br;q=0')).toBe('gzip');
		expect(chooseEncoding('identity')).toBeNull();
		expect(chooseEncoding('gzip;q=0, br;q=0')).toBeNull();
		expect(chooseEncoding(undefined)).toBeNull();
	});
});
