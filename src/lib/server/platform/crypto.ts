import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(data: Uint8Array | string): string {
	return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 computed on libuv's thread pool, for large buffers on a busy server. */
export async function sha256HexAsync(data: Uint8Array): Promise<string> {
	return Buffer.from(
		await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>),
	).toString('hex');
}

export function sha256(data: Uint8Array | string): Uint8Array {
	return new Uint8Array(createHash('sha256').update(data).digest());
}

/** Constant-time comparison, so a guessed secret leaks nothing through timing. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
	return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** Human-typable random string from an alphabet without look-alikes (0/O, 1/I/L). */
export function generateCode(length: number, alphabet = 'ABCDEFGHJKMNPQRSTVWXYZ23456789'): string {
	// Rejection sampling keeps every character equally likely.
	const limit = 256 - (256 % alphabet.length);
	let out = '';
	while (out.length < length) {
		for (const byte of randomBytes(length * 2)) {
			if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
		}
	}
	return out;
}
