/** CSV cells for spreadsheets: quoting, and formulas defused (CSV injection). */
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../src/lib/server/audit/csv.ts';

describe('csvCell', () => {
	it.each([
		[
			'=HYPERLINK("http://evil.example","click")',
			`"'=HYPERLINK(""http://evil.example"",""click"")"`,
		],
		['+1-555-0100', "'+1-555-0100"],
		['-2+3', "'-2+3"],
		['@SUM(A1:A9)', "'@SUM(A1:A9)"],
		['\tindent', "'\tindent"],
		['\rcr', `"'\rcr"`],
		['plain text', 'plain text'],
		['a,b', '"a,b"'],
		['say "hi"', '"say ""hi"""'],
		['two\nlines', '"two\nlines"'],
		['Łukasz Żółć', 'Łukasz Żółć'],
	])('writes %j as %j', (value, expected) => {
		expect(csvCell(value)).toBe(expected);
	});

	it('writes empty cells for null and undefined, and numbers as they are', () => {
		expect(csvLine([null, undefined, 42, 'x'])).toBe(',,42,x\r\n');
	});
});
