#!/usr/bin/env node
// Runs the TypeScript CLI with Node's built-in type stripping (on by default from Node 22.18;
// on 22.12–22.17 it needs a flag, so re-run with it).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli/trustroom.ts', import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
	console.error(
		`trustroom: Node.js ${process.versions.node} is too old; install Node 24 (or at least 22.12).`,
	);
	process.exit(1);
}
if (process.features.typescript) {
	const { main } = await import(cli);
	process.exitCode = await main(process.argv.slice(2));
} else {
	const self = fileURLToPath(import.meta.url);
	const result = spawnSync(
		process.execPath,
		['--experimental-strip-types', '--no-warnings', self, ...process.argv.slice(2)],
		{
			stdio: 'inherit',
		},
	);
	process.exit(result.status ?? 1);
}
