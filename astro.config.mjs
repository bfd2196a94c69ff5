// @ts-check
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

// Environment variables are parsed in src/lib/server/config.ts (one schema, named errors), because
// the CLI and the start script read them outside Astro too. See the README's configuration table.
export default defineConfig({
	// Static by default: the public page is prerendered to dist/client and can sit on a CDN.
	// Routes that need a request opt out with `export const prerender = false`.
	output: 'static',
	adapter: node({ mode: 'standalone' }),
	// Off: src/middleware/origin.ts checks Origin instead, against SITE_URL and the address as resolved
	// behind trusted proxies (Astro's check compares with the http:// URL it sees behind a TLS proxy).
	security: { checkOrigin: false },
	// One request for the page: its CSS is small, so inline it.
	build: { inlineStylesheets: 'always' },
	server: { host: process.env.HOST ?? 'localhost', port: Number(process.env.PORT) || 4321 },
	devToolbar: { enabled: false },
});
