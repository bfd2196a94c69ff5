/** Staff invitations and the first-admin setup link, on PGlite and PostgreSQL. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { emailsTable, staffInvitationsTable } from '../../../db/schema.ts';
import {
	acceptInvitation,
	createInvitation,
	getInvitation,
	INVITATION_TTL_MS,
	listPendingInvitations,
} from '../../../src/lib/server/auth/invitations.ts';
import { createSetupLink, SETUP_LINK_TTL_MS } from '../../../src/lib/server/auth/setup-link.ts';
import { createUser, validateUserPassword, type User } from '../../../src/lib/server/auth/users.ts';
import { databases } from '../../helpers/db.ts';

const MAIL = {
	config: { emailFrom: null, siteUrl: 'https://trust.example.com' },
	companyName: 'Kestrel Analytics',
};
const FORM = {
	email: '',
	name: 'Sam Sales',
	password: 'sam picks a long one',
	confirm: 'sam picks a long one',
};

describe.each(databases())('staff invitations on %s', (backend) => {
	let handle: DatabaseHandle;
	let admin: User;
	beforeAll(async () => {
		handle = await backend.open();
	});
	afterAll(() => handle.close());

	/** The token from the newest email to `to`. */
	const tokenMailedTo = async (to: string) => {
		const mails = await handle.db.select().from(emailsTable).where(eq(emailsTable.to, to));
		const mail = mails.at(-1)!;
		expect(mail.text).toContain('expires in 7 days');
		return /\/admin\/invite\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
	};

	describe('the first-admin setup link', () => {
		it('is made only while there is no admin, and a newer one replaces the older', async () => {
			const now = new Date();
			const first = await createSetupLink(handle.db, 'https://trust.example.com', now);
			const second = await createSetupLink(handle.db, 'https://trust.example.com', now);
			expect(second!.url).toMatch(/^https:\/\/trust\.example\.com\/admin\/setup\?token=[\w-]{43}$/);
			expect(second!.expiresAt.getTime() - now.getTime()).toBe(SETUP_LINK_TTL_MS);
			const token = (url: string) => new URL(url).searchParams.get('token')!;
			expect(await getInvitation(handle.db, token(first!.url), 'setup')).toEqual({
				ok: false,
				reason: 'used',
			});
			// Opening it (GET) twice does not use it.
			expect((await getInvitation(handle.db, token(second!.url), 'setup')).ok).toBe(true);
			expect((await getInvitation(handle.db, token(second!.url), 'setup')).ok).toBe(true);
			// Not a staff invitation: the invite page refuses it.
			expect((await getInvitation(handle.db, token(second!.url), 'invite')).ok).toBe(false);
			const made = await acceptInvitation(handle.db, token(second!.url), 'setup', {
				...FORM,
				email: 'Ada@Example.com',
				name: 'Ada Admin',
			});
			expect(made).toMatchObject({ ok: true, user: { email: 'ada@example.com', role: 'admin' } });
			admin = made.ok ? made.user : admin;
			expect(
				await acceptInvitation(handle.db, token(second!.url), 'setup', {
					...FORM,
					email: 'x@example.com',
				}),
			).toEqual({ ok: false, reason: 'used' });
			expect(await createSetupLink(handle.db, 'https://trust.example.com')).toBeNull();
		});

		it('is void once an admin exists some other way (the CLI)', async () => {
			const fresh = await backend.open();
			try {
				const link = await createSetupLink(fresh.db, 'https://trust.example.com');
				await createUser(fresh.db, { email: 'cli@example.com', name: 'Cli', role: 'admin' }, 'cli');
				const token = new URL(link!.url).searchParams.get('token')!;
				expect(
					await acceptInvitation(fresh.db, token, 'setup', { ...FORM, email: 'late@example.com' }),
				).toEqual({ ok: false, reason: 'admin_exists' });
			} finally {
				await fresh.close();
			}
		});
	});

	it('emails a one-time link; opening it does not use it; accepting makes the account once', async () => {
		expect(
			await createInvitation(handle.db, MAIL, admin, { email: 'Sam@Example.com', role: 'sales' }),
		).toEqual({ ok: true, email: 'sam@example.com' });
		const token = await tokenMailedTo('sam@example.com');
		const [row] = await handle.db
			.select()
			.from(staffInvitationsTable)
			.where(eq(staffInvitationsTable.email, 'sam@example.com'));
		expect(JSON.stringify(row)).not.toContain(token);
		expect((await listPendingInvitations(handle.db)).map((i) => i.email)).toEqual([
			'sam@example.com',
		]);
		expect(await getInvitation(handle.db, token, 'invite')).toMatchObject({
			ok: true,
			email: 'sam@example.com',
			role: 'sales',
		});
		// A weak password is refused and the link stays usable.
		const weak = await acceptInvitation(handle.db, token, 'invite', {
			...FORM,
			password: 'short',
			confirm: 'short',
		});
		expect(weak).toMatchObject({
			ok: false,
			reason: 'form',
			errors: { password: expect.stringMatching(/12/) },
		});
		const made = await acceptInvitation(handle.db, token, 'invite', FORM);
		expect(made).toMatchObject({
			ok: true,
			user: { email: 'sam@example.com', role: 'sales', name: 'Sam Sales' },
		});
		expect((await validateUserPassword(handle.db, 'sam@example.com', FORM.password)).ok).toBe(true);
		expect(await acceptInvitation(handle.db, token, 'invite', FORM)).toEqual({
			ok: false,
			reason: 'used',
		});
		expect(await listPendingInvitations(handle.db)).toEqual([]);
	});

	it('refuses an expired invitation', async () => {
		const then = new Date(Date.now() - INVITATION_TTL_MS - 1000);
		await createInvitation(
			handle.db,
			MAIL,
			admin,
			{ email: 'late@example.com', role: 'sales' },
			then,
		);
		const token = await tokenMailedTo('late@example.com');
		expect(await getInvitation(handle.db, token, 'invite')).toEqual({
			ok: false,
			reason: 'expired',
		});
		expect(await acceptInvitation(handle.db, token, 'invite', FORM)).toEqual({
			ok: false,
			reason: 'expired',
		});
	});

	it('replaces an older invitation to the same address', async () => {
		await createInvitation(handle.db, MAIL, admin, { email: 'twice@example.com', role: 'sales' });
		const old = await tokenMailedTo('twice@example.com');
		await createInvitation(handle.db, MAIL, admin, { email: 'twice@example.com', role: 'admin' });
		const fresh = await tokenMailedTo('twice@example.com');
		expect(await getInvitation(handle.db, old, 'invite')).toEqual({ ok: false, reason: 'used' });
		expect(await getInvitation(handle.db, fresh, 'invite')).toMatchObject({
			ok: true,
			role: 'admin',
		});
	});

	it.each([
		[{ email: 'not an email', role: 'sales' }, 'email'],
		[{ email: 'new@example.com', role: 'owner' }, 'role'],
		[{ email: 'sam@example.com', role: 'sales' }, 'email'],
	])('refuses to invite %j, naming the field', async (values, field) => {
		const result = await createInvitation(handle.db, MAIL, admin, values);
		expect(result.ok).toBe(false);
		expect(!result.ok && Object.keys(result.errors)).toEqual([field]);
	});

	it('refuses a garbled or unknown token', async () => {
		expect(await getInvitation(handle.db, 'abc', 'invite')).toEqual({
			ok: false,
			reason: 'invalid',
		});
		expect(await getInvitation(handle.db, 'A'.repeat(43), 'invite')).toEqual({
			ok: false,
			reason: 'invalid',
		});
	});
});
