/** Keeps dist/ in step with the sources: `npm start` and the test suite both call ensureBuild. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { todayUtc } from '../lib/content/dates.ts';
import { tryPidLock } from '../lib/server/platform/pid-lock.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the site when dist/ is missing, older than a source file, or from an earlier day. */
export function ensureBuild(root = ROOT): void {
	const entry = join(root, 'dist/server/entry.mjs');
	if (!buildReason(root, entry)) return;
	// One build at a time: two at once (two `npm start`s, a start beside the test suite) write the
	// same dist/ and leave a mix of both. The second waits, then finds the build fresh.
	withBuildLock(root, () => {
		const reason = buildReason(root, entry);
		if (!reason) return;
		console.log(`Building the site (${reason})…`);
		const astro = join(root, 'node_modules/astro/bin/astro.mjs');
		const result = spawnSync(process.execPath, [astro, 'build', '--silent'], {
			cwd: root,
			stdio: 'inherit',
			env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
		});
		if (result.status !== 0)
			throw new Error('the site build failed; the messages above say what to fix');
	});
}

/** Longer than any build: past it, a holder still alive is reported, not waited for forever. */
const LOCK_WAIT_MS = 15 * 60_000;

/**
 * Runs `work` holding the build lock of `root` (a pid lock, taken over when its holder died),
 * waiting for another build to finish first. Synchronous, as the build itself is: the caller has
 * nothing else to do meanwhile.
 */
export function withBuildLock<T>(root: string, work: () => T, waitMs = LOCK_WAIT_MS): T {
	const path = join(root, 'node_modules/.cache/trustroom-build.lock');
	mkdirSync(dirname(path), { recursive: true });
	const deadline = Date.now() + waitMs;
	let announced = false;
	let lock = tryPidLock(path);
	while (!lock.ok) {
		if (Date.now() > deadline)
			throw new Error(
				`another build (process ${lock.holder ?? 'unknown'}) has held ${path} for over ${waitMs >= 60_000 ? `${Math.round(waitMs / 60_000)} minutes` : `${Math.round(waitMs / 1000)} s`}; stop it, or remove that file if no build is running`,
			);
		if (!announced) {
			console.log(`Waiting for another build of the site (process ${lock.holder ?? 'unknown'})…`);
			announced = true;
		}
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
		lock = tryPidLock(path);
	}
	try {
		return work();
	} finally {
		lock.release();
	}
}

function buildReason(root: string, entry: string): string | null {
	if (!existsSync(entry)) return 'no build yet';
	const built = statSync(entry).mtimeMs;
	// The page states the report status as of its build date, so a build from an earlier day is redone.
	if (new Date(built).toISOString().slice(0, 10) !== todayUtc())
		return 'the build is from an earlier day';
	const sources = ['src', 'public', 'astro.config.mjs', 'package.json'].map((p) => join(root, p));
	const changed = sources.find((path) => newestMtime(path) > built);
	return changed ? `${changed.slice(root.length)} changed` : null;
}

function newestMtime(path: string): number {
	if (!existsSync(path)) return 0;
	const stat = statSync(path);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
	return newest;
}
