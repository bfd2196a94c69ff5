/** The event loop first: V8's helper threads yield to it (Linux; elsewhere nothing changes). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe.runIf(existsSync('/proc/self/task'))('yieldHelperThreads', () => {
	it("lowers V8's helper threads to the workers' niceness and leaves the event loop alone", () => {
		// In a process of its own: the test runner's threads stay as they are.
		const script = `
			import { readdirSync, readFileSync } from 'node:fs';
			import { getPriority } from 'node:os';
			import { yieldHelperThreads } from './src/lib/server/platform/priorities.ts';
			const niceness = () => readdirSync('/proc/self/task').map((tid) => [
				readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim(),
				Number(tid) === process.pid ? getPriority() : getPriority(Number(tid)),
			]);
			const before = niceness();
			const changed = yieldHelperThreads();
			console.log(JSON.stringify({ before, changed, after: niceness() }));
		`;
		const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
			encoding: 'utf8',
		});
		expect(run.stderr).toBe('');
		const { before, changed, after } = JSON.parse(run.stdout) as {
			before: [string, number][];
			changed: number;
			after: [string, number][];
		};
		const helpers = after.filter(([name]) => name === 'V8Worker');
		expect(helpers.length).toBeGreaterThan(0);
		expect(changed).toBe(helpers.length);
		expect(helpers.every(([, nice]) => nice === 5)).toBe(true);
		// The event loop's thread (the process) keeps the priority it started with.
		const main = (threads: [string, number][]) => threads.find(([name]) => name === 'MainThread');
		expect(main(after)).toEqual(main(before));
	});
});
