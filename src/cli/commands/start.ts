/** `trustroom start`: what `npm start` runs. */
import type { Command } from '../command.ts';

export const commands: Record<string, Command> = {
	start: {
		usage: 'trustroom start',
		options: {},
		async run() {
			const { start } = await import('../start.ts');
			await start();
		},
	},
};
