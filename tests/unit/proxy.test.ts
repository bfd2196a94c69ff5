import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config.ts';
import {
	normaliseAddress,
	parseTrustProxy,
	resolveClient,
	type PeerRequest,
	type TrustProxy,
} from '../../src/lib/server/platform/proxy.ts';

function trust(value: string): TrustProxy {
	const parsed = parseTrustProxy(value);
	if ('error' in parsed) throw new Error(parsed.error);
	return parsed;
}

function request(
	remoteAddress: string,
	headers: PeerRequest['headers'] = {},
	encrypted = false,
): PeerRequest {
	return { remoteAddress, encrypted, headers: { host: 'trust.example.com', ...headers } };
}

describe('parseTrustProxy', () => {
	it.each([
		['', 'none'],
		['false', 'none'],
		['0', 'none'],
		['1', 'hops'],
		['3', 'hops'],
		['10.0.0.5', 'addresses'],
		['10.0.0.0/8, 192.168.1.1', 'addresses'],
		['loopback', 'addresses'],
		['private,::1', 'addresses'],
		['2001:db8::/32', 'addresses'],
	])('reads %j as %s', (value, kind) => {
		expect(trust(value).kind).toBe(kind);
	});

	it.each([
		['true', /would trust any client/],
		['11', /at most 10/],
		['proxy.internal', /not an IP address/],
		['10.0.0.0/33', /not an IP address/],
		['10.0.0.0/8/1', /not an IP address/],
		['10.0.0.1, nope', /"nope"/],
	])('refuses %j, saying what to write', (value, message) => {
		const parsed = parseTrustProxy(value);
		expect('error' in parsed && parsed.error).toMatch(message);
	});

	it('is read by the configuration, naming TRUST_PROXY when it is bad', () => {
		expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toEqual({ kind: 'hops', hops: 1 });
		expect(loadConfig({}).trustProxy).toEqual({ kind: 'none' });
		expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/^TRUST_PROXY: .*everyone/);
	});
});

describe('resolveClient', () => {
	const cases: [string, string, PeerRequest, string][] = [
		// [TRUST_PROXY, scenario, request, expected client address]
		['', 'no proxy: the socket peer', request('203.0.113.9'), '203.0.113.9'],
		[
			'',
			'untrusted: a forged X-Forwarded-For changes nothing',
			request('203.0.113.9', { 'x-forwarded-for': '198.51.100.1' }),
			'203.0.113.9',
		],
		[
			'1',
			'one proxy: the address it appended',
			request('10.0.0.2', { 'x-forwarded-for': '198.51.100.7' }),
			'198.51.100.7',
		],
		[
			'1',
			'one proxy: what the client wrote before it is ignored',
			request('10.0.0.2', { 'x-forwarded-for': '1.1.1.1, 198.51.100.7' }),
			'198.51.100.7',
		],
		[
			'1',
			'one proxy, header given twice: read as one list',
			request('10.0.0.2', { 'x-forwarded-for': ['1.1.1.1', '198.51.100.7'] }),
			'198.51.100.7',
		],
		[
			'2',
			'two proxies: two steps from the right',
			request('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.0.3' }),
			'198.51.100.7',
		],
		[
			'2',
			'two proxies, shorter chain: its first address',
			request('10.0.0.2', { 'x-forwarded-for': '198.51.100.7' }),
			'198.51.100.7',
		],
		['1', 'one proxy, no header: the peer', request('10.0.0.2'), '10.0.0.2'],
		[
			'1',
			'one proxy, garbage appended: the peer',
			request('10.0.0.2', { 'x-forwarded-for': 'unknown' }),
			'10.0.0.2',
		],
		[
			'10.0.0.0/8',
			'listed proxies: walks left over every listed address',
			request('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.1.2.3' }),
			'198.51.100.7',
		],
		[
			'10.0.0.0/8',
			'listed proxies: a peer not on the list is the client',
			request('192.0.2.50', { 'x-forwarded-for': '198.51.100.7' }),
			'192.0.2.50',
		],
		[
			'loopback',
			'loopback proxy seen as IPv4-mapped IPv6',
			request('::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }),
			'198.51.100.7',
		],
		[
			'1',
			'proxies that add ports',
			request('10.0.0.2', { 'x-forwarded-for': '198.51.100.7:51234' }),
			'198.51.100.7',
		],
		[
			'1',
			'IPv6 clients, bracketed with a port',
			request('10.0.0.2', { 'x-forwarded-for': '[2001:DB8::1]:443' }),
			'2001:db8::1',
		],
	];
	it.each(cases)('TRUST_PROXY=%j, %s', (value, _scenario, req, address) => {
		expect(resolveClient(req, trust(value)).address).toBe(address);
	});

	it.each([
		[
			'',
			{ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
			'http://trust.example.com',
		],
		['1', { 'x-forwarded-proto': 'https' }, 'https://trust.example.com'],
		[
			'1',
			{ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example' },
			'https://public.example',
		],
		// The nearest proxy's value wins over anything the client put in front of it.
		['1', { 'x-forwarded-proto': 'http, https' }, 'https://trust.example.com'],
		['1', { 'x-forwarded-proto': 'gopher' }, 'http://trust.example.com'],
		['1', { 'x-forwarded-host': 'bad host/path' }, 'http://trust.example.com'],
		['192.0.2.1', { 'x-forwarded-proto': 'https' }, 'http://trust.example.com'],
	] as const)('TRUST_PROXY=%j with %j: origin %s', (value, headers, origin) => {
		expect(resolveClient(request('10.0.0.2', headers), trust(value)).origin).toBe(origin);
	});

	it('takes the protocol from the socket itself when it is TLS', () => {
		expect(resolveClient(request('203.0.113.9', {}, true), trust('')).protocol).toBe('https');
	});
});

describe('normaliseAddress', () => {
	it.each([
		['127.0.0.1', '127.0.0.1'],
		['::ffff:192.0.2.1', '192.0.2.1'],
		['[::1]', '::1'],
		['192.0.2.1:80', '192.0.2.1'],
		['not-an-ip', null],
		['', null],
	])('%j → %j', (raw, expected) => {
		expect(normaliseAddress(raw)).toBe(expected);
	});
});
