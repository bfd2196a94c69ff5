/** Staff accounts (admins and sales reps). */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database, Executor } from '../../../../db/client.ts';
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
	/** Signs in with a TOTP code as a second step. */
	totpEnabled: boolean;
}

/** A row of the staff list. */
export interface StaffMember extends User {
	lastSignInAt: Date | null;
	disabledAt: Date | null;
	createdAt: Date;
}

export type CreateUserResult =
	| { ok: true; user: User; password: string }
	| { ok: false; reason: 'email_taken' | 'invalid_email' | 'invalid_name' | 'invalid_role' };

export function normalizeEmail(email: string): string {
	return email.normalize('NFC').trim().toLowerCase();
}

export const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

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
			user: { id: row.id, email, name, role: input.role as Role, totpEnabled: false },
			password,
		} as const;
	});
}

export async function countUsers(db: Database): Promise<number> {
	return (await db.select({ id: usersTable.id }).from(usersTable)).length;
}

/** Admins who can sign in (not disabled). */
export async function countActiveAdmins(db: Executor): Promise<number> {
	return (
		await db
			.select({ id: usersTable.id })
			.from(usersTable)
			.where(and(eq(usersTable.role, 'admin'), isNull(usersTable.disabledAt)))
	).length;
}

/** Every staff member, admins first, then by name. */
export async function listUsers(db: Database): Promise<StaffMember[]> {
	const rows = await db
		.select()
		.from(usersTable)
		.orderBy(asc(usersTable.role), asc(usersTable.name), asc(usersTable.id));
	return rows.map((row) => ({
		...toUser(row),
		lastSignInAt: row.lastSignInAt,
		disabledAt: row.disabledAt,
		createdAt: row.createdAt,
	}));
}

export function toUser(row: typeof usersTable.$inferSelect): User {
	return {
		id: row.id,
		email: row.email,
		name: row.name,
		role: row.role,
		totpEnabled: row.totpKey !== null,
	};
}

/** A person's name as typed on a form: trimmed, one line, 1 to 120 characters; null if not. */
export function cleanUserName(input: string): string | null {
	const name = input.normalize('NFC').trim();
	return !name || name.length > 120 || /[\p{Cc}]/u.test(name) ? null : name;
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
	const valid = await verifyPasswordHash(row?.passwordHash ?? DUMMY_HASH, password.slice(0, 1024));
	if (!row || !valid || row.disabledAt) return { ok: false };
	return { ok: true, user: toUser(row) };
}

// The hash of a random password nobody knows, made once with the same parameters as real ones
// (password.ts), so even the first unknown email of a process costs one verify, as a known one does.
const DUMMY_HASH =
	'$argon2id$v=19$m=19456,t=2,p=1$Oc/Ah4ivmIB4HJ8Ar2/V7g$nVZ4prplai7ZXXWiirgOnARql5IARxQJbvM2f79UErg';

export async function getUserByEmail(db: Executor, email: string): Promise<User | null> {
	const [row] = await db
		.select()
		.from(usersTable)
		.where(eq(usersTable.email, normalizeEmail(email)));
	return row ? toUser(row) : null;
}

export async function getUser(db: Executor, id: number): Promise<StaffMember | null> {
	const [row] = await db.select().from(usersTable).where(eq(usersTable.id, id));
	return row
		? {
				...toUser(row),
				lastSignInAt: row.lastSignInAt,
				disabledAt: row.disabledAt,
				createdAt: row.createdAt,
			}
		: null;
}
