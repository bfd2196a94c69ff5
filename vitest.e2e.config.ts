import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium))
	console.log(`Browser tests skipped: no Chromium at ${chromium} (set CHROMIUM_PATH).`);

// npm run test:e2e: the reviewer's journey and every form in Chromium against the real server.
export default defineConfig({
	test: {
		include: ['tests/e2e/**/*.test.ts'],
		globalSetup: ['tests/global-setup.ts'],
		testTimeout: 120_000,
		hookTimeout: 180_000,
		pool: 'forks',
		// Each file runs a server and a browser: one at a time on a 2-core machine.
		fileParallelism: false,
		maxWorkers: 1,
	},
});
