/**
 * What the start script's server learned about a request before Astro saw it (the client behind
 * trusted proxies; a refusal already decided), handed to middleware. @astrojs/node's standalone
 * handler takes no locals, and the routes are bundled apart from the start script, so it travels in
 * an AsyncLocalStorage found through a global symbol.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientInfo } from './proxy.ts';

/** The on-demand page that renders refusals (src/pages/problem.astro). */
export const PROBLEM_PATH = '/problem';

/** A refusal decided before routing (body too large or too slow, wrong method on a static file). */
export interface EarlyRefusal {
	status: 400 | 405 | 408 | 413;
	allow?: string;
	limitBytes?: number;
}

export interface Incoming {
	client: ClientInfo;
	refusal: EarlyRefusal | null;
	/** Resolves once the response has left this process (all of it handed to the kernel) or its
	 * connection has closed, whichever comes first. */
	whenSent(): Promise<void>;
}

const KEY = Symbol.for('trustroom.incoming');
type Holder = { [KEY]?: AsyncLocalStorage<Incoming> };
const storage = ((globalThis as Holder)[KEY] ??= new AsyncLocalStorage<Incoming>());

export function runWithIncoming<T>(incoming: Incoming, work: () => T): T {
	return storage.run(incoming, work);
}

/** The current request's facts, or null outside the start script's server (dev, tests). */
export function getIncoming(): Incoming | null {
	return storage.getStore() ?? null;
}
