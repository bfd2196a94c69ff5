/** Compression over real HTTP: text as the client asks (brotli, gzip), PDFs byte for byte. */
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServer, type RunningServer } from '../../helpers/processes.ts';
import { acceptNdaOverHttp, signInReviewer } from '../../helpers/reviewer.ts';

interface RawAnswer {
	status: number;
	headers: IncomingHttpHeaders;
	bytes: Buffer;
}

/** One request, its body as the bytes on the wire (Node's fetch would decompress it). */
function raw(
	url: string,
	options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method: options.method ?? 'GET', headers: options.headers });
		req.on('response', (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () =>
				resolve({
					status: res.statusCode ?? 0,
					headers: res.headers,
					bytes: Buffer.concat(chunks),
				}),
			);
		});
		req.on('error', reject);
		req.end();
	});
}

const decode = (answer: RawAnswer) =>
	answer.headers['content-encoding'] === 'br'
		? brotliDecompressSync(answer.bytes)
		: answer.headers['content-encoding'] === 'gzip'
			? gunzipSync(answer.bytes)
			: answer.bytes;

describe('compression', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-compression-'));
	const env = { PGLITE_DIR: join(tmp, 'pglite'), OUTBOX_DIR: join(tmp, 'outbox') };
	let server: RunningServer;
	beforeAll(async () => {
		expect((await runCli(['db', 'migrate'], env)).code).toBe(0);
		const rule = ['rules', 'add', '--domain', 'acme.example', '--action', 'approve'];
		expect((await runCli(rule, env)).stderr).toBe('');
		server = await startServer(env);
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	it.each([
		['br', 'br'],
		['gzip', 'gzip'],
		['gzip, deflate, br', 'br'],
		['identity', undefined],
		[undefined, undefined],
	] as const)('sends the static trust page to Accept-Encoding %s as %s', async (asked, sent) => {
		const plain = await raw(`${server.url}/`);
		const answer = await raw(`${server.url}/`, {
			headers: asked ? { 'Accept-Encoding': asked } : {},
		});
		expect(answer.status).toBe(200);
		expect(answer.headers['content-encoding']).toBe(sent);
		expect(answer.headers.vary).toMatch(/Accept-Encoding/i);
		expect(decode(answer).toString()).toBe(plain.bytes.toString());
		if (sent) expect(answer.bytes.byteLength).toBeLessThan(plain.bytes.byteLength / 2);
	});

	it.each([
		['an on-demand page', '/request'],
		['the machine-readable facts', '/trust.json'],
		['security.txt', '/.well-known/security.txt'],
	])('compresses %s (%s)', async (_name, path) => {
		const answer = await raw(`${server.url}${path}`, {
			headers: { 'Accept-Encoding': 'gzip, br' },
		});
		expect(answer.status).toBe(200);
		expect(answer.headers['content-encoding']).toBe('br');
		expect(decode(answer).byteLength).toBeGreaterThan(answer.bytes.byteLength);
	});

	it('sends a public PDF as it is, whatever the client accepts', async () => {
		const answer = await raw(`${server.url}/documents/iso-27001-certificate.pdf`, {
			headers: { 'Accept-Encoding': 'gzip, br' },
		});
		expect(answer.status).toBe(200);
		expect(answer.headers['content-type']).toMatch(/^application\/pdf/);
		expect(answer.headers['content-encoding']).toBeUndefined();
		expect(answer.bytes.subarray(0, 5).toString()).toBe('%PDF-');
	});

	it('sends a stamped copy as it is, whatever the client accepts', async () => {
		const site = { url: server.url, outbox: env.OUTBOX_DIR };
		const cookie = await signInReviewer(site, 'jane@acme.example');
		await acceptNdaOverHttp(site, cookie);
		const answer = await raw(`${server.url}/portal/download/soc2-type2-2025.pdf`, {
			method: 'POST',
			headers: { Cookie: cookie, Origin: server.url, 'Accept-Encoding': 'gzip, br' },
		});
		expect(answer.status).toBe(200);
		expect(answer.headers['content-encoding']).toBeUndefined();
		expect(answer.bytes.subarray(0, 5).toString()).toBe('%PDF-');
	});
});
