import { defineConfig } from 'drizzle-kit';

// drizzle-kit runs outside Astro, so it reads process.env directly (astro:env is not available here).
export default defineConfig({
	dialect: 'postgresql',
	schema: './db/schema.ts',
	out: './db/migrations',
	...(process.env.DATABASE_URL ? { dbCredentials: { url: process.env.DATABASE_URL } } : {}),
});
