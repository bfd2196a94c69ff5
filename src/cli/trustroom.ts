/**
 * The `trustroom` command. Each failure is one clear line on stderr and a non-zero exit
 * (1: the command failed, 2: the command line was wrong); set DEBUG=trustroom for stack traces.
 */
import { parseArgs } from 'node:util';
import { type Command, UsageError } from './command.ts';
import { commands as startCommands } from './commands/start.ts';
import { commands as dbCommands } from './commands/db.ts';
import { commands as seedCommands } from './commands/seed.ts';
import { commands as documentsCommands } from './commands/documents.ts';
import { commands as usersCommands } from './commands/users.ts';
import { commands as requestsCommands } from './commands/requests.ts';
import { commands as rulesCommands } from './commands/rules.ts';
import { commands as traceCommands } from './commands/trace.ts';
import { commands as watermarkCommands } from './commands/watermark.ts';
import { commands as auditCommands } from './commands/audit.ts';

export { UsageError };

const HELP = `trustroom: run and manage a Trustroom trust center

Usage: trustroom <command> [options]

Commands:
  start                              migrate, seed the demo on an empty database, build if needed, serve
  db migrate                         apply the database migrations in db/migrations
  seed --demo                        store demo PDFs for every report in src/content that has none
  documents list                     list documents and their current versions
  documents upload --slug <slug> --file <pdf>
                                     store a new version of a document (the old one is superseded)
  users create --email <email> --name <name> --role admin|sales
                                     create a staff user; prints a generated password once
  audit verify                       check the audit log's hash chain
  trace --file <pdf> | --id <copy-id>
                                     who received a (leaked) copy: from its metadata, else its text
  watermark --in <pdf> --out <pdf> --name <name> --email <email> --company <company>
            [--copy-id ID] [--valid-until YYYY-MM-DD] [--period-start D --period-end D]
                                     stamp a file offline with the same engine (records nothing)
  requests list [--state pending]    access requests, newest first
  requests approve <id> [--days N] [--downloads N]
                                     approve a request waiting for review; emails the requester
  requests deny <id> [--note TEXT]   decline a request waiting for review (the requester is not told why)
  rules list                         approval rules, in the order they are tried
  rules add --domain <example.com|*.example.com> --action approve|review|deny
            [--priority N] [--days N] [--downloads N] [--expires YYYY-MM-DD]
                                     add an approval rule (lowest priority number is tried first)
  rules remove <id>                  remove an approval rule

The database is PostgreSQL when DATABASE_URL is set, else the embedded one in PGLITE_DIR
(default .data/pglite). Run "trustroom <command> --help" for a command's options.`;

const commands: Record<string, Command> = {
	...startCommands,
	...dbCommands,
	...seedCommands,
	...documentsCommands,
	...usersCommands,
	...requestsCommands,
	...rulesCommands,
	...traceCommands,
	...watermarkCommands,
	...auditCommands,
};

export async function main(argv: string[]): Promise<number> {
	const words = argv.filter((a) => !a.startsWith('-'));
	if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
		console.log(HELP);
		return 0;
	}
	const name = [`${words[0]} ${words[1]}`, words[0]].find((key) => key && key in commands);
	const command = name ? commands[name] : undefined;
	if (!name || !command) {
		console.error(
			`trustroom: unknown command "${words.slice(0, 2).join(' ')}". Run "trustroom --help" for the list.`,
		);
		return 2;
	}
	const rest = argv.slice(argv.indexOf(words[0]!) + name.split(' ').length);
	try {
		if (rest.includes('--help') || rest.includes('-h')) {
			console.log(`Usage: ${command.usage}`);
			return 0;
		}
		const { values, positionals } = parseArgs({
			args: rest,
			options: command.options,
			strict: true,
			allowPositionals: true,
		});
		const allowed = command.positionals?.length ?? 0;
		if (positionals.length > allowed)
			throw new UsageError(
				`unexpected argument "${positionals[allowed]}". Usage: ${command.usage}`,
			);
		if (positionals.length < allowed)
			throw new UsageError(
				`missing ${command.positionals![positionals.length]}. Usage: ${command.usage}`,
			);
		await command.run(values as Record<string, string | boolean | undefined>, positionals);
		return 0;
	} catch (error) {
		if (process.env.DEBUG?.includes('trustroom')) console.error(error);
		const usage =
			error instanceof UsageError ||
			(error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
		const message = error instanceof Error ? error.message : String(error);
		console.error(
			`trustroom: ${message}${usage && !message.includes('Usage:') ? `\nUsage: ${command.usage}` : ''}`,
		);
		return usage ? 2 : 1;
	}
}
