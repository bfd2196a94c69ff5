import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['tests/**/*.test.ts'],
		// The browser tests have their own run: npm run test:e2e (vitest.e2e.config.ts).
		exclude: [...configDefaults.exclude, 'tests/e2e/**'],
		globalSetup: ['tests/global-setup.ts'],
		// Route and CLI tests start real processes and databases: give them room on a 2-core machine.
		testTimeout: 60_000,
		hookTimeout: 240_000,
		pool: 'forks',
		maxWorkers: 2,
	},
});
