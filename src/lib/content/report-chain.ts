/**
 * Where the SOC 2 assurance stands on a given day: the latest report, the bridge letter that
 * extends it, when the next report is due, and whether the chain has gone stale. Pure: the
 * page, /trust.json and the tests call it with the content and a date.
 */
import { addDays, addMonths, daysBetween, formatDate, formatMonth, formatPeriod } from './dates.ts';
import type { Report } from './model.ts';

/** A report goes stale this long after its period ends, unless a bridge letter covers today. */
export const STALE_AFTER_MONTHS = 12;

export type ReportChainState =
	/** The period ended at most 12 months ago. */
	| 'current'
	/** The period ended over 12 months ago, but a bridge letter covers today. */
	| 'bridged'
	/** The period ended over 12 months ago and no bridge letter covers today. */
	| 'stale'
	/** No SOC 2 report has been issued yet. */
	| 'none';

export interface ReportChain {
	state: ReportChainState;
	report: Report | null;
	/** The latest issued bridge letter extending `report`, if any. */
	bridge: Report | null;
	/** The last day covered by the report or its bridge letter. */
	coveredThrough: string | null;
	/** The day the report becomes stale if no bridge letter covers it. */
	staleFrom: string | null;
	/** Content's `nextReportExpected`, else the end of the next period plus the same issuing lag. */
	nextReportExpected: string | null;
	/**
	 * Days from the end of the cover (report or bridge letter) through today that nothing covers
	 * yet; null when today is covered. A bridge letter is signed after the months it covers.
	 */
	gap: { start: string; end: string; days: number } | null;
	/** One sentence a procurement reviewer can paste into a questionnaire. */
	summary: string;
}

const KIND_LABEL: Record<Report['kind'], string> = {
	'soc2-type1': 'SOC 2 Type I',
	'soc2-type2': 'SOC 2 Type II',
	iso27001: 'ISO/IEC 27001 certificate',
	pentest: 'Penetration test summary',
	'bridge-letter': 'Bridge letter',
};

export function reportKindLabel(kind: Report['kind']): string {
	return KIND_LABEL[kind];
}

export function isSoc2(report: Report): boolean {
	return report.kind === 'soc2-type1' || report.kind === 'soc2-type2';
}

/** The report chain as of `today` (YYYY-MM-DD). Reports issued after `today` are ignored. */
export function reportChain(reports: readonly Report[], today: string): ReportChain {
	const issued = reports.filter((r) => r.issued <= today);
	const report =
		issued
			.filter(isSoc2)
			.sort(
				(a, b) => b.period.end.localeCompare(a.period.end) || b.issued.localeCompare(a.issued),
			)[0] ?? null;
	if (!report) {
		return {
			state: 'none',
			report: null,
			bridge: null,
			coveredThrough: null,
			staleFrom: null,
			nextReportExpected: null,
			gap: null,
			summary: 'No SOC 2 report has been issued yet.',
		};
	}
	const bridges = issued.filter((r) => r.kind === 'bridge-letter' && r.extends === report.slug);
	const bridge = bridges.sort((a, b) => b.period.end.localeCompare(a.period.end))[0] ?? null;
	const coveredThrough =
		bridge && bridge.period.end > report.period.end ? bridge.period.end : report.period.end;
	const staleFrom = addMonths(report.period.end, STALE_AFTER_MONTHS);
	const bridgeCoversToday = bridges.some((b) => b.period.start <= today && today <= b.period.end);
	const state: ReportChainState =
		today <= staleFrom ? 'current' : bridgeCoversToday ? 'bridged' : 'stale';
	const lagMonths = monthsBetween(report.period.end, report.issued);
	const nextReportExpected =
		report.nextReportExpected ?? addMonths(report.period.end, STALE_AFTER_MONTHS + lagMonths);

	const parts = [
		`${KIND_LABEL[report.kind]}, period ${formatPeriod(report.period.start, report.period.end)}`,
	];
	if (bridge) parts.push(`bridge letter through ${formatDate(bridge.period.end)}`);
	if (nextReportExpected >= today)
		parts.push(`next report expected ${formatMonth(nextReportExpected)}`);
	let summary = `${parts.join(', ')}.`;
	if (state === 'stale') {
		summary += ` This report's period ended over ${STALE_AFTER_MONTHS} months ago and no bridge letter covers today.`;
	}
	const gap =
		coveredThrough < today
			? { start: addDays(coveredThrough, 1), end: today, days: daysBetween(coveredThrough, today) }
			: null;
	return { state, report, bridge, coveredThrough, staleFrom, nextReportExpected, gap, summary };
}

function monthsBetween(from: string, to: string): number {
	const [fy, fm] = from.split('-').map(Number) as [number, number];
	const [ty, tm] = to.split('-').map(Number) as [number, number];
	return Math.max(0, (ty - fy) * 12 + (tm - fm));
}

const KIND_ORDER: Report['kind'][] = [
	'soc2-type2',
	'soc2-type1',
	'bridge-letter',
	'iso27001',
	'pentest',
];

/**
 * The order a reviewer reads documents in: SOC 2 reports and bridge letters newest first, then
 * certificates and pen tests; within a kind, the latest period first.
 */
export function orderReports<R extends Report>(reports: readonly R[]): R[] {
	const rank = (r: Report) => (isSoc2(r) || r.kind === 'bridge-letter' ? 0 : 1);
	const chainEnd = (r: Report) =>
		r.kind === 'bridge-letter'
			? (reports.find((x) => x.slug === r.extends)?.period.end ?? r.period.end)
			: r.period.end;
	return [...reports].sort(
		(a, b) =>
			rank(a) - rank(b) ||
			chainEnd(b).localeCompare(chainEnd(a)) ||
			KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
			b.period.end.localeCompare(a.period.end) ||
			a.slug.localeCompare(b.slug),
	);
}
