/**
 * The bench's HTTP client: node:http on a keep-alive agent, reading each answer's bytes and
 * keeping them only when asked. It stands in for browsers on other machines, so it should cost
 * this machine as little CPU as it can: Node's fetch spends about as much CPU receiving a copy as
 * the server spends making and sending it, and on a 2-core machine that time is taken from the
 * server being measured.
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface Answer {
	status: number;
	byteLength: number;
	/** Content-Encoding, if any. */
	encoding?: string;
	/** The body as it came (not decompressed), when `keep` was asked for. */
	bytes?: Buffer;
}

export function call(
	url: string,
	options: {
		method?: string;
		headers?: Record<string, string>;
		body?: string;
		keep?: boolean;
	} = {},
): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent });
		req.on('response', (res) => {
			const chunks: Buffer[] = [];
			let byteLength = 0;
			res.on('data', (chunk: Buffer) => {
				byteLength += chunk.byteLength;
				if (options.keep) chunks.push(chunk);
			});
			res.on('end', () => {
				const announced = res.headers['content-length'];
				if (announced !== undefined && Number(announced) !== byteLength) {
					reject(new Error(`${url}: ${byteLength} of ${announced} bytes arrived`));
					return;
				}
				resolve({
					status: res.statusCode ?? 0,
					byteLength,
					...(res.headers['content-encoding'] ? { encoding: res.headers['content-encoding'] } : {}),
					...(options.keep ? { bytes: Buffer.concat(chunks, byteLength) } : {}),
				});
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(options.body);
	});
}

/** One reusable 1 MB read buffer per connection: a copy arrives in a few reads, not hundreds. */
const READ_BUFFER = 1024 * 1024;

/**
 * A request whose answer is only counted, over a connection of its own with large reads: for the
 * copies of the load test, where Node's http client would spend more CPU than the server does.
 * It speaks just enough HTTP/1.1 for an answer with Content-Length (what the server sends).
 */
export function drain(
	url: string,
	options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
	const { hostname, port, pathname, search } = new URL(url);
	return new Promise((resolve, reject) => {
		let head = '';
		let status = 0;
		let expected = -1;
		let byteLength = 0;
		const socket = connect({
			host: hostname,
			port: Number(port),
			onread: {
				buffer: Buffer.allocUnsafe(READ_BUFFER),
				callback(size, buffer) {
					let body = size;
					if (expected < 0) {
						head += Buffer.from(buffer.buffer, buffer.byteOffset, size).toString('latin1');
						const end = head.indexOf('\r\n\r\n');
						if (end < 0) return true;
						status = Number(head.slice(9, 12));
						const length = /\r\ncontent-length:\s*(\d+)/i.exec(head.slice(0, end));
						if (!length) {
							socket.destroy(new Error(`${url}: no Content-Length in the answer`));
							return false;
						}
						expected = Number(length[1]);
						body = head.length - end - 4;
					}
					byteLength += body;
					if (byteLength >= expected) {
						socket.end();
						if (byteLength > expected) reject(new Error(`${url}: more bytes than announced`));
						else resolve({ status, byteLength });
					}
					return true;
				},
			},
		});
		socket.on('error', reject);
		socket.on('close', () => {
			if (expected < 0 || byteLength < expected)
				reject(new Error(`${url}: ${byteLength} of ${expected} bytes arrived`));
		});
		const lines = [
			`${options.method ?? 'GET'} ${pathname}${search} HTTP/1.1`,
			`Host: ${hostname}:${port}`,
		];
		for (const [name, value] of Object.entries(options.headers ?? {}))
			lines.push(`${name}: ${value}`);
		socket.write(`${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`);
	});
}

/**
 * GETs of one URL over one kept-alive connection, as a browser on another machine would reuse it,
 * costing this machine little: the answer's head is parsed just enough for its status and
 * Content-Length, and its body is kept. For the GET / probe, which runs beside the server it
 * measures (Node's http client spent over 1 ms of CPU per request there).
 */
export function keptAlive(url: string, headers: Record<string, string> = {}) {
	const { hostname, port, pathname, search } = new URL(url);
	const lines = [`GET ${pathname}${search} HTTP/1.1`, `Host: ${hostname}:${port}`];
	for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
	const ask = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
	let waiting: { resolve(a: Answer): void; reject(e: Error): void } | null = null;
	let received: Buffer[] = [];
	let head: { status: number; length: number; encoding?: string; bodyStart: number } | null = null;
	let size = 0;
	const fail = (error: Error) => {
		const w = waiting;
		waiting = null;
		w?.reject(error);
	};
	const socket = connect({ host: hostname, port: Number(port) });
	socket.setNoDelay(true);
	socket.on('error', fail);
	socket.on('close', () => fail(new Error(`${url}: the connection closed`)));
	socket.on('data', (chunk: Buffer) => {
		received.push(chunk);
		size += chunk.byteLength;
		if (!head) {
			const all = Buffer.concat(received, size);
			const end = all.indexOf('\r\n\r\n');
			if (end < 0) return;
			const text = all.subarray(0, end).toString('latin1');
			const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
			if (!length) return fail(new Error(`${url}: no Content-Length in the answer`));
			const encoding = /\r\ncontent-encoding:\s*([^\r]+)/i.exec(text)?.[1];
			head = {
				status: Number(text.slice(9, 12)),
				length: Number(length[1]),
				bodyStart: end + 4,
				...(encoding ? { encoding } : {}),
			};
			received = [all];
		}
		if (size - head.bodyStart < head.length) return;
		if (size - head.bodyStart > head.length)
			return fail(new Error(`${url}: more bytes than announced`));
		const all = received.length === 1 ? received[0]! : Buffer.concat(received, size);
		const answer: Answer = {
			status: head.status,
			byteLength: head.length,
			bytes: all.subarray(head.bodyStart),
			...(head.encoding ? { encoding: head.encoding } : {}),
		};
		received = [];
		size = 0;
		head = null;
		const w = waiting;
		waiting = null;
		w?.resolve(answer);
	});
	return {
		get(): Promise<Answer> {
			if (waiting) return Promise.reject(new Error('one request at a time'));
			return new Promise<Answer>((resolve, reject) => {
				waiting = { resolve, reject };
				socket.write(ask);
			});
		},
		close: () => socket.destroy(),
	};
}
