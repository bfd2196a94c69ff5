import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config.ts';
import { bodyLimitFor, longestBodyTimeoutMs } from '../../src/lib/server/platform/body-limits.ts';

describe('body limits', () => {
	const config = loadConfig({});

	it.each(['/request', '/nda', '/admin/login', '/portal/download/soc2-type2-2025.pdf'])(
		'gives %s the form limit of 64 KB and 30 s',
		(path) => {
			expect(bodyLimitFor(path, config)).toEqual({ bytes: 64 * 1024, timeoutMs: 30_000 });
		},
	);

	it('gives the document upload MAX_UPLOAD_MB, and time for a slow uplink', () => {
		const limit = bodyLimitFor('/admin/documents/soc2-type2-2025/upload', config);
		expect(limit.bytes).toBeGreaterThan(100 * 1024 * 1024);
		expect(limit.timeoutMs).toBeGreaterThan(10 * 60_000);
		expect(longestBodyTimeoutMs(config)).toBe(limit.timeoutMs);
	});

	it('follows BODY_LIMIT_KB and BODY_TIMEOUT_MS', () => {
		const small = loadConfig({ BODY_LIMIT_KB: '8', BODY_TIMEOUT_MS: '5000' });
		expect(bodyLimitFor('/request', small)).toEqual({ bytes: 8 * 1024, timeoutMs: 5000 });
	});

	it.each([
		['BODY_LIMIT_KB', '64k', /whole number: kilobytes/],
		['BODY_LIMIT_KB', '0', /between 1 and/],
		['BODY_TIMEOUT_MS', '10', /between 100 and/],
	])('names %s when it is %j', (variable, value, message) => {
		expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
		expect(() => loadConfig({ [variable]: value })).toThrow(message);
	});
});
