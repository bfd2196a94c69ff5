import { sequence } from 'astro:middleware';
import { client } from './client.ts';
import { headers } from './headers.ts';
import { methods } from './methods.ts';
import { origin } from './origin.ts';
import { sessions } from './sessions.ts';

/**
 * headers wraps everything (refusals get them too); client says who is asking; methods and origin
 * refuse what no page should handle; sessions find the signed-in staff member or requester.
 */
export const onRequest = sequence(headers, client, methods, origin, sessions);
