/**
 * A TLS-terminating reverse proxy on loopback, as nginx or a load balancer would stand in front
 * of the server: HTTPS outside with a self-signed certificate made here, plain HTTP inside from
 * its own source address, and X-Forwarded-For (appended), -Proto and -Host set.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsProxy {
	url: string;
	/** The certificate (PEM), for clients that want to trust it rather than ignore errors. */
	certificate: string;
	close(): Promise<void>;
}

/** A one-day self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
export function selfSignedCertificate(): { key: string; cert: string } {
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-cert-'));
	try {
		const made = spawnSync('openssl', [
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=127.0.0.1',
			'-addext',
			'subjectAltName=IP:127.0.0.1,DNS:localhost',
			'-keyout',
			join(dir, 'key.pem'),
			'-out',
			join(dir, 'cert.pem'),
		]);
		if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
		return {
			key: readFileSync(join(dir, 'key.pem'), 'utf8'),
			cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
		};
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export async function startTlsProxy(options: {
	port: number;
	upstream: string;
	/** The proxy's own address towards the server (so the server can tell it from clients). */
	localAddress: string;
}): Promise<TlsProxy> {
	const { key, cert } = selfSignedCertificate();
	const upstream = new URL(options.upstream);
	const server: Server = createServer({ key, cert }, (req, res) => {
		const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
			.flat()
			.filter(Boolean)
			.join(', ');
		const inner = httpRequest(
			{
				host: upstream.hostname,
				port: upstream.port,
				method: req.method,
				path: req.url,
				localAddress: options.localAddress,
				headers: {
					...req.headers,
					'x-forwarded-for': forwardedFor,
					'x-forwarded-proto': 'https',
					'x-forwarded-host': req.headers.host ?? '',
				},
			},
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		inner.on('error', () => {
			if (!res.headersSent) res.writeHead(502);
			res.end();
		});
		req.pipe(inner);
	});
	await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
	return {
		url: `https://127.0.0.1:${options.port}`,
		certificate: cert,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
