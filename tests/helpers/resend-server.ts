/**
 * A stand-in for Resend's API on 127.0.0.1, so tests drive the real `resend` client over real
 * HTTP. It records every request and answers as told: success (with Resend's idempotency: the
 * same key returns the same email id), an error status, or a dropped connection.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	body: Record<string, unknown> | null;
	/** What the server did: the status it answered with, or `drop`. */
	answer: number | 'drop';
}

export type ResendBehaviour =
	| { kind: 'accept' }
	| {
			kind: 'error';
			status: number;
			name: string;
			message: string;
			headers?: Record<string, string>;
	  }
	| { kind: 'drop' };

export interface ResendServer {
	/** Base URL to give the client as RESEND_BASE_URL. */
	url: string;
	requests: RecordedRequest[];
	/** Emails Resend would have sent: one per idempotency key that was accepted. */
	sent: Map<string, { id: string; body: Record<string, unknown> }>;
	/** Answers the next requests with these behaviours, in order, then accepts again. */
	queue(...behaviours: ResendBehaviour[]): void;
	/** Holds every answer until `release()` (to keep a send in flight). */
	hold(): { release(): void };
	close(): Promise<void>;
}

export async function startResendServer(): Promise<ResendServer> {
	const requests: RecordedRequest[] = [];
	const sent = new Map<string, { id: string; body: Record<string, unknown> }>();
	const queued: ResendBehaviour[] = [];
	let gate: Promise<void> | null = null;
	let counter = 0;

	const server = createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const raw = Buffer.concat(chunks).toString('utf8');
		let body: Record<string, unknown> | null = null;
		try {
			body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
		} catch {
			body = null;
		}
		if (gate) await gate;
		const behaviour = queued.shift() ?? { kind: 'accept' };
		const record: RecordedRequest = {
			method: req.method ?? '',
			path: req.url ?? '',
			headers: req.headers,
			body,
			answer: 'drop',
		};
		requests.push(record);
		if (behaviour.kind === 'drop') {
			req.socket.destroy();
			return;
		}
		if (behaviour.kind === 'error') {
			record.answer = behaviour.status;
			res.writeHead(behaviour.status, {
				'content-type': 'application/json',
				...behaviour.headers,
			});
			res.end(
				JSON.stringify({
					statusCode: behaviour.status,
					name: behaviour.name,
					message: behaviour.message,
				}),
			);
			return;
		}
		if (req.method !== 'POST' || req.url !== '/emails' || !body) {
			record.answer = 404;
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ statusCode: 404, name: 'not_found', message: 'Not found' }));
			return;
		}
		const key = String(req.headers['idempotency-key'] ?? `none-${++counter}`);
		let email = sent.get(key);
		if (!email) {
			email = { id: `re_${++counter}`, body };
			sent.set(key, email);
		}
		record.answer = 200;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ id: email.id }));
	});
	await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
	const { port } = server.address() as AddressInfo;

	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		sent,
		queue: (...behaviours) => queued.push(...behaviours),
		hold() {
			let release = () => {};
			gate = new Promise<void>((open) => (release = open));
			return {
				release() {
					gate = null;
					release();
				},
			};
		},
		close: () =>
			new Promise<void>((done) => {
				server.closeAllConnections();
				server.close(() => done());
			}),
	};
}
