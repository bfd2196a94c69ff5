/**
 * What a staff password must be (NIST SP 800-63B): long enough, and not one that attackers try
 * first. No composition rules: they make passwords harder to remember, not to guess.
 */
import COMMON_PASSWORDS_TEXT from './common-passwords.txt?raw';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
	return (common ??= new Set(
		COMMON_PASSWORDS_TEXT.split('\n').filter((line) => line && !line.startsWith('#')),
	));
}

export type PasswordPolicyResult = { ok: true } | { ok: false; message: string };

/** Checks a new password; the message says what to change. */
export function checkPasswordPolicy(
	password: string,
	person: { email?: string | null; name?: string | null } = {},
): PasswordPolicyResult {
	const length = [...password.normalize('NFKC')].length;
	if (length < MIN_PASSWORD_LENGTH)
		return {
			ok: false,
			message: `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${length}). A few unrelated words make a long password easy to remember.`,
		};
	if (length > MAX_PASSWORD_LENGTH)
		return { ok: false, message: `Use at most ${MAX_PASSWORD_LENGTH} characters.` };
	if (isCommon(password, person))
		return {
			ok: false,
			message:
				'This password is on the list of common passwords that attackers try first. Choose another one.',
		};
	return { ok: true };
}

function isCommon(password: string, person: { email?: string | null; name?: string | null }) {
	const lower = password.normalize('NFKC').toLowerCase();
	const list = commonPasswords();
	if (list.has(lower)) return true;
	// A common word padded with digits or symbols ("password12345!") is as easy to guess.
	const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/gu, '');
	if (core.length > 0 && list.has(core)) return true;
	// One character repeated, or the person's own email or name, is the first thing to try.
	if (/^(.)\1*$/u.test(lower)) return true;
	const own = [person.email, person.email?.split('@')[0], person.name]
		.filter((value): value is string => Boolean(value && value.length >= 4))
		.map((value) => value.toLowerCase().replace(/\s+/g, ''));
	return own.some((value) => lower.replace(/\s+/g, '') === value || core === value);
}
