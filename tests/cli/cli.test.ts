import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../db/client.ts';
import { usersTable } from '../../db/schema.ts';
import { verifyPasswordHash } from '../../src/lib/server/auth/password.ts';
import { databases } from '../helpers/db.ts';
import { hasTool, pdfPagesText } from '../helpers/pdf.ts';
import { runCli } from '../helpers/processes.ts';

const tmp = mkdtempSync(join(tmpdir(), 'trustroom-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);

describe('trustroom without a database', () => {
	it('prints help listing every command', async () => {
		const result = await runCli(['--help'], {});
		expect(result.code).toBe(0);
		for (const command of [
			'db migrate',
			'seed --demo',
			'documents upload --slug <slug> --file <pdf>',
			'users create',
			'audit verify',
			'start',
		]) {
			expect(result.stdout).toContain(command);
		}
	});

	it('rejects an unknown command with one line and exit code 2', async () => {
		const result = await runCli(['frobnicate'], {});
		expect(result.code).toBe(2);
		expect(result.stderr.trim()).toBe(
			'trustroom: unknown command "frobnicate". Run "trustroom --help" for the list.',
		);
	});

	it('rejects an unknown option and shows the usage', async () => {
		const result = await runCli(['users', 'create', '--emial', 'a@b.co'], {});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^trustroom: Unknown option '--emial'/);
		expect(result.stderr).toContain('Usage: trustroom users create');
		noStackTrace(result.stderr);
	});

	it.each([
		[{ DATABASE_URL: 'localhost/trust' }, /^trustroom: DATABASE_URL: must be a PostgreSQL URL/],
		[
			{ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
			/^trustroom: Cannot connect to PostgreSQL at .* \(DATABASE_URL\): .*ECONNREFUSED/,
		],
	])('names the bad variable in %j', async (env, message) => {
		const result = await runCli(['db', 'migrate'], env);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(message);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
	});
});

describe.each(databases())('trustroom on %s', (backend) => {
	let env: Record<string, string>;
	let close: () => Promise<void>;
	beforeAll(async () => {
		if (backend.name === 'postgres') {
			const handle = await backend.open();
			env = { DATABASE_URL: handle.url! };
			// The CLI opens its own connections; keep this handle only to drop the database at the end.
			close = () => handle.close();
		} else {
			env = { PGLITE_DIR: join(tmp, `pglite-${Math.random().toString(36).slice(2)}`) };
			close = async () => {};
		}
	});
	afterAll(() => close());

	it('applies the migrations', async () => {
		const result = await runCli(['db', 'migrate'], env);
		expect(result.stderr).toBe('');
		expect(result.stdout).toMatch(/^Migrations applied \((pglite|postgres): /);
	});

	it('creates a staff user and prints the password once', async () => {
		const result = await runCli(
			[
				'users',
				'create',
				'--email',
				'Ada@Kestrel-Analytics.example',
				'--name',
				'Ada Lovelace',
				'--role',
				'admin',
			],
			env,
		);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Created admin Ada Lovelace <ada@kestrel-analytics.example>.');
		const password = /Password \(shown once.*\): (\S+)/.exec(result.stdout)?.[1];
		expect(password).toMatch(/^[a-z2-9]{6}(-[a-z2-9]{6}){3}$/);
		const handle = await createDatabase(
			env.DATABASE_URL ? { url: env.DATABASE_URL } : { pgliteDir: env.PGLITE_DIR! },
		);
		try {
			const [user] = await handle.db
				.select()
				.from(usersTable)
				.where(eq(usersTable.email, 'ada@kestrel-analytics.example'));
			expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
			expect(user?.passwordHash).not.toContain(password);
			expect(await verifyPasswordHash(user!.passwordHash, password!)).toBe(true);
		} finally {
			await handle.close();
		}
	});

	it.each([
		[
			['--email', 'ada@kestrel-analytics.example', '--name', 'Ada', '--role', 'admin'],
			1,
			'trustroom: a user with the email ada@kestrel-analytics.example already exists',
		],
		[
			['--email', 'bob@kestrel-analytics.example', '--name', 'Bob', '--role', 'boss'],
			1,
			'trustroom: --role must be admin or sales, not "boss"',
		],
		[
			['--email', 'not-an-email', '--name', 'Bob', '--role', 'sales'],
			1,
			'trustroom: "not-an-email" is not an email address',
		],
		[
			['--name', 'Bob', '--role', 'sales'],
			2,
			"trustroom: --email is required: the person's work email",
		],
	])('refuses users create %j', async (args, code, message) => {
		const result = await runCli(['users', 'create', ...args], env);
		expect(result.code).toBe(code);
		expect(result.stderr.split('\n')[0]).toBe(message);
		noStackTrace(result.stderr);
	});

	it('seeds the demo documents once', async () => {
		const first = await runCli(['seed', '--demo'], env);
		expect(first.code).toBe(0);
		expect(first.stdout).toMatch(/Stored soc2-type2-2025: \d{2,} pages/);
		expect(first.stdout).toMatch(/Stored bridge-letter-2026: \d+ pages/);
		const second = await runCli(['seed', '--demo'], env);
		expect(second.stdout).toContain('Kept soc2-type2-2025: it already has a version');
	});

	it('uploads a new version of a document', async () => {
		const pdf = await PDFDocument.create();
		pdf.addPage();
		pdf.addPage();
		const file = join(tmp, 'upload.pdf');
		writeFileSync(file, await pdf.save());
		const result = await runCli(
			['documents', 'upload', '--slug', 'pentest-summary-2026', '--file', file],
			env,
		);
		expect(result.stderr).toBe('');
		expect(result.stdout).toMatch(
			/^Stored pentest-summary-2026 version \d+: 2 pages, 1 KB, sha256 [0-9a-f]{64}$/m,
		);
		const list = await runCli(['documents', 'list'], env);
		expect(list.stdout).toMatch(/pentest-summary-2026\s+approval\s+v\d+, 2 pages/);
	});

	it.each([
		[
			'a file that is not a PDF',
			() => writeFileSync(join(tmp, 'notes.pdf'), 'meeting notes'),
			['--slug', 'soc2-type2-2025', '--file', join(tmp, 'notes.pdf')],
			/notes\.pdf was refused: this is not a PDF/,
		],
		[
			'an encrypted PDF',
			() => {},
			['--slug', 'soc2-type2-2025', '--file', 'tests/fixtures/encrypted-empty-password.pdf'],
			/was refused: the PDF is encrypted/,
		],
		[
			'a missing file',
			() => {},
			['--slug', 'soc2-type2-2025', '--file', join(tmp, 'nope.pdf')],
			/cannot read .*nope\.pdf: no such file/,
		],
		[
			'an unknown slug',
			() => {},
			['--slug', 'soc3', '--file', 'tests/fixtures/encrypted-empty-password.pdf'],
			/no report "soc3" in src\/content\/reports; known: soc2-type2-2025, /,
		],
	])('refuses to upload %s', async (_name, prepare, args, message) => {
		prepare();
		const result = await runCli(['documents', 'upload', ...args], env);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(message);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
	});

	it('manages approval rules', async () => {
		const added = await runCli(
			[
				'rules',
				'add',
				'--domain',
				'*.Acme.example',
				'--action',
				'approve',
				'--priority',
				'10',
				'--days',
				'30',
				'--downloads',
				'3',
			],
			env,
		);
		expect(added.stderr).toBe('');
		const id = /^Added rule #(\d+): \*\.acme\.example → approve \(priority 10\)\.$/m.exec(
			added.stdout,
		)?.[1];
		expect(id).toBeTruthy();
		const list = await runCli(['rules', 'list'], env);
		expect(list.stdout).toContain(
			`#${id} priority 10: *.acme.example → approve (30 days, 3 downloads)`,
		);
		expect((await runCli(['rules', 'remove', id!], env)).stdout).toContain(`Removed rule #${id}.`);
		expect((await runCli(['rules', 'list'], env)).stdout).toContain('No approval rules');
	});

	it.each([
		[
			['rules', 'add', '--domain', 'acme', '--action', 'approve'],
			1,
			'trustroom: "acme" is not a domain pattern; use example.com or *.example.com',
		],
		[
			['rules', 'add', '--domain', 'acme.example', '--action', 'allow'],
			1,
			'trustroom: the action must be approve, review or deny, not "allow"',
		],
		[
			['rules', 'add', '--domain', 'acme.example', '--action', 'approve', '--days', '0'],
			2,
			'trustroom: --days must be a whole number of at least 1',
		],
		[['rules', 'remove', '999'], 1, 'trustroom: no rule #999'],
		[['requests', 'approve', '999'], 1, 'trustroom: no request #999; see trustroom requests list'],
		[
			['requests', 'approve', 'abc'],
			2,
			'trustroom: "abc" is not an id; ids are whole numbers such as 12',
		],
		[
			['requests', 'approve'],
			2,
			'trustroom: missing the request id (see trustroom requests list). Usage: trustroom requests approve <id> [--days N] [--downloads N]',
		],
		[['requests', 'deny', '999'], 1, 'trustroom: no request #999; see trustroom requests list'],
		[
			['requests', 'list', '--state', 'waiting'],
			2,
			'trustroom: --state must be one of unverified, verified, nda_accepted, pending, approved, denied, expired',
		],
	])('refuses %j', async (args, code, message) => {
		const result = await runCli(args, env);
		expect(result.code).toBe(code);
		expect(result.stderr.split('\n')[0]).toBe(message);
	});

	it('lists requests (none yet)', async () => {
		const result = await runCli(['requests', 'list', '--state', 'pending'], env);
		expect(result.stdout.trim()).toBe('No pending requests.');
	});

	it('stamps a file offline, which trace then does not know', async () => {
		const pdf = await PDFDocument.create();
		pdf.addPage();
		pdf.addPage([842, 595]);
		const original = join(tmp, 'handout.pdf');
		const stamped = join(tmp, 'handout-stamped.pdf');
		writeFileSync(original, await pdf.save());
		const result = await runCli(
			[
				'watermark',
				'--in',
				original,
				'--out',
				stamped,
				'--name',
				'Zoë Ångström',
				'--email',
				'zoe@acme.example',
				'--company',
				'Acme Inc',
				'--copy-id',
				'HAND-QXT2',
			],
			env,
		);
		expect(result.stderr).toBe('');
		expect(result.stdout).toContain('Stamped 2 pages as copy HAND-QXT2');
		expect(result.stdout).toContain('This copy is not recorded');
		if (hasTool('pdftotext')) {
			for (const page of pdfPagesText(new Uint8Array(readFileSync(stamped)))) {
				expect(page.replace(/\s+/g, ' ')).toMatch(
					/Zoë Ångström.*HAND-QXT2|HAND-QXT2.*Zoë Ångström/,
				);
			}
		}
		const traced = await runCli(['trace', '--file', stamped], env);
		expect(traced.code).toBe(1);
		expect(traced.stderr.trim()).toBe(
			'trustroom: copy HAND-QXT2 was not issued by this trust center',
		);
	});

	it.each([
		[['trace'], 2, 'trustroom: give either --file <pdf> or --id <copy-id>'],
		[
			['trace', '--id', 'ZZZZ-ZZZZ'],
			1,
			'trustroom: copy ZZZZ-ZZZZ was not issued by this trust center',
		],
		[
			['trace', '--file', 'tests/fixtures/encrypted-empty-password.pdf'],
			1,
			/^trustroom: no copy id found in .*encrypted-empty-password\.pdf|^trustroom: /,
		],
		[
			[
				'watermark',
				'--in',
				'nope.pdf',
				'--out',
				'x.pdf',
				'--name',
				'A',
				'--email',
				'a@b.co',
				'--company',
				'C',
			],
			1,
			'trustroom: cannot read nope.pdf: no such file',
		],
		[
			[
				'watermark',
				'--in',
				'tests/fixtures/encrypted-empty-password.pdf',
				'--out',
				'x.pdf',
				'--name',
				'A',
				'--email',
				'a@b.co',
				'--company',
				'C',
			],
			1,
			/cannot be stamped: the PDF is encrypted/,
		],
	])('refuses %j', async (args, code, message) => {
		const result = await runCli(args as string[], env);
		expect(result.code).toBe(code);
		const first = result.stderr.split('\n')[0]!;
		if (typeof message === 'string') expect(first).toBe(message);
		else expect(first).toMatch(message);
	});

	it('verifies the audit chain', async () => {
		const result = await runCli(['audit', 'verify'], env);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^Audit log intact: \d+ events, head [0-9a-f]{16}…$/m);
	});
});
