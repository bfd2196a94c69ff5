/** The overview's figures: waiting requests and claims, the week's downloads, 90 days by UTC day. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import {
	accessRequestsTable,
	documentsTable,
	documentVersionsTable,
	downloadsTable,
	grantsTable,
	requestersTable,
} from '../../../db/schema.ts';
import { getDashboard } from '../../../src/lib/server/reports/dashboard.ts';
import { databases } from '../../helpers/db.ts';

const NOW = new Date('2026-12-01T10:00:00Z');
const daysAgo = (n: number, hour = 12) => new Date(Date.UTC(2026, 11, 1 - n, hour, 0, 0));

describe.each(databases())('the dashboard on %s', (backend) => {
	let handle: DatabaseHandle;
	beforeAll(async () => {
		handle = await backend.open();
		const db = handle.db;
		const [r] = await db
			.insert(requestersTable)
			.values({ email: 'a@acme.example', name: 'A', company: 'Acme' })
			.returning();
		const states = ['pending', 'pending', 'approved', 'unverified'] as const;
		for (const [i, state] of states.entries())
			await db.insert(accessRequestsTable).values({
				requesterId: r!.id,
				state,
				documentSlugs: ['x'],
				createdAt: daysAgo(i),
				updatedAt: daysAgo(i),
			});
		// Outside the 90 days: not in the chart.
		await db.insert(accessRequestsTable).values({
			requesterId: r!.id,
			state: 'denied',
			documentSlugs: ['x'],
			createdAt: daysAgo(120),
		});
		const [doc] = await db
			.insert(documentsTable)
			.values({ slug: 'x', kind: 'soc2-type2', title: 'X', accessLevel: 'nda' })
			.returning();
		const [v] = await db
			.insert(documentVersionsTable)
			.values({
				documentId: doc!.id,
				bytes: new Uint8Array([1]),
				byteLength: 1,
				sha256: 'a',
				pages: 1,
				filename: 'x.pdf',
			})
			.returning();
		const [g] = await db
			.insert(grantsTable)
			.values({ requesterId: r!.id, expiresAt: daysAgo(-30) })
			.returning();
		const copies: [number, 'served' | 'failed', number][] = [
			[0, 'served', 1],
			[1, 'served', 23],
			[3, 'failed', 12],
			[6, 'served', 12],
			[10, 'served', 12],
		];
		for (const [i, [ago, status, hour]] of copies.entries())
			await db.insert(downloadsTable).values({
				copyId: `AAAA-AAA${i + 2}`,
				grantId: g!.id,
				documentVersionId: v!.id,
				requesterId: r!.id,
				status,
				createdAt: daysAgo(ago, hour),
			});
	});
	afterAll(() => handle.close());

	it('counts what waits and the copies of the last 7 days (served ones only)', async () => {
		const dashboard = await getDashboard(handle.db, NOW);
		expect(dashboard).toMatchObject({ waiting: 2, claimsWaiting: 0, downloadsThisWeek: 3 });
	});

	it('gives 90 UTC days ending today, with each day’s requests and served downloads', async () => {
		const { activity } = await getDashboard(handle.db, NOW);
		expect(activity).toHaveLength(90);
		expect(activity.at(-1)).toEqual({ day: '2026-12-01', requests: 1, downloads: 1 });
		expect(activity.at(-2)).toEqual({ day: '2026-11-30', requests: 1, downloads: 1 });
		expect(activity.find((d) => d.day === '2026-11-28')).toEqual({
			day: '2026-11-28',
			requests: 1,
			downloads: 0,
		});
		expect(activity.reduce((n, d) => n + d.requests, 0)).toBe(4);
		expect(activity.reduce((n, d) => n + d.downloads, 0)).toBe(4);
	});
});
