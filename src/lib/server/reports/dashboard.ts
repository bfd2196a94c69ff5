/** The staff overview's figures: what waits for a person, and the last 90 days of activity. */
import { and, count, eq, gte, sql } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { accessRequestsTable, downloadsTable, ndaClaimsTable } from '../../../../db/schema.ts';

export const ACTIVITY_DAYS = 90;

export interface DayActivity {
	/** YYYY-MM-DD (UTC). */
	day: string;
	requests: number;
	downloads: number;
}

export interface Dashboard {
	/** Requests waiting for a staff decision. */
	waiting: number;
	/** "We already have an NDA" claims waiting for confirmation. */
	claimsWaiting: number;
	/** Copies handed out in the last 7 days. */
	downloadsThisWeek: number;
	/** One entry per day, oldest first, ending today. */
	activity: DayActivity[];
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);

export async function getDashboard(db: Database, now = new Date()): Promise<Dashboard> {
	const today = new Date(`${utcDay(now)}T00:00:00Z`);
	const since = new Date(today.getTime() - (ACTIVITY_DAYS - 1) * 86_400_000);
	const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
	const byDay = (column: typeof accessRequestsTable.createdAt | typeof downloadsTable.createdAt) =>
		sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`;
	const [[waiting], [claims], [week], requests, downloads] = await Promise.all([
		db
			.select({ n: count() })
			.from(accessRequestsTable)
			.where(eq(accessRequestsTable.state, 'pending')),
		db.select({ n: count() }).from(ndaClaimsTable).where(eq(ndaClaimsTable.status, 'pending')),
		db
			.select({ n: count() })
			.from(downloadsTable)
			.where(and(eq(downloadsTable.status, 'served'), gte(downloadsTable.createdAt, weekAgo))),
		db
			.select({ day: byDay(accessRequestsTable.createdAt), n: count() })
			.from(accessRequestsTable)
			.where(gte(accessRequestsTable.createdAt, since))
			.groupBy(byDay(accessRequestsTable.createdAt)),
		db
			.select({ day: byDay(downloadsTable.createdAt), n: count() })
			.from(downloadsTable)
			.where(and(eq(downloadsTable.status, 'served'), gte(downloadsTable.createdAt, since)))
			.groupBy(byDay(downloadsTable.createdAt)),
	]);
	const requestsByDay = new Map(requests.map((r) => [r.day, Number(r.n)]));
	const downloadsByDay = new Map(downloads.map((r) => [r.day, Number(r.n)]));
	const activity = Array.from({ length: ACTIVITY_DAYS }, (_, i) => {
		const day = utcDay(new Date(since.getTime() + i * 86_400_000));
		return { day, requests: requestsByDay.get(day) ?? 0, downloads: downloadsByDay.get(day) ?? 0 };
	});
	return {
		waiting: Number(waiting?.n ?? 0),
		claimsWaiting: Number(claims?.n ?? 0),
		downloadsThisWeek: Number(week?.n ?? 0),
		activity,
	};
}
