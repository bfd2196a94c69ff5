/**
 * `whenSent`, as the request guard hands it to the app: resolved once a big answer has been
 * written out whole, or its reader has gone; the download gate keeps a copy's place until then.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config.ts';
import { getIncoming } from '../../src/lib/server/platform/incoming.ts';
import { createRequestGuard } from '../../src/lib/server/platform/request-guard.ts';

const BIG = Buffer.alloc(32 * 1024 * 1024, 1); // more than any socket buffer takes at once

let server: Server | undefined;
afterEach(() => server?.close());

/** A server whose app answers BIG and reports when `whenSent` resolved, and what had happened. */
async function serve(): Promise<{ port: number; sent: Promise<{ finished: boolean }> }> {
	let report!: (value: { finished: boolean }) => void;
	const sent = new Promise<{ finished: boolean }>((resolve) => (report = resolve));
	const guard = createRequestGuard(
		(_req, res) => {
			const incoming = getIncoming();
			if (!incoming) throw new Error('no incoming request facts');
			void incoming.whenSent().then(() => report({ finished: res.writableFinished }));
			res.writeHead(200, { 'Content-Length': BIG.byteLength });
			res.end(BIG);
		},
		{ config: loadConfig({}), clientDir: mkdtempSync(join(tmpdir(), 'guard-')) },
	);
	server = createServer(guard.request);
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('no port');
	return { port: address.port, sent };
}

describe('whenSent', () => {
	it('resolves once the whole answer has been written, not when the app returns', async () => {
		const { port, sent } = await serve();
		const socket = connect(port, '127.0.0.1');
		socket.write(`GET /download HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
		socket.pause(); // a reader who has not read yet: the answer cannot all have been written
		let settled = false;
		void sent.then(() => (settled = true));
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(settled).toBe(false);
		let received = 0;
		socket.on('data', (chunk: Buffer) => (received += chunk.byteLength));
		socket.resume();
		expect(await sent).toEqual({ finished: true });
		socket.destroy();
		expect(received).toBeGreaterThan(0);
	});

	it('resolves when the reader goes away before the end', async () => {
		const { port, sent } = await serve();
		const socket = connect(port, '127.0.0.1');
		socket.write(`GET /download HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
		socket.pause();
		await new Promise((resolve) => setTimeout(resolve, 100));
		socket.destroy();
		expect(await sent).toEqual({ finished: false });
	});
});
