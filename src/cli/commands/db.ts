/** `trustroom db migrate`. */
import { type Command, withDatabase } from '../command.ts';

export const commands: Record<string, Command> = {
	'db migrate': {
		usage: 'trustroom db migrate',
		options: {},
		run: () =>
			withDatabase(
				async (handle) => {
					console.log(`Migrations applied (${handle.kind}: ${handle.location}).`);
				},
				{ create: true },
			),
	},
};
