/** Real processes: the `trustroom` CLI and the `npm start` server, as a user runs them. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const BIN = resolve('bin/trustroom.js');

export interface RunResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Environment for a child: the parent's, minus database settings the test did not choose. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
	const base: NodeJS.ProcessEnv = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
	for (const name of [
		'DATABASE_URL',
		'PGLITE_DIR',
		'PORT',
		'HOST',
		'SITE_URL',
		'RESEND_API_KEY',
		'NODE_OPTIONS',
		'VITEST',
		'DEBUG',
	]) {
		delete base[name];
	}
	for (const [name, value] of Object.entries(env)) {
		if (value === undefined) delete base[name];
		else base[name] = value;
	}
	return base;
}

export function runCli(
	args: string[],
	env: Record<string, string | undefined>,
	options: { cwd?: string } = {},
): Promise<RunResult> {
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, [BIN, ...args], {
			cwd: options.cwd,
			env: childEnv(env),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('error', fail);
		child.on('close', (code) => done({ code, stdout, stderr }));
	});
}

export async function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() =>
				typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
			);
		});
	});
}

export interface RunningServer {
	url: string;
	pid: number;
	output: () => string;
	stop(): Promise<void>;
}

/** Runs `trustroom start` (what `npm start` runs) and waits until it serves (on env.PORT if set). */
export async function startServer(
	env: Record<string, string | undefined>,
	timeoutMs = 90_000,
): Promise<RunningServer> {
	const port = env.PORT ? Number(env.PORT) : await freePort();
	const child = spawn(process.execPath, [BIN, 'start'], {
		env: childEnv({ HOST: '127.0.0.1', ...env, PORT: String(port) }),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const exited = new Promise<number | null>((done) => child.on('close', done));
	await new Promise<void>((ready, fail) => {
		const timer = setTimeout(
			() => fail(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)),
			timeoutMs,
		);
		const poll = setInterval(() => {
			if (output.includes('Trustroom is serving')) {
				clearTimeout(timer);
				clearInterval(poll);
				ready();
			}
		}, 50);
		void exited.then((code) => {
			clearTimeout(timer);
			clearInterval(poll);
			fail(new Error(`server exited with ${code}:\n${output}`));
		});
	});
	return {
		url: `http://127.0.0.1:${port}`,
		pid: child.pid!,
		output: () => output,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			await exited;
		},
	};
}
