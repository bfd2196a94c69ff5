/**
 * `npm start`: check the configuration, open and migrate the database, seed the demo on an empty
 * one, build the site if it is missing or out of date, then serve it.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDatabase, migrateDatabase, type DatabaseHandle } from '../../db/client.ts';
import { loadConfig } from '../lib/server/platform/config.ts';
import { setDatabaseHandle } from '../lib/server/platform/database.ts';
import { SERVER_SITE_URL, setSetting } from '../lib/server/platform/settings.ts';
import { countDocumentVersions } from '../lib/server/documents/documents.ts';
import { syncContent } from '../lib/server/content/sync.ts';
import { registerEmailSender } from '../lib/server/mail/kick.ts';
import { securityHeaders } from '../lib/server/platform/http-headers.ts';
import { longestBodyTimeoutMs } from '../lib/server/platform/body-limits.ts';
import { createRequestGuard } from '../lib/server/platform/request-guard.ts';
import { withCompression } from '../lib/server/platform/compression.ts';
import { loadStaticFiles } from '../lib/server/platform/static-files.ts';
import { yieldHelperThreads } from '../lib/server/platform/priorities.ts';
import { startEmailSender } from '../lib/server/mail/sender.ts';
import { failAbandonedDownloads } from '../lib/server/delivery/downloads.ts';
import { deleteExpiredSessions } from '../lib/server/auth/auth-session.ts';
import { deleteExpiredRequesterSessions } from '../lib/server/auth/requester-session.ts';
import { getAuditStatus } from '../lib/server/audit/checkpoint.ts';
import { isDatabaseUnavailable } from '../lib/server/platform/database.ts';
import { seedDemo } from '../lib/server/pdf/demo/seed.ts';
import { createSetupLink } from '../lib/server/auth/setup-link.ts';
import { readTrustContent } from '../lib/server/content/reader.ts';
import { ensureBuild, ROOT } from './build.ts';

const ENTRY = join(ROOT, 'dist/server/entry.mjs');

export async function start(): Promise<void> {
	const startedAt = performance.now();
	const config = loadConfig();
	process.chdir(ROOT);
	const content = readTrustContent(join(ROOT, 'src/content'), ROOT);

	// Before anything else, and above all before a rebuild: a second `npm start` beside a running
	// one would otherwise rebuild dist/ under it (Astro empties it first) and only then find the
	// port taken.
	await checkPortFree(config);
	const handle = await createDatabase(
		config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: config.pgliteDir },
	);
	let served = false;
	try {
		setDatabaseHandle(handle);
		await migrateDatabase(handle);
		await syncContent(handle.db, content);
		// The shell's staff commands mail links from this address too (see cli/command.ts).
		await setSetting(handle.db, SERVER_SITE_URL, config.siteUrl);
		if (content.company.demo && (await countDocumentVersions(handle.db)) === 0) {
			const seeded = await seedDemo(handle.db, content);
			console.log(
				`Seeded the demo: ${seeded.created.map((d) => `${d.slug} (${d.pages} ${d.pages === 1 ? 'page' : 'pages'})`).join(', ')}.`,
			);
		}
		// No admin yet: a one-time link to make one, never a password in the log.
		const setupLink = await createSetupLink(handle.db, config.siteUrl);
		ensureBuild();
		await serve(handle, config, startedAt, setupLink);
		served = true;
	} finally {
		if (!served) await handle.close();
	}
}

/** The listening failure in words that say what to do. */
function listenError(error: NodeJS.ErrnoException, config: { host: string; port: number }): Error {
	if (error.code === 'EADDRINUSE')
		return new Error(
			`PORT ${config.port} on ${config.host} is already in use; stop the other server or set PORT to another port`,
		);
	if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
		return new Error(
			`HOST "${config.host}" is not an address of this machine; use localhost or 0.0.0.0`,
		);
	return error;
}

/** Listens on the address for a moment: throws listenError's message if it cannot. */
async function checkPortFree(config: { host: string; port: number }): Promise<void> {
	const probe = createNetServer();
	await new Promise<void>((resolve, reject) => {
		probe.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, config)));
		probe.listen(config.port, config.host, resolve);
	});
	await new Promise<void>((resolve) => probe.close(() => resolve()));
}

async function serve(
	handle: DatabaseHandle,
	config: ReturnType<typeof loadConfig>,
	startedAt: number,
	setupLink: { url: string; expiresAt: Date } | null,
): Promise<void> {
	process.env.ASTRO_NODE_AUTOSTART = 'disabled';
	const app = (await import(pathToFileURL(ENTRY).href)) as {
		handler: (req: IncomingMessage, res: ServerResponse) => void;
	};
	const headers = securityHeaders(config.siteUrl);
	// Proxy headers, body limits and static-file methods are settled before Astro sees a request.
	const guard = createRequestGuard(app.handler, {
		config,
		clientDir: join(ROOT, 'dist/client'),
	});
	// Text answers (static or on demand) are compressed as the client asks; PDFs never.
	const answer = withCompression(guard.request);
	// The prerendered pages from memory, compressed once: nothing in the guard concerns a GET of
	// them, and the public page must stay fast while copies stream to others.
	const statics = loadStaticFiles(join(ROOT, 'dist/client'));
	const server = createServer((req, res) => {
		for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
		if (!statics.serve(req, res)) answer(req, res);
	});
	server.on('checkContinue', (req, res) => {
		for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
		guard.checkContinue(req, res);
	});
	// The guard times bodies itself; the server's own whole-request limit must not cut it short.
	server.requestTimeout = Math.max(server.requestTimeout, longestBodyTimeoutMs(config) + 10_000);
	await new Promise<void>((resolve, reject) => {
		server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, config)));
		server.listen(config.port, config.host, resolve);
	});
	const local = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
	console.log(
		[
			'',
			`  Trustroom is serving ${local}  (ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s)`,
			`  Public address: ${config.siteUrl}`,
			`  Email: ${config.resendApiKey ? `Resend (${config.resendBaseUrl})` : `files in ${config.outboxDir} (set RESEND_API_KEY to send)`}`,
			`  Database: ${handle.kind === 'pglite' ? `embedded PGlite in ${handle.location}` : `PostgreSQL at ${handle.location}`}`,
			`  Staff sign-in: ${local}/admin/login`,
			...(setupLink
				? [
						'  No admin yet. Create the first one (the link works once, for 24 hours; each start prints a new one):',
						`    ${setupLink.url}`,
					]
				: []),
			'  More staff accounts:',
			'    npx trustroom users create --email you@example.com --name "Your Name" --role admin',
			...(handle.kind === 'pglite'
				? ['  (stop this server first: the embedded database allows one process at a time)']
				: []),
			'',
		].join('\n'),
	);
	yieldHelperThreads();
	const sender = startEmailSender(handle.db, config, { intervalMs: 5_000 });
	registerEmailSender(sender);
	const sweeper = startDownloadSweeper(handle, config.stampTimeoutMs);
	const sessionSweeper = startSessionSweeper(handle, {
		idleMs: config.staffSessionIdleMs,
		maxMs: config.staffSessionMaxMs,
	});
	// Staff views check only the events added since the last check; once a start, check them all.
	void getAuditStatus(handle.db, { full: true })
		.then((status) => {
			if (!status.ok)
				console.error(
					`  AUDIT LOG BROKEN at event ${status.brokenAt}: ${status.reason}. Investigate before trusting it.`,
				);
		})
		.catch((error) => console.error(`Audit check at start failed: ${String(error)}`));
	if (!config.resendApiKey)
		console.log(`  Email goes to ${config.outboxDir} (set RESEND_API_KEY to send it)`);
	const loopStats = recordEventLoopDelay(process.env.EVENT_LOOP_STATS_FILE);
	const stop = (signal: string) => {
		console.log(`\n${signal}: stopping…`);
		loopStats?.();
		void sender.stop();
		clearInterval(sweeper);
		clearInterval(sessionSweeper);
		server.close();
		server.closeAllConnections();
		void handle.close().finally(() => process.exit(0));
	};
	process.once('SIGINT', () => stop('SIGINT'));
	process.once('SIGTERM', () => stop('SIGTERM'));
}

/**
 * Every minute (and now): downloads logged but never handed out, older than the longest stamp,
 * end `failed`. While the database is away this quietly waits for the next round.
 */
function startDownloadSweeper(handle: DatabaseHandle, stampTimeoutMs: number): NodeJS.Timeout {
	const sweep = () =>
		failAbandonedDownloads(handle.db, stampTimeoutMs + 60_000)
			.then((ids) => {
				if (ids.length)
					console.log(`Marked ${ids.length} abandoned download(s) failed: ${ids.join(', ')}`);
			})
			.catch((error) => {
				if (!isDatabaseUnavailable(error)) console.error(`Download sweeper: ${String(error)}`);
			});
	void sweep();
	const timer = setInterval(sweep, 60_000);
	timer.unref();
	return timer;
}

/**
 * Every hour (and now): staff and reviewer sessions past their limits are deleted. Validation
 * deletes the expired sessions it meets; these are the ones whose cookies never came back.
 */
function startSessionSweeper(
	handle: DatabaseHandle,
	timeouts: { idleMs: number; maxMs: number },
): NodeJS.Timeout {
	const sweep = () =>
		Promise.all([
			deleteExpiredSessions(handle.db, new Date(), timeouts),
			deleteExpiredRequesterSessions(handle.db),
		]).catch((error: unknown) => {
			if (!isDatabaseUnavailable(error)) console.error(`Session sweeper: ${String(error)}`);
		});
	void sweep();
	const timer = setInterval(sweep, 3_600_000);
	timer.unref();
	return timer;
}

/**
 * For `npm run bench`: measures this process's event-loop delay. SIGUSR2 writes p50/p99/max in
 * milliseconds since the last SIGUSR2 (or the start) to `file` and starts afresh; so does stopping.
 */
function recordEventLoopDelay(file: string | undefined): (() => void) | null {
	if (!file) return null;
	const histogram = monitorEventLoopDelay({ resolution: 5 });
	histogram.enable();
	const write = () => {
		const ms = (ns: number) => ns / 1e6;
		writeFileSync(
			file,
			JSON.stringify({
				p50: ms(histogram.percentile(50)),
				p99: ms(histogram.percentile(99)),
				max: ms(histogram.max),
			}),
		);
		histogram.reset();
	};
	process.on('SIGUSR2', write);
	return () => {
		histogram.disable();
		write();
	};
}
