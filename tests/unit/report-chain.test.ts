import { describe, expect, it } from 'vitest';
import { addMonths, formatPeriod } from '../../src/lib/content/dates.ts';
import {
	orderReports,
	reportChain,
	type ReportChainState,
} from '../../src/lib/content/report-chain.ts';
import type { Report } from '../../src/lib/content/model.ts';

const report = (overrides: Partial<Report> & Pick<Report, 'slug'>): Report => ({
	title: overrides.slug,
	kind: 'soc2-type2',
	period: { start: '2025-01-01', end: '2025-12-31' },
	issued: '2026-02-20',
	auditor: 'Harrow & Vale LLP',
	criteria: ['CC1'],
	access: 'approval',
	summary: 'x',
	body: '',
	...overrides,
});

const soc2025 = report({ slug: 'soc2-2025' });
const soc2024 = report({
	slug: 'soc2-2024',
	period: { start: '2024-01-01', end: '2024-12-31' },
	issued: '2025-02-14',
});
const bridgeQ3 = report({
	slug: 'bridge-2026',
	kind: 'bridge-letter',
	extends: 'soc2-2025',
	criteria: [],
	period: { start: '2026-01-01', end: '2026-09-30' },
	issued: '2026-10-12',
});
const bridgeLong = report({
	...bridgeQ3,
	slug: 'bridge-2026-long',
	period: { start: '2026-01-01', end: '2027-03-31' },
	issued: '2027-01-05',
});
const bridgeFor2024 = report({
	...bridgeQ3,
	slug: 'bridge-2025',
	extends: 'soc2-2024',
	period: { start: '2025-01-01', end: '2025-06-30' },
	issued: '2025-07-10',
});

describe('reportChain', () => {
	it.each<[string, Report[], string, ReportChainState, string | null]>([
		['no report at all', [], '2026-11-23', 'none', null],
		['a report issued after today is not counted yet', [soc2025], '2026-01-15', 'none', null],
		['the day the report is issued', [soc2025], '2026-02-20', 'current', '2025-12-31'],
		['eleven months after the period', [soc2025], '2026-11-30', 'current', '2025-12-31'],
		['exactly 12 months after the period ends', [soc2025], '2026-12-31', 'current', '2025-12-31'],
		[
			'one day past 12 months without a bridge letter',
			[soc2025],
			'2027-01-01',
			'stale',
			'2025-12-31',
		],
		[
			'past 12 months with a bridge letter that ended',
			[soc2025, bridgeQ3],
			'2027-01-01',
			'stale',
			'2026-09-30',
		],
		[
			'past 12 months with a bridge letter covering today',
			[soc2025, bridgeLong],
			'2027-01-10',
			'bridged',
			'2027-03-31',
		],
		[
			'past 12 months once the bridge letter has run out',
			[soc2025, bridgeLong],
			'2027-04-01',
			'stale',
			'2027-03-31',
		],
		[
			'a bridge letter not yet issued does not count',
			[soc2025, bridgeLong],
			'2027-01-02',
			'stale',
			'2025-12-31',
		],
		[
			'the newest report wins over an older one',
			[soc2024, bridgeFor2024, soc2025],
			'2026-03-01',
			'current',
			'2025-12-31',
		],
		[
			'an old report keeps its own bridge letter until the new one is issued',
			[soc2024, bridgeFor2024, soc2025],
			'2025-08-01',
			'current',
			'2025-06-30',
		],
	])('%s', (_name, reports, today, state, coveredThrough) => {
		const chain = reportChain(reports, today);
		expect(chain.state).toBe(state);
		expect(chain.coveredThrough).toBe(coveredThrough);
	});

	it('ignores a bridge letter that extends another report', () => {
		const chain = reportChain([soc2025, bridgeFor2024, soc2024], '2026-06-01');
		expect(chain.report?.slug).toBe('soc2-2025');
		expect(chain.bridge).toBeNull();
	});

	it('writes the status in the words a reviewer wants', () => {
		const chain = reportChain([soc2025, { ...bridgeQ3 }, soc2024], '2026-11-23');
		expect(chain.summary).toBe(
			'SOC 2 Type II, period 1 Jan–31 Dec 2025, bridge letter through 30 Sep 2026, next report expected Feb 2027.',
		);
	});

	it.each([
		[
			'a bridge letter that ended before today',
			[soc2025, bridgeQ3],
			'2026-11-23',
			{ start: '2026-10-01', end: '2026-11-23', days: 54 },
		],
		[
			'a report alone, months after its period',
			[soc2025],
			'2026-03-01',
			{ start: '2026-01-01', end: '2026-03-01', days: 60 },
		],
		[
			'a bridge letter that covers today',
			[soc2025, { ...bridgeQ3, period: { start: '2026-01-01', end: '2026-12-31' } }],
			'2026-11-23',
			null,
		],
	] as const)('names the days nothing covers yet: %s', (_name, reports, today, gap) => {
		expect(reportChain([...reports], today).gap).toEqual(gap);
	});

	it('uses the next report date from the content when given', () => {
		const chain = reportChain([{ ...soc2025, nextReportExpected: '2027-03-15' }], '2026-11-23');
		expect(chain.nextReportExpected).toBe('2027-03-15');
		expect(chain.summary).toContain('next report expected Mar 2027');
	});

	it('says why a stale report is stale', () => {
		const chain = reportChain([soc2025], '2027-06-01');
		expect(chain.summary).toMatch(/ended over 12 months ago and no bridge letter covers today/);
		expect(chain.summary).not.toContain('next report expected');
	});

	it('marks the stale date 12 calendar months after the period ends', () => {
		expect(reportChain([soc2025], '2026-03-01').staleFrom).toBe('2026-12-31');
	});
});

describe('orderReports', () => {
	it('puts the newest SOC 2 report and its bridge letter first', () => {
		const iso = report({
			slug: 'iso',
			kind: 'iso27001',
			criteria: [],
			period: { start: '2025-06-16', end: '2028-06-15' },
		});
		const order = orderReports([iso, soc2024, bridgeQ3, soc2025]).map((r) => r.slug);
		expect(order).toEqual(['soc2-2025', 'bridge-2026', 'soc2-2024', 'iso']);
	});
});

describe('dates', () => {
	it.each([
		['2025-01-31', 1, '2025-02-28'],
		['2024-01-31', 1, '2024-02-29'],
		['2025-12-31', 12, '2026-12-31'],
		['2024-02-29', 12, '2025-02-28'],
	])('%s plus %i months is %s', (date, months, expected) => {
		expect(addMonths(date, months)).toBe(expected);
	});

	it.each([
		['2025-01-01', '2025-12-31', '1 Jan–31 Dec 2025'],
		['2024-07-01', '2025-06-30', '1 Jul 2024–30 Jun 2025'],
		['2025-09-30', '2025-09-30', '30 Sep 2025'],
	])('formats %s to %s as %s', (start, end, expected) => {
		expect(formatPeriod(start, end)).toBe(expected);
	});
});
