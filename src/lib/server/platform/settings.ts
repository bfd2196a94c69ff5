/** Small facts the server records for the shell and other instances (settings table). */
import { eq } from 'drizzle-orm';
import type { Executor } from '../../../../db/client.ts';
import { settingsTable } from '../../../../db/schema.ts';

/** The public address the running server uses, so links mailed from the shell match it. */
export const SERVER_SITE_URL = 'server.site_url';

export async function getSetting<T>(db: Executor, key: string): Promise<T | null> {
	const [row] = await db
		.select({ value: settingsTable.value })
		.from(settingsTable)
		.where(eq(settingsTable.key, key));
	return (row?.value as T | undefined) ?? null;
}

export async function setSetting(db: Executor, key: string, value: unknown): Promise<void> {
	await db
		.insert(settingsTable)
		.values({ key, value, updatedAt: new Date() })
		.onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: new Date() } });
}
