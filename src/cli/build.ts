/** Keeps dist/ in step with the sources: `npm start` and the test suite both call ensureBuild. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { todayUtc } from '../lib/content/dates.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the site when dist/ is missing, older than a source file, or from an earlier day. */
export function ensureBuild(root = ROOT): void {
	const entry = join(root, 'dist/server/entry.mjs');
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
