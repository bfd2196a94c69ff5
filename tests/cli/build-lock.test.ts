/** One site build at a time: the lock ensureBuild holds, across real processes. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withBuildLock } from '../../src/cli/build.ts';

const tmp = mkdtempSync(join(tmpdir(), 'trustroom-build-lock-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const BUILD = resolve('src/cli/build.ts');

/** A process that holds the lock of `root` for `holdMs`, noting when it got it and let go. */
function holder(root: string, log: string, holdMs: number): Promise<number | null> {
	const script = `
		import { appendFileSync } from 'node:fs';
		import { withBuildLock } from ${JSON.stringify(BUILD)};
		withBuildLock(${JSON.stringify(root)}, () => {
			appendFileSync(${JSON.stringify(log)}, 'in ' + Date.now() + '\\n');
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
			appendFileSync(${JSON.stringify(log)}, 'out ' + Date.now() + '\\n');
		});`;
	const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	return new Promise((done) => child.on('exit', (code) => done(code)));
}

describe('the build lock', () => {
	it('lets one process in at a time; the others wait their turn', async () => {
		const root = join(tmp, 'three');
		mkdirSync(root);
		const log = join(root, 'log');
		writeFileSync(log, '');
		const codes = await Promise.all([1, 2, 3].map(() => holder(root, log, 300)));
		expect(codes).toEqual([0, 0, 0]);
		const lines = readFileSync(log, 'utf8').trim().split('\n');
		// in, out, in, out, in, out: never two inside at once.
		expect(lines.map((l) => l.split(' ')[0])).toEqual(['in', 'out', 'in', 'out', 'in', 'out']);
	});

	it('takes over the lock of a process that died holding it', () => {
		const root = join(tmp, 'dead');
		const lock = join(root, 'node_modules/.cache/trustroom-build.lock');
		mkdirSync(dirname(lock), { recursive: true });
		const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
		writeFileSync(lock, gone.stdout.toString());
		expect(withBuildLock(root, () => 'built', 1_000)).toBe('built');
	});

	it('says who holds it when a live holder outlasts the wait', () => {
		const root = join(tmp, 'busy');
		const lock = join(root, 'node_modules/.cache/trustroom-build.lock');
		mkdirSync(dirname(lock), { recursive: true });
		writeFileSync(lock, String(process.pid));
		expect(() => withBuildLock(root, () => 'never', 300)).toThrow(
			`another build (process ${process.pid}) has held ${lock} for over 0 s`,
		);
	});
});
