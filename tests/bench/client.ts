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
