/**
 * What the start script's HTTP server does before Astro sees a request: work out the client
 * behind trusted proxies and drop the forwarded headers, refuse a body that is too large (from its
 * Content-Length, before reading it) or too slow, and a wrong method on a static file. Refusals are
 * still rendered by the app (at PROBLEM_PATH, in the house style), with no body and the connection
 * closed afterwards so an unread upload is not drained.
 */
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { Config } from './config.ts';
import { bodyLimitFor } from './body-limits.ts';
import { PROBLEM_PATH, runWithIncoming, type EarlyRefusal } from './incoming.ts';
import { resolveClient } from './proxy.ts';

const FORWARDED_HEADERS = [
	'forwarded',
	'x-forwarded-for',
	'x-forwarded-host',
	'x-forwarded-proto',
	'x-forwarded-port',
	'x-real-ip',
];

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RequestGuard {
	/** For the server's 'request' event. */
	request: Handler;
	/** For 'checkContinue': a client waiting to send its body is told 100 Continue only if accepted. */
	checkContinue: Handler;
}

export function createRequestGuard(
	app: Handler,
	options: { config: Config; clientDir: string },
): RequestGuard {
	const { config, clientDir } = options;
	const handle = (req: IncomingMessage, res: ServerResponse, waitsForContinue: boolean) => {
		const client = resolveClient(
			{
				remoteAddress: req.socket.remoteAddress,
				encrypted: Boolean((req.socket as TLSSocket).encrypted),
				headers: req.headers,
			},
			config.trustProxy,
		);
		// Whatever was forwarded has been weighed above; nothing after this may read it raw.
		for (const name of FORWARDED_HEADERS) delete req.headers[name];

		const pass = (refusal: EarlyRefusal | null, body?: Buffer) => {
			if (refusal) {
				closeAfterAnswer(req, res);
				req.url = PROBLEM_PATH;
			}
			// Astro reads `req.body` when it is set instead of the stream: the app never reads the socket.
			if (body || refusal) Object.assign(req, { body: body ?? Buffer.alloc(0) });
			runWithIncoming({ client, refusal, whenSent: () => sentOf(res) }, () => app(req, res));
		};

		const pathname = pathOf(req.url ?? '/');
		if (pathname === null) return pass({ status: 400 });
		const method = req.method ?? 'GET';
		const readsBody = method !== 'GET' && method !== 'HEAD';
		// @astrojs/node serves a static file for any method; only GET and HEAD make sense there.
		if (readsBody && isStaticFile(clientDir, pathname))
			return pass({ status: 405, allow: 'GET, HEAD' });

		const limit = bodyLimitFor(pathname, config);
		const announced = req.headers['content-length'];
		if (announced !== undefined && Number(announced) > limit.bytes)
			return pass({ status: 413, limitBytes: limit.bytes });
		if (!readsBody) {
			if (waitsForContinue) res.writeContinue();
			return pass(null);
		}
		readBody(req, limit, (outcome) => {
			if (outcome.ok) pass(null, outcome.body);
			else if (outcome.reason !== 'aborted')
				pass(
					outcome.reason === 'too_large'
						? { status: 413, limitBytes: limit.bytes }
						: { status: 408 },
				);
		});
		if (waitsForContinue) res.writeContinue();
	};
	return {
		request: (req, res) => handle(req, res, false),
		checkContinue: (req, res) => handle(req, res, true),
	};
}

/** How long a refused upload may go on arriving (and be dropped) after the answer, before closing. */
const LINGER_MS = 3000;

/**
 * Answers with `Connection: close` and then closes without losing the answer. Node closes the
 * socket right after the response; with unread input the kernel then resets the connection and
 * the client may never read the 413. So half-close, drop what still arrives for a moment (nginx's
 * "lingering close"), then close.
 */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
	res.setHeader('Connection', 'close');
	const socket = req.socket;
	socket.destroySoon = () => {
		socket.end();
		req.removeAllListeners('data');
		req.resume();
		socket.resume();
		const timer = setTimeout(() => socket.destroy(), LINGER_MS);
		timer.unref();
		socket.once('close', () => clearTimeout(timer));
	};
}

type BodyOutcome =
	{ ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'too_slow' | 'aborted' };

/** Reads a body of at most `limit.bytes` within `limit.timeoutMs`, counting what arrives. */
function readBody(
	req: IncomingMessage,
	limit: { bytes: number; timeoutMs: number },
	done: (outcome: BodyOutcome) => void,
): void {
	const chunks: Buffer[] = [];
	let received = 0;
	let settled = false;
	const settle = (outcome: BodyOutcome) => {
		if (settled) return;
		settled = true;
		clearTimeout(timer);
		req.off('data', onData);
		if (!outcome.ok) {
			chunks.length = 0;
			req.pause();
		}
		done(outcome);
	};
	const onData = (chunk: Buffer) => {
		received += chunk.byteLength;
		// A chunked body, or one longer than announced, is cut off at the limit.
		if (received > limit.bytes) settle({ ok: false, reason: 'too_large' });
		else chunks.push(chunk);
	};
	const timer = setTimeout(() => settle({ ok: false, reason: 'too_slow' }), limit.timeoutMs);
	req.on('data', onData);
	req.once('end', () => settle({ ok: true, body: Buffer.concat(chunks, received) }));
	req.once('error', () => settle({ ok: false, reason: 'aborted' }));
	req.once('close', () => {
		if (!req.complete) settle({ ok: false, reason: 'aborted' });
	});
}

/** The decoded path of a request target (no query), or null when it cannot be decoded. */
export function pathOf(url: string): string | null {
	const path = url.split(/[?#]/, 1)[0] ?? '/';
	try {
		return decodeURI(path);
	} catch {
		return null;
	}
}

/** Whether @astrojs/node's static handler would answer this path with a file from dist/client. */
function isStaticFile(clientDir: string, pathname: string): boolean {
	const root = normalize(clientDir);
	const file = normalize(join(root, pathname));
	if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
	try {
		const stats = statSync(file);
		return stats.isFile() || (stats.isDirectory() && statSync(join(file, 'index.html')).isFile());
	} catch {
		return false;
	}
}

/** When `res` has left the process: 'finish' (all of it written to the socket) or 'close'. */
function sentOf(res: ServerResponse): Promise<void> {
	if (res.writableFinished || res.destroyed) return Promise.resolve();
	return new Promise((resolve) => {
		res.once('finish', resolve);
		res.once('close', resolve);
	});
}
