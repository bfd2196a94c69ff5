/**
 * CPU time of processes and their threads, from /proc (Linux; elsewhere nothing): for the HTTP
 * bench, to say who used the machine's cores while the page latency was measured.
 */
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: 100 on every Linux build in use (getconf CLK_TCK); Node has no sysconf to ask.
const TICKS_PER_SECOND = 100;

/** Seconds of CPU (user + system) per thread name of a process; empty when /proc is not there. */
export function threadTimes(pid: number): Map<string, number> {
	const times = new Map<string, number>();
	let tids: string[];
	try {
		tids = readdirSync(`/proc/${pid}/task`);
	} catch {
		return times;
	}
	for (const tid of tids) {
		const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
		if (stat) times.set(stat.name, (times.get(stat.name) ?? 0) + stat.seconds);
	}
	return times;
}

/** Seconds of CPU of every process called `name` (its threads included). */
export function processTimes(name: string): number {
	let total = 0;
	let pids: string[];
	try {
		pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
	} catch {
		return 0;
	}
	for (const pid of pids) {
		const stat = readStat(`/proc/${pid}/stat`);
		if (stat?.name === name) total += stat.seconds;
	}
	return total;
}

function readStat(path: string): { name: string; seconds: number } | null {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch {
		return null; // gone meanwhile
	}
	// "pid (name) state ..." — the name may hold spaces and parentheses: split at the last ')'.
	const close = text.lastIndexOf(')');
	const name = text.slice(text.indexOf('(') + 1, close);
	const fields = text.slice(close + 2).split(' ');
	// utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (name) ".
	const ticks = Number(fields[11]) + Number(fields[12]);
	return { name, seconds: ticks / TICKS_PER_SECOND };
}
