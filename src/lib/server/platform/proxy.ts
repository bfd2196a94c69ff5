/**
 * TRUST_PROXY: which reverse proxies in front of the server may tell us the client's address,
 * protocol and host (X-Forwarded-For, -Proto, -Host). Everything else about a request's origin
 * comes from the socket itself.
 */
import { BlockList, isIP } from 'node:net';

export type TrustProxy =
	| { kind: 'none' }
	/** The socket peer and the next `hops - 1` addresses to its left in X-Forwarded-For are proxies. */
	| { kind: 'hops'; hops: number }
	/** Proxies are the peers whose address is in this list (addresses and CIDR ranges). */
	| { kind: 'addresses'; list: BlockList; text: string };

/** Who sent a request, as far as the trusted proxies let us know. */
export interface ClientInfo {
	/** The client's IP address (IPv4-mapped IPv6 written as IPv4). */
	address: string;
	protocol: 'http' | 'https';
	/** Host (and port) the client asked for, from a trusted X-Forwarded-Host or the Host header. */
	host: string | null;
	/** `protocol://host`, or null without a usable host. */
	origin: string | null;
}

const NAMED_RANGES: Record<string, [string, number][]> = {
	loopback: [
		['127.0.0.0', 8],
		['::1', 128],
	],
	private: [
		['10.0.0.0', 8],
		['172.16.0.0', 12],
		['192.168.0.0', 16],
		['fc00::', 7],
	],
};

export const MAX_PROXY_HOPS = 10;

/**
 * Reads TRUST_PROXY: unset or `false` trusts nothing; a number is how many proxies stand in front
 * (`1` for one reverse proxy); otherwise a comma list of proxy addresses, CIDR ranges and the
 * names `loopback` and `private`. Returns a message saying what to write when the value is bad.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | { error: string } {
	const text = (value ?? '').trim();
	if (text === '' || text === 'false' || text === '0') return { kind: 'none' };
	if (/^\d+$/.test(text)) {
		const hops = Number(text);
		if (hops > MAX_PROXY_HOPS)
			return { error: `must be at most ${MAX_PROXY_HOPS} proxies; list their addresses instead` };
		return { kind: 'hops', hops };
	}
	if (text === 'true')
		// Trusting every peer would let any client choose its own address: make the operator count.
		return {
			error:
				'"true" would trust any client; give the number of proxies in front (such as 1) or their addresses',
		};
	const list = new BlockList();
	for (const raw of text.split(',')) {
		const item = raw.trim();
		if (NAMED_RANGES[item]) {
			for (const [network, prefix] of NAMED_RANGES[item])
				list.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');
			continue;
		}
		const [address = '', prefixText, extra] = item.split('/');
		const family = isIP(address);
		const max = family === 6 ? 128 : 32;
		const prefix = prefixText === undefined ? max : Number(prefixText);
		if (
			!family ||
			extra !== undefined ||
			(prefixText !== undefined && !/^\d+$/.test(prefixText)) ||
			prefix > max
		) {
			return {
				error: `"${item}" is not an IP address or CIDR range; write a proxy count such as 1, or addresses such as 10.0.0.5, 10.0.0.0/8, loopback`,
			};
		}
		list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
	}
	return { kind: 'addresses', list, text };
}

export interface PeerRequest {
	/** The socket's remote address. */
	remoteAddress: string | undefined;
	/** Whether the socket itself is TLS. */
	encrypted: boolean;
	headers: {
		host?: string | undefined;
		'x-forwarded-for'?: string | string[] | undefined;
		'x-forwarded-proto'?: string | string[] | undefined;
		'x-forwarded-host'?: string | string[] | undefined;
	};
}

/**
 * The client behind the trusted proxies. X-Forwarded-For is read from the right (each proxy
 * appends the address it saw), one trusted hop at a time, so addresses a client wrote itself
 * (further left) are never believed. Protocol and host are taken from the nearest proxy's
 * headers, and only when the socket peer is a trusted proxy.
 */
export function resolveClient(request: PeerRequest, trust: TrustProxy): ClientInfo {
	const peer = normaliseAddress(request.remoteAddress ?? '') ?? '';
	const forwarded = headerList(request.headers['x-forwarded-for']);
	let address = peer;
	let peerTrusted = false;
	if (trust.kind === 'hops') {
		peerTrusted = trust.hops > 0;
		// Step left over as many proxies as there are; a chain shorter than that ends at its start.
		for (let hop = 0; hop < trust.hops; hop++) {
			const next = normaliseAddress(forwarded[forwarded.length - 1 - hop] ?? '');
			if (!next) break;
			address = next;
		}
	} else if (trust.kind === 'addresses') {
		peerTrusted = isTrusted(trust, peer);
		for (let hop = 0; isTrusted(trust, address); hop++) {
			const next = normaliseAddress(forwarded[forwarded.length - 1 - hop] ?? '');
			if (!next) break;
			address = next;
		}
	}
	const encrypted = request.encrypted ? 'https' : 'http';
	const forwardedProto = peerTrusted
		? headerList(request.headers['x-forwarded-proto']).at(-1)?.toLowerCase()
		: undefined;
	const protocol =
		forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted;
	const forwardedHost = peerTrusted
		? headerList(request.headers['x-forwarded-host']).at(-1)
		: undefined;
	const host = [forwardedHost, request.headers.host].find(isHost)?.toLowerCase() ?? null;
	return { address, protocol, host, origin: host ? `${protocol}://${host}` : null };
}

function isTrusted(trust: Extract<TrustProxy, { kind: 'addresses' }>, address: string): boolean {
	const family = isIP(address);
	return family !== 0 && trust.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function headerList(value: string | string[] | undefined): string[] {
	return [value ?? []]
		.flat()
		.flatMap((v) => v.split(','))
		.map((v) => v.trim())
		.filter(Boolean);
}

/** An IP address as written by proxies (maybe with a port, or IPv4-mapped), or null. */
export function normaliseAddress(raw: string): string | null {
	let text = raw.trim();
	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
	if (bracketed) text = bracketed[1]!;
	else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
	if (mapped) text = mapped[1]!;
	return isIP(text) ? text.toLowerCase() : null;
}

const HOST =
	/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function isHost(value: string | undefined): value is string {
	return value !== undefined && value.length <= 260 && HOST.test(value);
}
