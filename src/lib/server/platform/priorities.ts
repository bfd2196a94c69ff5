/**
 * The event loop first. V8's helper threads (garbage collection and compilation, for the server and
 * for every stamping worker; "V8Worker" on Linux) run at the process's priority unless told
 * otherwise, and while copies are made they take the cores the event loop needs to answer pages.
 * Here they are given the stamping workers' lower priority (worker.ts): they still run whenever a
 * core is free, and the event loop, which also collects its own garbage, never waits for them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The niceness of everything but the event loop (as in watermark/worker.ts). */
export const HELPER_NICENESS = 5;

/**
 * Lowers the priority of this process's V8 helper threads; returns how many. Linux only (thread
 * names and per-thread niceness); elsewhere, or without permission, it changes nothing.
 */
export function yieldHelperThreads(niceness = HELPER_NICENESS): number {
	let changed = 0;
	let tids: string[];
	try {
		tids = readdirSync('/proc/self/task');
	} catch {
		return 0;
	}
	for (const tid of tids) {
		try {
			if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'V8Worker') continue;
			setPriority(Number(tid), niceness);
			changed++;
		} catch {
			// gone meanwhile, or not allowed: leave it
		}
	}
	return changed;
}
