/**
 * A stand-in for a Slack incoming webhook on 127.0.0.1: records every posted message and answers
 * with the statuses queued (then 200 "ok", as Slack does).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackServer {
	/** The webhook URL to give as SLACK_WEBHOOK_URL. */
	url: string;
	/** Every request's body (parsed JSON) and the status it got. */
	received: { body: { text?: string } | null; status: number }[];
	/** Answers the next requests with these statuses, in order, then 200 again. */
	queue(...statuses: number[]): void;
	close(): Promise<void>;
}

export async function startSlackServer(): Promise<SlackServer> {
	const received: SlackServer['received'] = [];
	const queued: number[] = [];
	const server = createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		let body: { text?: string } | null = null;
		try {
			body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: string };
		} catch {
			body = null;
		}
		const status = queued.shift() ?? 200;
		received.push({ body, status });
		res.writeHead(status, { 'content-type': 'text/plain' });
		res.end(status === 200 ? 'ok' : 'internal_error');
	});
	await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
		received,
		queue: (...statuses) => queued.push(...statuses),
		close: () =>
			new Promise<void>((done) => {
				server.closeAllConnections();
				server.close(() => done());
			}),
	};
}
