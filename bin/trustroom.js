#!/usr/bin/env node
// Runs the TypeScript CLI with Node's built-in type stripping (on by default from Node 22.18;
// on 22.12–22.17 it needs a flag, so re-run with it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import module from 'node:module';
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
	registerTsxLoader();
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

/**
 * Type stripping does not cover .tsx (the React Email templates in emails/), so compile those with
 * esbuild as they load. esbuild is required only when a .tsx file is first imported.
 */
function registerTsxLoader() {
	const esbuildPath = module.createRequire(import.meta.url).resolve('esbuild');
	if (module.registerHooks) {
		// Node >= 22.15: synchronous hooks on this thread.
		let esbuild;
		module.registerHooks({
			load(url, context, nextLoad) {
				if (!url.startsWith('file:') || !new URL(url).pathname.endsWith('.tsx')) {
					return nextLoad(url, context);
				}
				esbuild ??= module.createRequire(import.meta.url)(esbuildPath);
				const file = fileURLToPath(url);
				const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), {
					loader: 'tsx',
					jsx: 'automatic',
					format: 'esm',
					sourcefile: file,
					sourcemap: 'inline',
				});
				return { format: 'module', source: code, shortCircuit: true };
			},
		});
		return;
	}
	// Node 22.12–22.14 only (register is deprecated where registerHooks exists): the same hook,
	// run off-thread from a module given as a data: URL.
	const hooks = `
		import { readFileSync } from 'node:fs';
		import { createRequire } from 'node:module';
		import { fileURLToPath } from 'node:url';
		let esbuild;
		export async function load(url, context, nextLoad) {
			if (!url.startsWith('file:') || !new URL(url).pathname.endsWith('.tsx')) return nextLoad(url, context);
			esbuild ??= createRequire(${JSON.stringify(import.meta.url)})(${JSON.stringify(esbuildPath)});
			const file = fileURLToPath(url);
			const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), {
				loader: 'tsx', jsx: 'automatic', format: 'esm', sourcefile: file, sourcemap: 'inline',
			});
			return { format: 'module', source: code, shortCircuit: true };
		}`;
	module.register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
