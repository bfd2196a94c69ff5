/**
 * The process environment, parsed once. Every variable Trustroom reads is declared here (the CLI
 * and the start script run outside Astro, so astro:env cannot be the one source). A bad value
 * stops the start with a message that names the variable and says what to set.
 */
import { availableParallelism } from 'node:os';
import { z } from 'astro/zod';
import { parseTrustProxy, type TrustProxy } from './proxy.ts';

export interface Config {
	/** postgres:// URL; null means the embedded PGlite database. */
	databaseUrl: string | null;
	/** Directory of the embedded database (ignored when databaseUrl is set). */
	pgliteDir: string;
	host: string;
	port: number;
	/** Public origin used in links, emails and watermarks, without a trailing slash. */
	siteUrl: string;
	/** Without it, email goes to the local outbox folder instead of Resend. */
	resendApiKey: string | null;
	resendBaseUrl: string;
	/** EMAIL_FROM as given, or null for the default derived from SITE_URL's host. */
	emailFrom: string | null;
	outboxDir: string;
	/** A Slack incoming webhook for staff notifications (reviews, share-link opens, downloads); null: none. */
	slackWebhookUrl: string | null;
	/** How long an approved request's access lasts unless its rule says otherwise. */
	grantDays: number;
	/** Access requests allowed per hour from one IP address, and for one email address. */
	rateLimitPerIp: number;
	rateLimitPerEmail: number;
	/** Stamping worker threads, jobs allowed to wait for one, and the time one job may take. */
	stampWorkers: number;
	stampQueue: number;
	stampTimeoutMs: number;
	/** Upload pre-flight limits. */
	maxUploadBytes: number;
	maxPages: number;
	/** Which reverse proxies may tell us the client's address, protocol and host. */
	trustProxy: TrustProxy;
	/** A staff session ends after this long unused, and in any case this long after sign-in. */
	staffSessionIdleMs: number;
	staffSessionMaxMs: number;
	/** Failed staff sign-ins allowed per 15 minutes for one account, and from one client address. */
	signInLimitPerAccount: number;
	signInLimitPerIp: number;
	/** Largest request body a form accepts (routes with larger needs are in platform/body-limits). */
	bodyLimitBytes: number;
	/** Time a client has to send a request body. */
	bodyTimeoutMs: number;
}

export class ConfigError extends Error {
	override name = 'ConfigError';
	readonly variable: string;
	constructor(variable: string, message: string) {
		super(`${variable}: ${message}`);
		this.variable = variable;
	}
}

const HEADER_UNSAFE = /[\r\n]/;

const optional = (value: string | undefined) =>
	value === undefined || value.trim() === '' ? undefined : value.trim();

function wholeNumber(what: string, min: number, max: number) {
	return z
		.string()
		.regex(/^\d+$/, { message: `must be a whole number: ${what}` })
		.transform(Number)
		.refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });
}

const variables = {
	DATABASE_URL: z
		.string()
		.refine((value) => isUrlWithProtocol(value, ['postgres:', 'postgresql:']), {
			message:
				'must be a PostgreSQL URL such as postgres://user:password@host:5432/dbname (unset it to use the embedded database)',
		})
		.optional(),
	PGLITE_DIR: z.string().default('.data/pglite'),
	HOST: z
		.string()
		.regex(/^[A-Za-z0-9.:[\]-]+$/, {
			message: 'must be a host name or IP address, such as localhost or 0.0.0.0',
		})
		.default('localhost'),
	PORT: z
		.string()
		.regex(/^\d+$/, { message: 'must be a whole number between 1 and 65535, such as 4321' })
		.transform(Number)
		.refine((port) => port >= 1 && port <= 65535, { message: 'must be between 1 and 65535' })
		.default(4321),
	SITE_URL: z
		.string()
		.refine((value) => isUrlWithProtocol(value, ['http:', 'https:']), {
			message:
				'must be the public http(s) address of this trust center, such as https://trust.example.com',
		})
		.optional(),
	RESEND_API_KEY: z.string().optional(),
	RESEND_BASE_URL: z
		.string()
		.refine((value) => isUrlWithProtocol(value, ['http:', 'https:']), {
			message: 'must be an http(s) URL such as https://api.resend.com',
		})
		.default('https://api.resend.com'),
	EMAIL_FROM: z
		.string()
		.refine((value) => !HEADER_UNSAFE.test(value), { message: 'must be one line' })
		.refine((value) => /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(value), {
			message: 'must be an address such as "Acme Trust <trust@acme.com>" or trust@acme.com',
		})
		.optional(),
	OUTBOX_DIR: z.string().default('.data/outbox'),
	// Optional: without it nothing goes to Slack. The URL is a secret; it never enters the database.
	SLACK_WEBHOOK_URL: z
		.string()
		.refine((value) => isUrlWithProtocol(value, ['http:', 'https:']), {
			message:
				'must be a Slack incoming webhook URL such as https://hooks.slack.com/services/T000/B000/XXXX',
		})
		.optional(),
	GRANT_DAYS: wholeNumber('a number of days such as 90', 1, 3650).default(90),
	RATE_LIMIT_PER_IP: wholeNumber('requests per hour, such as 20', 1, 100_000).default(20),
	RATE_LIMIT_PER_EMAIL: wholeNumber('requests per hour, such as 5', 1, 100_000).default(5),
	// One core stays free for the event loop, so pages stay fast while copies are stamped.
	STAMP_WORKERS: wholeNumber('worker threads, such as 2', 1, 64).default(
		Math.max(1, availableParallelism() - 1),
	),
	STAMP_QUEUE: wholeNumber('waiting stamp jobs, such as 32', 0, 10_000).default(32),
	STAMP_TIMEOUT_MS: wholeNumber('milliseconds, such as 60000', 1000, 3_600_000).default(60_000),
	MAX_UPLOAD_MB: wholeNumber('megabytes, such as 100', 1, 2048).default(100),
	MAX_PAGES: wholeNumber('pages, such as 2000', 1, 100_000).default(2000),
	TRUST_PROXY: z
		.string()
		.default('')
		.transform((value, ctx): TrustProxy => {
			const parsed = parseTrustProxy(value);
			if ('error' in parsed) {
				ctx.addIssue({ code: 'custom', message: parsed.error });
				return z.NEVER;
			}
			return parsed;
		}),
	STAFF_SESSION_IDLE_MINUTES: wholeNumber('minutes, such as 720', 5, 43_200).default(720),
	STAFF_SESSION_MAX_HOURS: wholeNumber('hours, such as 168', 1, 8760).default(168),
	SIGN_IN_LIMIT_PER_ACCOUNT: wholeNumber(
		'failed sign-ins per 15 minutes, such as 10',
		1,
		10_000,
	).default(10),
	SIGN_IN_LIMIT_PER_IP: wholeNumber(
		'failed sign-ins per 15 minutes, such as 50',
		1,
		100_000,
	).default(50),
	// Forms are a few KB; a small cap means an anonymous client cannot make the server buffer much.
	BODY_LIMIT_KB: wholeNumber('kilobytes, such as 64', 1, 1024 * 1024).default(64),
	BODY_TIMEOUT_MS: wholeNumber('milliseconds, such as 30000', 100, 3_600_000).default(30_000),
};

let processConfig: Config | undefined;

/** The server's configuration: the process environment, parsed once (the start script checks it first). */
export function getConfig(): Config {
	return (processConfig ??= loadConfig());
}

/** Reads the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
	const read = <K extends keyof typeof variables>(name: K): z.output<(typeof variables)[K]> => {
		const result = variables[name].safeParse(optional(env[name]));
		if (!result.success) {
			throw new ConfigError(
				name,
				`${result.error.issues[0]?.message ?? 'is invalid'} (got "${env[name]}")`,
			);
		}
		return result.data as z.output<(typeof variables)[K]>;
	};
	const host = read('HOST');
	const port = read('PORT');
	const siteHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	return {
		databaseUrl: read('DATABASE_URL') ?? null,
		pgliteDir: read('PGLITE_DIR'),
		host,
		port,
		siteUrl: (read('SITE_URL') ?? `http://${siteHost}:${port}`).replace(/\/+$/, ''),
		resendApiKey: read('RESEND_API_KEY') ?? null,
		resendBaseUrl: read('RESEND_BASE_URL').replace(/\/+$/, ''),
		// Unset: trust@ the SITE_URL's host, named for the company (mail/outbox.ts senderAddress).
		emailFrom: read('EMAIL_FROM') ?? null,
		outboxDir: read('OUTBOX_DIR'),
		slackWebhookUrl: read('SLACK_WEBHOOK_URL') ?? null,
		grantDays: read('GRANT_DAYS'),
		rateLimitPerIp: read('RATE_LIMIT_PER_IP'),
		rateLimitPerEmail: read('RATE_LIMIT_PER_EMAIL'),
		stampWorkers: read('STAMP_WORKERS'),
		stampQueue: read('STAMP_QUEUE'),
		stampTimeoutMs: read('STAMP_TIMEOUT_MS'),
		maxUploadBytes: read('MAX_UPLOAD_MB') * 1024 * 1024,
		maxPages: read('MAX_PAGES'),
		trustProxy: read('TRUST_PROXY'),
		staffSessionIdleMs: read('STAFF_SESSION_IDLE_MINUTES') * 60_000,
		staffSessionMaxMs: read('STAFF_SESSION_MAX_HOURS') * 3_600_000,
		signInLimitPerAccount: read('SIGN_IN_LIMIT_PER_ACCOUNT'),
		signInLimitPerIp: read('SIGN_IN_LIMIT_PER_IP'),
		bodyLimitBytes: read('BODY_LIMIT_KB') * 1024,
		bodyTimeoutMs: read('BODY_TIMEOUT_MS'),
	};
}

function isUrlWithProtocol(value: string, protocols: string[]): boolean {
	try {
		const url = new URL(value);
		return protocols.includes(url.protocol) && url.hostname !== '';
	} catch {
		return false;
	}
}
