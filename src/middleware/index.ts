/** Every on-demand request passes these steps in order; each one does one thing. */
import { sequence } from 'astro:middleware';
import { databaseUnavailable } from './database.ts';
import { securityHeaders } from './headers.ts';
import { requesterSession, staffSession } from './sessions.ts';

export const onRequest = sequence(
	securityHeaders,
	databaseUnavailable,
	staffSession,
	requesterSession,
);
