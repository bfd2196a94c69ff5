/** HTTP as the tests need it beyond fetch: a chosen source address, bodies of any shape, raw bytes. */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';

export interface Answer {
	status: number;
	headers: IncomingHttpHeaders;
	body: string;
}

export interface RawOptions {
	method?: string;
	headers?: Record<string, string | number>;
	/** A string, or a stream of chunks (sent chunked unless Content-Length is given). */
	body?: string | Readable;
	/** Loopback source address, so one test machine can be several clients (127.0.0.2, ...). */
	localAddress?: string;
}

/**
 * One request; resolves with the answer even when the server answers before the body is sent and
 * closes the connection (as it does for a refused upload).
 */
export function send(url: string, options: RawOptions = {}): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const length = typeof options.body === 'string' ? Buffer.byteLength(options.body) : undefined;
		const req = httpRequest(url, {
			method: options.method ?? 'GET',
			// Node sends a string body on DELETE without a length (nor chunked) unless told.
			headers: {
				...(length === undefined ? {} : { 'Content-Length': length }),
				...options.headers,
			},
			localAddress: options.localAddress,
		});
		let answered = false;
		req.on('response', (res) => {
			answered = true;
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (chunk) => (body += chunk));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
			res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
		});
		// The server closing on an upload it refused is expected; only fail without any answer.
		req.on('error', (error) => {
			if (!answered) setTimeout(() => (answered ? undefined : reject(error)), 200);
		});
		const { body } = options;
		if (body === undefined) req.end();
		else if (typeof body === 'string') req.end(body);
		else {
			body.on('error', () => req.destroy());
			body.pipe(req);
		}
	});
}

/** Writes raw bytes on one connection and returns everything the server sent until it closed. */
export function sendRaw(
	port: number,
	chunks: (string | Buffer | { waitMs: number })[],
): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = connect(port, '127.0.0.1');
		let received = '';
		socket.setEncoding('latin1');
		socket.on('data', (chunk) => (received += chunk));
		socket.on('close', () => resolve(received));
		socket.on('error', (error) => (received ? resolve(received) : reject(error)));
		socket.once('connect', async () => {
			for (const chunk of chunks) {
				if (socket.destroyed) return;
				if (typeof chunk === 'object' && 'waitMs' in chunk)
					await new Promise((r) => setTimeout(r, chunk.waitMs));
				else socket.write(chunk);
			}
		});
	});
}

/** The statuses in a raw HTTP/1.1 exchange, in order. */
export function statusesIn(raw: string): number[] {
	return [...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
}

/** Resident and peak memory of a process, in MB (Linux). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (field: string) =>
		Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
	return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** The highest resident memory of a process (MB) while `work` runs, sampled every 10 ms. */
export async function peakRssDuring<T>(
	pid: number,
	work: Promise<T>,
): Promise<{ result: T; peakMb: number }> {
	let peakMb = memoryOf(pid).rssMb;
	const timer = setInterval(() => (peakMb = Math.max(peakMb, memoryOf(pid).rssMb)), 10);
	try {
		const result = await work;
		await new Promise((resolve) => setTimeout(resolve, 300));
		peakMb = Math.max(peakMb, memoryOf(pid).rssMb);
		return { result, peakMb };
	} finally {
		clearInterval(timer);
	}
}

/** The text a person reads on an HTML page: the h1 and the alert, without markup. */
export function pageText(html: string): { title: string; alert: string } {
	const strip = (s: string | undefined) =>
		(s ?? '')
			.replace(/<[^>]+>/g, '')
			.replace(/&#39;/g, "'")
			.replace(/&amp;/g, '&')
			.trim();
	return {
		title: strip(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]),
		alert: strip(/role="alert"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1]),
	};
}
