/**
 * A lock file that names its holder's pid: taken atomically, with the pid already in it (written
 * to a file of our own, then linked into place, so no other process ever reads an empty lock),
 * and taken over when its holder has died. For the embedded database's directory and for builds
 * of dist/; both are one machine's processes.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export type PidLock = { ok: true; release: () => void } | { ok: false; holder: number | null };

/** Takes the lock at `path`, or says which live process holds it. Never waits. */
export function tryPidLock(path: string): PidLock {
	const mine = `${path}.${process.pid}`;
	writeFileSync(mine, `${process.pid}\n`);
	try {
		for (let attempt = 0; attempt < 2; attempt++) {
			try {
				linkSync(mine, path);
				let released = false;
				return {
					ok: true,
					release: () => {
						if (released) return;
						released = true;
						// Only our own lock: one taken over after we were thought dead is not ours.
						if (lockHolder(path) === process.pid) unlinkQuietly(path);
					},
				};
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			}
			const holder = lockHolder(path);
			if (holder !== null && isProcessAlive(holder)) return { ok: false, holder };
			// The holder died without cleaning up: the lock is stale, take it over.
			unlinkQuietly(path);
		}
		return { ok: false, holder: lockHolder(path) };
	} finally {
		unlinkQuietly(mine);
	}
}

function lockHolder(path: string): number | null {
	try {
		const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
		return Number.isInteger(pid) && pid > 0 ? pid : null;
	} catch {
		return null;
	}
}

function unlinkQuietly(path: string): void {
	try {
		unlinkSync(path);
	} catch {
		// Already gone (another process removed it first): nothing to do.
	}
}

function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
