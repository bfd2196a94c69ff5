import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy } from '../../src/lib/server/auth/password-policy.ts';

describe('checkPasswordPolicy', () => {
	it.each([
		['a long passphrase', 'correct horse battery staple'],
		['12 random characters', 'q7#Lm2!vX9@p'],
		['12 characters of another script', 'Żółć gęślą jaźń'],
	])('accepts %s', (_name, password) => {
		expect(checkPasswordPolicy(password)).toEqual({ ok: true });
	});

	it.each([
		['11 characters', 'q7#Lm2!vX9@', /at least 12 characters \(this one has 11\)/],
		['257 characters', 'x7'.repeat(128) + 'y', /at most 256/],
		['a common 12-character password', 'qwerty123456', /common passwords/],
		['the same in capitals', 'QWERTY123456', /common passwords/],
		['a common word padded with digits', 'dragon1234567', /common passwords/],
		['a common word padded with symbols', '!!!sunshine!!!', /common passwords/],
		['one character repeated', 'aaaaaaaaaaaaaa', /common passwords/],
	])('refuses %s, saying what to change', (_name, password, message) => {
		const result = checkPasswordPolicy(password);
		expect(result.ok).toBe(false);
		expect(!result.ok && result.message).toMatch(message);
	});

	it("refuses the person's own email as the password", () => {
		expect(
			checkPasswordPolicy('sam.smith@example.com', { email: 'sam.smith@example.com' }).ok,
		).toBe(false);
		expect(checkPasswordPolicy('sam.smith.2026', { email: 'sam.smith@example.com' }).ok).toBe(
			false,
		);
	});

	it('ships a list of thousands of common passwords', () => {
		const lines = readFileSync('src/lib/server/auth/common-passwords.txt', 'utf8')
			.split('\n')
			.filter((line) => line && !line.startsWith('#'));
		expect(lines.length).toBeGreaterThan(10_000);
		expect(lines.slice(0, 3)).toEqual(['123456', 'password', '12345678']);
	});
});
