import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/lib/server/platform/config.ts';

describe('loadConfig', () => {
	it('has working defaults for a first start', () => {
		expect(loadConfig({})).toMatchObject({
			databaseUrl: null,
			pgliteDir: '.data/pglite',
			host: 'localhost',
			port: 4321,
			siteUrl: 'http://localhost:4321',
			resendApiKey: null,
		});
	});

	it('derives the public address from HOST and PORT, and accepts an explicit SITE_URL', () => {
		expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).siteUrl).toBe('http://localhost:8080');
		expect(loadConfig({ SITE_URL: 'https://trust.example.com/' }).siteUrl).toBe(
			'https://trust.example.com',
		);
	});

	it.each([
		['PORT', 'abc', /whole number/],
		['PORT', '70000', /between 1 and 65535/],
		['DATABASE_URL', 'localhost:5432/db', /PostgreSQL URL/],
		['DATABASE_URL', 'mysql://root@localhost/db', /PostgreSQL URL/],
		['SITE_URL', 'trust.example.com', /http\(s\) address/],
		['EMAIL_FROM', 'Trust <trust@example.com>\r\nBcc: x@evil.test', /one line/],
		['EMAIL_FROM', 'not an address', /address such as/],
		['HOST', 'my host', /host name or IP/],
	])('names %s when it is %j', (variable, value, message) => {
		let error: unknown;
		try {
			loadConfig({ [variable]: value });
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ConfigError);
		expect((error as ConfigError).variable).toBe(variable);
		expect((error as Error).message).toMatch(new RegExp(`^${variable}: `));
		expect((error as Error).message).toMatch(message);
	});
});
