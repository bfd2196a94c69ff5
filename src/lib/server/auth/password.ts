import { hash, verify } from '@node-rs/argon2';
import { generateCode } from '../platform/crypto.ts';

// OWASP's argon2id baseline (19 MiB, 2 iterations, 1 lane); argon2id is the library's default.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, outputLen: 32, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
	return hash(password.normalize('NFKC'), OPTIONS);
}

export function verifyPasswordHash(hashed: string, password: string): Promise<boolean> {
	return verify(hashed, password.normalize('NFKC'));
}

/** 24 characters from a 30-letter alphabet: about 118 bits, shown once and never stored. */
export function generatePassword(): string {
	return generateCode(24, 'abcdefghjkmnpqrstuvwxyz23456789').replace(/(.{6})(?!$)/g, '$1-');
}
