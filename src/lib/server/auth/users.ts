/** Staff accounts (admins and sales reps). */
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { usersTable } from '../../../../db/schema.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { generatePassword, hashPassword, verifyPasswordHash } from './password.ts';

export const ROLES = ['admin', 'sales'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
	id: number;
	email: string;
	name: string;
	role: Role;
}

export type CreateUserResult =
	| { ok: true; user: User; password: string }
	| { ok: false; reason: 'email_taken' | 'invalid_email' | 'invalid_name' | 'invalid_role' };

export function normalizeEmail(email: string): string {
	return email.normalize('NFC').trim().toLowerCase();
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** Creates a staff user with a generated password, returned once and stored only as a hash. */
export async function createUser(
	db: Database,
	input: { email: string; name: string; role: string },
	actor: string,
): Promise<CreateUserResult> {
	const email = normalizeEmail(input.email);
	const name = input.name.normalize('NFC').trim();
	if (!EMAIL.test(email) || email.length > 254) return { ok: false, reason: 'invalid_email' };
	if (!name || name.length > 120 || /[\p{Cc}]/u.test(name))
		return { ok: false, reason: 'invalid_name' };
	if (!ROLES.includes(input.role as Role)) return { ok: false, reason: 'invalid_role' };
	const password = generatePassword();
	const passwordHash = await hashPassword(password);
	return db.transaction(async (tx) => {
		const [existing] = await tx
			.select({ id: usersTable.id })
			.from(usersTable)
			.where(eq(usersTable.email, email));
		if (existing) return { ok: false, reason: 'email_taken' } as const;
		const [row] = await tx
			.insert(usersTable)
			.values({ email, name, role: input.role as Role, passwordHash })
			.returning({ id: usersTable.id });
		if (!row) throw new Error('Inserting the user returned nothing');
		await appendAuditEvent(tx, {
			type: 'user.created',
			actor,
			subject: `user:${row.id}`,
			data: { email, role: input.role },
		});
		return {
			ok: true,
			user: { id: row.id, email, name, role: input.role as Role },
			password,
		} as const;
	});
}

export async function countUsers(db: Database): Promise<number> {
	return (await db.select({ id: usersTable.id }).from(usersTable)).length;
}

export type PasswordResult = { ok: true; user: User } | { ok: false };

/** Checks an email and password. Unknown emails cost the same time as wrong passwords. */
export async function validateUserPassword(
	db: Database,
	emailInput: string,
	password: string,
): Promise<PasswordResult> {
	const email = normalizeEmail(emailInput);
	const [row] = await db.select().from(usersTable).where(eq(usersTable.email, email));
	// Verify against a fixed hash when there is no user, so timing does not reveal which emails exist.
	const valid = await verifyPasswordHash(
		row?.passwordHash ?? (await dummyHash()),
		password.slice(0, 1024),
	);
	if (!row || !valid || row.disabledAt) return { ok: false };
	return { ok: true, user: { id: row.id, email: row.email, name: row.name, role: row.role } };
}

let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
	return (dummy ??= hashPassword(generatePassword()));
}

export async function getUserByEmail(db: Database, email: string): Promise<User | null> {
	const [row] = await db
		.select({
			id: usersTable.id,
			email: usersTable.email,
			name: usersTable.name,
			role: usersTable.role,
		})
		.from(usersTable)
		.where(eq(usersTable.email, normalizeEmail(email)));
	return row ?? null;
}
