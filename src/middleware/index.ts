/** Every on-demand request passes these steps in order; each one does one thing. */
import { sequence } from 'astro:middleware';
import { client } from './client.ts';
import { databaseUnavailable } from './database.ts';
import { securityHeaders } from './headers.ts';
import { methods } from './methods.ts';
import { origin } from './origin.ts';
import { requesterSession, staffSession } from './sessions.ts';

// securityHeaders wraps everything (refusals get them too); client says who is asking (behind
// trusted proxies); methods and origin refuse what no page should handle.
export const onRequest = sequence(
	securityHeaders,
	client,
	methods,
	origin,
	databaseUnavailable,
	staffSession,
	requesterSession,
);
