/** The audit log checked incrementally from a stored checkpoint, and the tampering it still finds. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { appendAuditEvent } from '../../../src/lib/server/audit/audit.ts';
import { getAuditStatus } from '../../../src/lib/server/audit/checkpoint.ts';
import { databases } from '../../helpers/db.ts';

describe.each(databases())('the audit checkpoint on %s', (backend) => {
	let handle: DatabaseHandle;
	beforeAll(async () => {
		handle = await backend.open();
	});
	afterAll(() => handle.close());
	const append = (n: number) =>
		handle.db.transaction(async (tx) => {
			for (let i = 0; i < n; i++)
				await appendAuditEvent(tx, { type: 'test.event', actor: 'system', data: { i } });
		});

	it('checks only the events added since the last check', async () => {
		await append(5);
		expect(await getAuditStatus(handle.db)).toMatchObject({ ok: true, count: 5, checkedNow: 5 });
		expect(await getAuditStatus(handle.db)).toMatchObject({ ok: true, count: 5, checkedNow: 0 });
		await append(3);
		expect(await getAuditStatus(handle.db)).toMatchObject({ ok: true, count: 8, checkedNow: 3 });
	});

	it('finds a change to an event after the checkpoint, and to the checkpoint event itself', async () => {
		await append(2);
		await handle.db.execute(sql`alter table audit_events disable trigger audit_events_append_only`);
		try {
			await handle.db.execute(
				sql`update audit_events set data = '{"i": 99}'::jsonb where seq = 10`,
			);
			expect(await getAuditStatus(handle.db)).toMatchObject({
				ok: false,
				brokenAt: 10,
				reason: 'its content was changed',
			});
			await handle.db.execute(sql`update audit_events set hash = repeat('0', 64) where seq = 8`);
			expect(await getAuditStatus(handle.db)).toMatchObject({
				ok: false,
				brokenAt: 8,
				reason: 'it changed after it was verified',
			});
			// An earlier event changed behind the checkpoint: only the full check sees it.
			await handle.db.execute(sql`update audit_events set type = 'x' where seq = 2`);
			expect(await getAuditStatus(handle.db, { full: true })).toMatchObject({
				ok: false,
				brokenAt: 2,
			});
		} finally {
			await handle.db.execute(
				sql`alter table audit_events enable trigger audit_events_append_only`,
			);
		}
	});
});
