/**
 * The `trustroom` command. Each failure is one clear line on stderr and a non-zero exit
 * (1: the command failed, 2: the command line was wrong); set DEBUG=trustroom for stack traces.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createDatabase, migrateDatabase, type DatabaseHandle } from '../../db/client.ts';
import { verifyAuditChain } from '../lib/server/audit/audit.ts';
import { loadConfig } from '../lib/server/platform/config.ts';
import { createDocumentVersion, preflightPdf, syncContent } from '../lib/server/documents/documents.ts';
import { seedDemo } from '../lib/server/pdf/demo/seed.ts';
import { readTrustContent } from '../lib/server/content/reader.ts';
import { createUser } from '../lib/server/auth/users.ts';
import { ACCESS_REQUEST_STATES } from '../../db/schema.ts';
import { deliverPendingEmails } from '../lib/server/mail/outbox.ts';
import { sha256Hex } from '../lib/server/platform/crypto.ts';
import { getCopy } from '../lib/server/delivery/downloads.ts';
import { COPY_ID_PATTERN, generateCopyId, readCopyId, stampPdf } from '../lib/server/watermark/stamp.ts';
import { addRule, listRules, removeRule } from '../lib/server/requests/policy.ts';
import {
	approveRequest,
	denyRequest,
	listRequests,
	type JourneyContext,
} from '../lib/server/requests/requests.ts';
import { listDocuments } from '../lib/server/documents/documents.ts';

export class UsageError extends Error {
	override name = 'UsageError';
}

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

interface Command {
	usage: string;
	options: NonNullable<ParseArgsConfig['options']>;
	/** Names of positional arguments, e.g. ['id']; none means positionals are refused. */
	positionals?: string[];
	run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<void>;
}

const commands: Record<string, Command> = {
	start: {
		usage: 'trustroom start',
		options: {},
		async run() {
			const { start } = await import('./start.ts');
			await start();
		},
	},
	'db migrate': {
		usage: 'trustroom db migrate',
		options: {},
		run: () =>
			withDatabase(async (handle) => {
				await migrateDatabase(handle);
				console.log(`Migrations applied (${handle.kind}: ${handle.location}).`);
			}),
	},
	seed: {
		usage: 'trustroom seed --demo',
		options: { demo: { type: 'boolean' } },
		async run(values) {
			if (!values.demo)
				throw new UsageError(
					'seed needs --demo (it stores the demo PDFs for the reports in src/content)',
				);
			const content = readTrustContent('src/content');
			await withDatabase(async (handle) => {
				await migrateDatabase(handle);
				const result = await seedDemo(handle.db, content, 'cli');
				for (const doc of result.created) {
					console.log(`Stored ${doc.slug}: ${doc.pages} pages, ${formatKb(doc.bytes)}`);
				}
				for (const slug of result.kept) console.log(`Kept ${slug}: it already has a version`);
			});
		},
	},
	'documents list': {
		usage: 'trustroom documents list',
		options: {},
		run: () =>
			withDatabase(async (handle) => {
				await migrateDatabase(handle);
				await syncContent(handle.db, readTrustContent('src/content'));
				const rows = await listDocuments(handle.db);
				for (const row of rows) {
					const version = row.versionId
						? `v${row.versionId}, ${row.pages} pages, ${formatKb(row.byteLength ?? 0)}, sha256 ${row.sha256?.slice(0, 12)}…`
						: 'no version uploaded';
					console.log(`${row.slug.padEnd(28)} ${row.accessLevel.padEnd(9)} ${version}`);
				}
			}),
	},
	'documents upload': {
		usage: 'trustroom documents upload --slug <slug> --file <pdf>',
		options: { slug: { type: 'string' }, file: { type: 'string' } },
		async run(values) {
			const slug = required(
				values,
				'slug',
				'the report id, which is its file name in src/content/reports',
			);
			const file = required(values, 'file', 'the PDF to upload');
			const content = readTrustContent('src/content');
			const report = content.reports.find((r) => r.slug === slug);
			if (!report) {
				throw new Error(
					`no report "${slug}" in src/content/reports; known: ${content.reports.map((r) => r.slug).join(', ')}`,
				);
			}
			let bytes: Uint8Array;
			try {
				bytes = new Uint8Array(await readFile(file));
			} catch (error) {
				throw new Error(
					`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`,
				);
			}
			const config = loadConfig();
			const check = await preflightPdf(bytes, {
				maxBytes: config.maxUploadBytes,
				maxPages: config.maxPages,
			});
			if (!check.ok) throw new Error(`${file} was refused: ${check.reason}`);
			for (const warning of check.warnings) console.warn(`Warning: ${warning}`);
			await withDatabase(async (handle) => {
				await migrateDatabase(handle);
				await syncContent(handle.db, content);
				const version = await createDocumentVersion(handle.db, {
					slug,
					bytes,
					filename: basename(file),
					pages: check.pages,
					period: report.period,
					actor: 'cli',
				});
				console.log(
					`Stored ${slug} version ${version.id}: ${check.pages} pages, ${formatKb(bytes.byteLength)}, sha256 ${version.sha256}`,
				);
			});
		},
	},
	'users create': {
		usage: 'trustroom users create --email <email> --name <name> --role admin|sales',
		options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
		async run(values) {
			const email = required(values, 'email', "the person's work email");
			const name = required(values, 'name', 'their full name');
			const role = required(values, 'role', 'admin or sales');
			await withDatabase(async (handle) => {
				await migrateDatabase(handle);
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
	'requests list': {
		usage:
			'trustroom requests list [--state unverified|verified|nda_accepted|pending|approved|denied|expired]',
		options: { state: { type: 'string' } },
		run: (values) =>
			withDatabase(async (handle) => {
				await migrateDatabase(handle);
				const state = values.state as string | undefined;
				if (state && !ACCESS_REQUEST_STATES.includes(state as never)) {
					throw new UsageError(`--state must be one of ${ACCESS_REQUEST_STATES.join(', ')}`);
				}
				const rows = await listRequests(handle.db, { state: state as never });
				if (rows.length === 0) console.log(state ? `No ${state} requests.` : 'No requests yet.');
				for (const r of rows) {
					console.log(
						`#${r.id} ${r.state.padEnd(12)} ${r.createdAt.toISOString().slice(0, 16).replace('T', ' ')}  ${r.name} <${r.email}>, ${r.title ?? ''} at ${r.company ?? ''}: ${r.documents.join(', ')}${r.reason ? `\n      reason: ${r.reason.replace(/\s+/g, ' ')}` : ''}`,
					);
				}
			}),
	},
	'requests approve': {
		usage: 'trustroom requests approve <id> [--days N] [--downloads N]',
		options: { days: { type: 'string' }, downloads: { type: 'string' } },
		positionals: ['the request id (see trustroom requests list)'],
		run: (values, [id]) =>
			withJourney(async (ctx) => {
				const result = await approveRequest(ctx, requestId(id), {
					actor: 'cli',
					grantDays: optionalCount(values, 'days'),
					downloadCap: optionalCount(values, 'downloads'),
				});
				if (!result.ok) throw new Error(decisionError(id!, result));
				console.log(`Approved request #${id}: grant ${result.grantId}. The requester is emailed.`);
			}),
	},
	'requests deny': {
		usage: 'trustroom requests deny <id> [--note TEXT]',
		options: { note: { type: 'string' } },
		positionals: ['the request id (see trustroom requests list)'],
		run: (values, [id]) =>
			withJourney(async (ctx) => {
				const result = await denyRequest(ctx, requestId(id), {
					actor: 'cli',
					note: (values.note as string) ?? null,
				});
				if (!result.ok) throw new Error(decisionError(id!, result));
				console.log(`Declined request #${id}. The requester sees "we will be in touch".`);
			}),
	},
	'rules list': {
		usage: 'trustroom rules list',
		options: {},
		run: () =>
			withDatabase(async (handle) => {
				await migrateDatabase(handle);
				const rules = await listRules(handle.db);
				if (rules.length === 0)
					console.log('No approval rules: every request waits for staff review.');
				for (const r of rules) {
					const extras = [
						r.grantDays ? `${r.grantDays} days` : null,
						r.downloadCap ? `${r.downloadCap} downloads` : null,
						r.expiresAt ? `until ${r.expiresAt.toISOString().slice(0, 10)}` : null,
					].filter(Boolean);
					console.log(
						`#${r.id} priority ${r.priority}: ${r.domainPattern} → ${r.action}${extras.length ? ` (${extras.join(', ')})` : ''}`,
					);
				}
			}),
	},
	'rules add': {
		usage:
			'trustroom rules add --domain <example.com|*.example.com> --action approve|review|deny [--priority N] [--days N] [--downloads N] [--expires YYYY-MM-DD]',
		options: {
			domain: { type: 'string' },
			action: { type: 'string' },
			priority: { type: 'string' },
			days: { type: 'string' },
			downloads: { type: 'string' },
			expires: { type: 'string' },
		},
		run: (values) =>
			withDatabase(async (handle) => {
				await migrateDatabase(handle);
				const expires = values.expires as string | undefined;
				if (
					expires &&
					(!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(expires)))
				) {
					throw new UsageError('--expires must be a date such as 2027-06-30');
				}
				const result = await addRule(
					handle.db,
					{
						domainPattern: required(values, 'domain', 'example.com or *.example.com'),
						action: required(values, 'action', 'approve, review or deny'),
						priority: optionalCount(values, 'priority', 0) ?? undefined,
						grantDays: optionalCount(values, 'days'),
						downloadCap: optionalCount(values, 'downloads'),
						expiresAt: expires ? new Date(`${expires}T23:59:59Z`) : null,
					},
					'cli',
				);
				if (!result.ok) throw new Error(result.error);
				console.log(
					`Added rule #${result.rule.id}: ${result.rule.domainPattern} → ${result.rule.action} (priority ${result.rule.priority}).`,
				);
			}),
	},
	'rules remove': {
		usage: 'trustroom rules remove <id>',
		options: {},
		positionals: ['the rule id (see trustroom rules list)'],
		run: (_values, [id]) =>
			withDatabase(async (handle) => {
				if (!(await removeRule(handle.db, requestId(id), 'cli'))) throw new Error(`no rule #${id}`);
				console.log(`Removed rule #${id}.`);
			}),
	},
	trace: {
		usage: 'trustroom trace --file <pdf> | --id <copy-id>',
		options: { file: { type: 'string' }, id: { type: 'string' } },
		async run(values) {
			const file = values.file as string | undefined;
			let id = (values.id as string | undefined)?.trim().toUpperCase();
			if (!file === !id) throw new UsageError('give either --file <pdf> or --id <copy-id>');
			let source = 'given on the command line';
			let fileSha: string | null = null;
			if (file) {
				const bytes = await readInput(file);
				// pdf-lib reports damage it works around on the console; keep the output to one line.
				const warn = console.warn;
				console.warn = () => {};
				const found = await readCopyId(bytes).finally(() => (console.warn = warn));
				if (!found)
					throw new Error(`no copy id found in ${file} (neither in its metadata nor in its text)`);
				id = found.copyId;
				source =
					found.source === 'metadata'
						? "found in the file's metadata"
						: "found in the file's page text (its metadata was stripped)";
				fileSha = sha256Hex(bytes);
			}
			await withDatabase(async (handle) => {
				await migrateDatabase(handle);
				const copy = await getCopy(handle.db, id!);
				if (!copy) throw new Error(`copy ${id} was not issued by this trust center`);
				const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
				const lines = [
					`Copy ${copy.copyId} (${source})`,
					`  Document:  ${copy.documentTitle} (version ${copy.versionId}${copy.periodStart ? `, period ${copy.periodStart} to ${copy.periodEnd}` : ''})`,
					`  Issued to: ${copy.requesterName} <${copy.requesterEmail}>, ${copy.requesterCompany}`,
					`  Issued at: ${day(copy.issuedAt)} UTC from ${copy.ip ?? 'unknown IP'}${copy.userAgent ? ` (${copy.userAgent})` : ''}`,
					`  Grant:     #${copy.grantId}, valid until ${copy.grantExpiresAt.toISOString().slice(0, 10)}${copy.grantRevokedAt ? `, revoked ${day(copy.grantRevokedAt)} UTC` : ''}`,
					`  Status:    ${copy.status}${copy.status === 'failed' ? ' (stamping failed: this copy never left the server)' : ''}`,
				];
				if (fileSha && copy.outputSha256) {
					lines.push(
						`  File:      ${fileSha === copy.outputSha256 ? 'identical to the copy we issued' : 'differs from the copy we issued (edited or re-saved after download)'}`,
					);
				}
				console.log(lines.join('\n'));
			});
		},
	},
	watermark: {
		usage:
			'trustroom watermark --in <pdf> --out <pdf> --name <name> --email <email> --company <company> [--copy-id ID] [--valid-until YYYY-MM-DD] [--period-start YYYY-MM-DD --period-end YYYY-MM-DD]',
		options: {
			in: { type: 'string' },
			out: { type: 'string' },
			name: { type: 'string' },
			email: { type: 'string' },
			company: { type: 'string' },
			'copy-id': { type: 'string' },
			'valid-until': { type: 'string' },
			'period-start': { type: 'string' },
			'period-end': { type: 'string' },
			title: { type: 'string' },
		},
		async run(values) {
			const input = required(values, 'in', 'the PDF to stamp');
			const output = required(values, 'out', 'where to write the stamped copy');
			const dates = ['valid-until', 'period-start', 'period-end'].map((name) => {
				const value = values[name] as string | undefined;
				if (
					value !== undefined &&
					(!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
				) {
					throw new UsageError(`--${name} must be a date such as 2027-02-20`);
				}
				return value ?? null;
			});
			const copyId = ((values['copy-id'] as string | undefined) ?? generateCopyId()).toUpperCase();
			if (!new RegExp(`^${COPY_ID_PATTERN.source}$`).test(copyId)) {
				throw new UsageError(
					'--copy-id must look like 7F3K-Q9MD (letters and digits without 0, 1, I, L, O, U)',
				);
			}
			const bytes = await readInput(input);
			const check = await preflightPdf(bytes);
			if (!check.ok) throw new Error(`${input} cannot be stamped: ${check.reason}`);
			const config = loadConfig();
			const stamped = await stampPdf(bytes, {
				name: required(values, 'name', "the recipient's full name"),
				email: required(values, 'email', "the recipient's email"),
				company: required(values, 'company', "the recipient's company"),
				issuedAt: new Date(),
				validUntil: dates[0] ? new Date(`${dates[0]}T23:59:59Z`) : null,
				periodStart: dates[1] ?? null,
				periodEnd: dates[2] ?? null,
				copyId,
				verifyUrl: `${config.siteUrl}/verify/${copyId}`,
				documentTitle: (values.title as string | undefined) ?? basename(input, '.pdf'),
			});
			await writeFile(output, stamped);
			console.log(`Stamped ${check.pages} pages as copy ${copyId} → ${output}`);
			console.log(
				'This copy is not recorded: /verify will not know it. Note the id if you need to trace it.',
			);
		},
	},
	'audit verify': {
		usage: 'trustroom audit verify',
		options: {},
		run: () =>
			withDatabase(async (handle) => {
				await migrateDatabase(handle);
				const result = await verifyAuditChain(handle.db);
				if (!result.ok) {
					throw new Error(
						`the audit log is broken at event ${result.brokenAt} of ${result.count}: ${result.reason}`,
					);
				}
				console.log(
					`Audit log intact: ${result.count} events, head ${result.headHash.slice(0, 16)}…`,
				);
			}),
	},
};

async function readInput(file: string): Promise<Uint8Array> {
	try {
		return new Uint8Array(await readFile(file));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new Error(
			`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error)}`,
		);
	}
}

function requestId(value: string | undefined): number {
	const id = Number(value);
	if (!Number.isSafeInteger(id) || id < 1)
		throw new UsageError(`"${value}" is not an id; ids are whole numbers such as 12`);
	return id;
}

function optionalCount(values: Record<string, unknown>, name: string, min = 1): number | null {
	const value = values[name];
	if (value === undefined) return null;
	const n = Number(value);
	if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > 100_000) {
		throw new UsageError(`--${name} must be a whole number${min ? ` of at least ${min}` : ''}`);
	}
	return n;
}

function decisionError(
	id: string,
	result: { reason: 'not_found' | 'not_pending'; state?: string },
): string {
	return result.reason === 'not_found'
		? `no request #${id}; see trustroom requests list`
		: `request #${id} is ${result.state?.replace('_', ' ')}, not waiting for review; only pending requests can be decided`;
}

/** Runs staff work with the journey's context, then delivers the emails it queued. */
async function withJourney(work: (ctx: JourneyContext) => Promise<void>): Promise<void> {
	const config = loadConfig();
	const content = readTrustContent('src/content');
	await withDatabase(async (handle) => {
		await migrateDatabase(handle);
		await work({
			db: handle.db,
			config,
			companyName: content.company.name,
			ndaTitles: Object.fromEntries(content.ndas.map((n) => [n.version, n.title])),
		});
		const delivered = await deliverPendingEmails(handle.db, config);
		if (delivered.retrying || delivered.failed) {
			console.warn(
				`Email: ${delivered.sent} sent, ${delivered.retrying} will be retried by the server, ${delivered.failed} failed.`,
			);
		}
	});
}

function required(values: Record<string, unknown>, name: string, what: string): string {
	const value = values[name];
	if (typeof value !== 'string' || value.trim() === '')
		throw new UsageError(`--${name} is required: ${what}`);
	return value;
}

async function withDatabase(work: (handle: DatabaseHandle) => Promise<void>): Promise<void> {
	const config = loadConfig();
	const handle = await createDatabase(
		config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: config.pgliteDir },
	);
	try {
		await work(handle);
	} finally {
		await handle.close();
	}
}

function formatKb(bytes: number): string {
	return bytes >= 1024 * 1024
		? `${(bytes / 1024 / 1024).toFixed(1)} MB`
		: `${Math.ceil(bytes / 1024)} KB`;
}

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
