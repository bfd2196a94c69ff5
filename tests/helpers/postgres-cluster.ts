/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary folder, its own port), for tests
 * that stop and start the database. Never the shared cluster: other tests and sessions use that.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

const BIN = [
	'/usr/lib/postgresql/17/bin',
	'/usr/lib/postgresql/16/bin',
	'/usr/lib/postgresql/15/bin',
].find((dir) => existsSync(join(dir, 'initdb')));

export interface OwnCluster {
	url: string;
	port: number;
	start(): void;
	/** A fast shutdown: connections are cut, as in a restart. */
	stop(): void;
	destroy(): void;
}

/** Whether this machine can run a cluster of its own (PostgreSQL server binaries installed). */
export const canRunOwnCluster = Boolean(BIN);

export async function createOwnCluster(): Promise<OwnCluster> {
	if (!BIN) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'trustroom-pg-'));
	const data = join(dir, 'data');
	// initdb refuses to run as root: run the cluster as the postgres user when we are root.
	const asRoot = process.getuid?.() === 0;
	const run = (tool: string, args: string[]) => {
		const command = asRoot ? 'runuser' : join(BIN, tool);
		const argv = asRoot ? ['-u', 'postgres', '--', join(BIN, tool), ...args] : args;
		const result = spawnSync(command, argv, { encoding: 'utf8' });
		if (result.status !== 0)
			throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
	};
	if (asRoot) {
		chmodSync(dir, 0o755);
		chownSync(
			dir,
			Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
			Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
		);
	}
	run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
	const cluster: OwnCluster = {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		port,
		start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
		stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
		destroy() {
			try {
				cluster.stop();
			} catch {
				// Already stopped.
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
	cluster.start();
	return cluster;
}
