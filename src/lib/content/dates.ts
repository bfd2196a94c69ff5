/** Calendar dates as YYYY-MM-DD strings, in UTC: no time zone can shift an audit period. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Whether `value` is a YYYY-MM-DD date that exists (2025-02-30 does not). */
export function isRealDate(value: string): boolean {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
	const date = new Date(`${value}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function todayUtc(now: Date = new Date()): string {
	return now.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
	const d = parse(date);
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
	return Math.round((parse(to).getTime() - parse(from).getTime()) / 86_400_000);
}

/** Adds calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
	const d = parse(date);
	const day = d.getUTCDate();
	d.setUTCDate(1);
	d.setUTCMonth(d.getUTCMonth() + months);
	const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
	d.setUTCDate(Math.min(day, lastDay));
	return d.toISOString().slice(0, 10);
}

/** `2025-12-31` → `31 Dec 2025`. */
export function formatDate(date: string): string {
	const d = parse(date);
	return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** A moment as people read it, in UTC and saying so: `1 Dec 2026, 20:32 UTC`. */
export function formatDateTime(moment: Date): string {
	const iso = moment.toISOString();
	return `${formatDate(iso.slice(0, 10))}, ${iso.slice(11, 16)} UTC`;
}

/** The UTC calendar day of a moment, in words: `1 Dec 2026`. */
export function formatDay(moment: Date): string {
	return formatDate(moment.toISOString().slice(0, 10));
}

/** `2026-02-20` → `Feb 2026`. */
export function formatMonth(date: string): string {
	const d = parse(date);
	return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** `1 Jan–31 Dec 2025`, or `1 Jul 2024–30 Jun 2025` across years, or one date when start = end. */
export function formatPeriod(start: string, end: string): string {
	if (start === end) return formatDate(start);
	const [s, e] = [parse(start), parse(end)];
	if (s.getUTCFullYear() === e.getUTCFullYear()) {
		return `${s.getUTCDate()} ${MONTHS[s.getUTCMonth()]}–${formatDate(end)}`;
	}
	return `${formatDate(start)}–${formatDate(end)}`;
}

function parse(date: string): Date {
	const d = new Date(`${date}T00:00:00Z`);
	if (Number.isNaN(d.getTime())) throw new Error(`Not a YYYY-MM-DD date: ${date}`);
	return d;
}
