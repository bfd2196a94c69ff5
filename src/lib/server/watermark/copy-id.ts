/** Copy ids: printed on every page of a copy and kept in its metadata, e.g. 7F3K-Q9MD. */
import { generateCode } from '../platform/crypto.ts';

// No 0/O, 1/I/L or U: an id read off paper or typed from a phone photo has one spelling.
const COPY_ID_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A copy id anywhere in text (not anchored, not global: safe with `.test` and `.match`). */
export const COPY_ID_PATTERN =
	/(?<![A-Z0-9])[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}(?![A-Z0-9])/;

/** Info dictionary key that carries the copy id. */
export const COPY_ID_INFO_KEY = 'TrustroomCopyId';

/** 8 characters (about 39 bits) from crypto randomness, as XXXX-XXXX. */
export function generateCopyId(): string {
	const code = generateCode(8, COPY_ID_ALPHABET);
	return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * A copy id as people type it (lower case, spaces, no dash, an en dash from a document) in the
 * one spelling it is stored in, or null when it cannot be one.
 */
export function normalizeCopyId(typed: string): string | null {
	const code = typed.toUpperCase().replace(/[\s\-‐-―]/g, '');
	if (!/^[A-HJKMNP-TV-Z2-9]{8}$/.test(code)) return null;
	return `${code.slice(0, 4)}-${code.slice(4)}`;
}
