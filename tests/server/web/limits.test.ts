/**
 * Request limits of the real server (`npm start`): bodies refused before they are read, bodies
 * cut off or timed out while they are read, and 405 with Allow for methods a route does not take.
 * Not database-specific: runs on the embedded database only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	memoryOf,
	pageText,
	peakRssDuring,
	send,
	sendRaw,
	statusesIn,
} from '../../helpers/http.ts';
import { startServer, type RunningServer } from '../../helpers/processes.ts';

const MB = 1024 * 1024;

/** `total` bytes of form-like data in 64 KB chunks, generated as they are read. */
function bodyOf(total: number): Readable {
	let sent = 0;
	const chunk = Buffer.alloc(64 * 1024, 'a');
	return new Readable({
		read() {
			if (sent >= total) return this.push(null);
			const next = chunk.subarray(0, Math.min(chunk.length, total - sent));
			sent += next.length;
			this.push(next);
		},
	});
}

describe('request limits', () => {
	const tmp = mkdtempSync(join(tmpdir(), 'trustroom-limits-'));
	let server: RunningServer;
	let port: number;
	const form = () => ({
		Origin: server.url,
		'Content-Type': 'application/x-www-form-urlencoded',
	});

	beforeAll(async () => {
		server = await startServer({
			PGLITE_DIR: join(tmp, 'pglite'),
			OUTBOX_DIR: join(tmp, 'outbox'),
			BODY_TIMEOUT_MS: '1000',
		});
		port = Number(new URL(server.url).port);
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(tmp, { recursive: true, force: true });
	});

	it('refuses a 50 MB form post with 413 from its Content-Length, without reading it into memory', async () => {
		await send(`${server.url}/request`);
		const before = memoryOf(server.pid).rssMb;
		const { result: answer, peakMb } = await peakRssDuring(
			server.pid,
			send(`${server.url}/request`, {
				method: 'POST',
				headers: { ...form(), 'Content-Length': 50 * MB },
				body: bodyOf(50 * MB),
			}),
		);
		const after = memoryOf(server.pid).rssMb;
		console.log(
			`50 MB POST with Content-Length: server RSS ${before.toFixed(1)} MB before, ${peakMb.toFixed(1)} MB at most during, ${after.toFixed(1)} MB after`,
		);
		expect(answer.status).toBe(413);
		expect(answer.headers.connection).toBe('close');
		expect(pageText(answer.body).alert).toMatch(/accepts up to 64 KB\. Shorten what you entered/);
		// Reading the body would cost 50 MB at least; a few MB is the page render and allocator noise.
		expect(peakMb - before).toBeLessThan(16);
	});

	it('cuts off a chunked body at the limit with 413, without holding it', async () => {
		const before = memoryOf(server.pid).rssMb;
		const { result: answer, peakMb } = await peakRssDuring(
			server.pid,
			send(`${server.url}/request`, { method: 'POST', headers: form(), body: bodyOf(50 * MB) }),
		);
		console.log(
			`50 MB chunked POST: server RSS ${before.toFixed(1)} MB before, ${peakMb.toFixed(1)} MB at most during`,
		);
		expect(answer.status).toBe(413);
		expect(answer.headers.connection).toBe('close');
		expect(peakMb - before).toBeLessThan(16);
	});

	it('still reads a form that fits the limit', async () => {
		const answer = await send(`${server.url}/request`, {
			method: 'POST',
			headers: form(),
			body: `name=Jane&reason=${'x'.repeat(60 * 1024)}`,
		});
		expect(answer.status).toBe(400);
		expect(answer.body).toContain('Work email is required');
	});

	it('reads a small chunked form like any other', async () => {
		const answer = await send(`${server.url}/request`, {
			method: 'POST',
			headers: form(),
			body: Readable.from([Buffer.from('name=Jane&'), Buffer.from('company=Acme')]),
		});
		expect(answer.status).toBe(400);
		expect(answer.body).toContain('Work email is required');
		expect(answer.body).toContain('value="Acme"');
	});

	it('tells a client that waits for 100 Continue to go on only when the body fits', async () => {
		const ask = (length: number) =>
			new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
				let continued = false;
				const req = httpRequest(`${server.url}/request`, {
					method: 'POST',
					headers: { ...form(), 'Content-Length': length, Expect: '100-continue' },
				});
				req.on('continue', () => {
					continued = true;
					req.end('x'.repeat(length));
				});
				req.on('response', (res) => {
					res.resume();
					res.on('end', () => resolve({ continued, status: res.statusCode ?? 0 }));
				});
				req.on('error', reject);
				req.flushHeaders();
			});
		expect(await ask(20 * MB)).toEqual({ continued: false, status: 413 });
		expect(await ask(100)).toEqual({ continued: true, status: 400 });
	});

	it('ends a body at its Content-Length: what follows is read as the next request, not as body', async () => {
		const raw = await sendRaw(port, [
			`POST /request HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${server.url}\r\n` +
				'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\n\r\nname=x' +
				`GET /no-such-page HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
		]);
		expect(statusesIn(raw)).toEqual([400, 404]);
	});

	it('gives up on a body that arrives too slowly with 408', async () => {
		const raw = await sendRaw(port, [
			`POST /request HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${server.url}\r\n` +
				'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nname=',
			{ waitMs: 3000 },
			'x'.repeat(95),
		]);
		expect(statusesIn(raw)).toEqual([408]);
		expect(raw).toContain('The request took too long to arrive');
	});

	it.each([
		['PUT', '/', 'GET, HEAD'],
		['POST', '/', 'GET, HEAD'],
		['DELETE', '/favicon.svg', 'GET, HEAD'],
		['DELETE', '/request', 'GET, HEAD, POST'],
		['PATCH', '/portal', 'GET, HEAD'],
		['PUT', '/admin/login', 'GET, HEAD, POST'],
		['GET', '/portal/logout', 'POST'],
		['GET', '/admin/logout', 'POST'],
		['GET', '/portal/download/soc2-type2-2025.pdf', 'POST'],
		['POST', '/trust.json', 'GET, HEAD'],
		['POST', '/verify/ABCD-EFGH', 'GET, HEAD'],
	])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
		const answer = await send(`${server.url}${path}`, {
			method,
			headers: form(),
			body: method === 'GET' ? undefined : 'x=1',
		});
		expect(answer.status).toBe(405);
		expect(answer.headers.allow).toBe(allow);
		expect(pageText(answer.body).title).toBe('This address does not take that kind of request');
	});
});
