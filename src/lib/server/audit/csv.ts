/** CSV for spreadsheets: RFC 4180 quoting, and cells that a spreadsheet would run as a formula defused. */

// A cell starting with one of these is a formula to Excel, Sheets and LibreOffice (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
	let text = value === null || value === undefined ? '' : String(value);
	// The leading apostrophe makes spreadsheets show the text instead of evaluating it.
	if (FORMULA_START.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
	return `${values.map(csvCell).join(',')}\r\n`;
}
