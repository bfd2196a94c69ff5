/**
 * The bench's HTTP client: node:http on a keep-alive agent, reading each answer's bytes and
 * keeping them only when asked. It stands in for browsers on other machines, so it should cost
 * this machine as little CPU as it can: Node's fetch spends about as much CPU receiving a copy as
 * the server spends making and sending it, and on a 2-core machine that time is taken from the
 * server being measured.
 */
import { Agent, request } from 'node:http';

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
