/** `trustroom users create`. */
import { createUser } from '../../lib/server/auth/users.ts';
import { type Command, required, withDatabase } from '../command.ts';

export const commands: Record<string, Command> = {
	'users create': {
		usage: 'trustroom users create --email <email> --name <name> --role admin|sales',
		options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
		async run(values) {
			const email = required(values, 'email', "the person's work email");
			const name = required(values, 'name', 'their full name');
			const role = required(values, 'role', 'admin or sales');
			await withDatabase(async (handle) => {
				const result = await createUser(handle.db, { email, name, role }, 'cli');
				if (!result.ok) {
					const reasons = {
						email_taken: `a user with the email ${email} already exists`,
						invalid_email: `"${email}" is not an email address`,
						invalid_name: '--name must be 1 to 120 printable characters',
						invalid_role: `--role must be admin or sales, not "${role}"`,
					};
					throw new Error(reasons[result.reason]);
				}
				console.log(`Created ${result.user.role} ${result.user.name} <${result.user.email}>.`);
				console.log(`Password (shown once, store it in a password manager): ${result.password}`);
			});
		},
	},
};
