/** The demo bridge letter, ISO certificate and pen-test summary (fictional text). */
import { rgb } from 'pdf-lib';
import { formatDate } from '../../../content/dates.ts';
import { reportKindLabel } from '../../../content/report-chain.ts';
import type { Report, TrustContent } from '../../../content/model.ts';
import { LETTER, PdfWriter } from '../writer.ts';

export async function bridgeLetter(report: Report, content: TrustContent): Promise<Uint8Array> {
	const { company } = content;
	const legal = company.legalName ?? company.name;
	const base = content.reports.find((r) => r.slug === report.extends);
	const w = await PdfWriter.create({
		title: `${report.title} – ${legal}`,
		author: legal,
		subject: 'Bridge letter',
		footer: `${legal} · Bridge letter · Confidential`,
		pageSize: LETTER,
	});
	w.text(legal, { font: w.bold, size: 16, gap: 2 });
	w.text(company.website, { size: 9, color: rgb(0.38, 0.42, 0.48), gap: 30 });
	w.text(formatDate(report.issued), { gap: 20 });
	w.text('To our customers and prospective customers:', { gap: 12 });
	w.text(
		`Re: Bridge letter for the period ${formatDate(report.period.start)} through ${formatDate(report.period.end)}`,
		{ font: w.bold, gap: 12 },
	);
	w.text(
		`${legal} engaged ${base?.auditor ?? 'an independent service auditor'} to examine the description of its ${content.scope.systemName} and the suitability of the design and operating effectiveness of its controls throughout the period ${base ? `${formatDate(base.period.start)} to ${formatDate(base.period.end)}` : ''}. The resulting ${base ? reportKindLabel(base.kind) : 'SOC 2'} report was issued on ${base ? formatDate(base.issued) : 'the date stated in it'}.`,
	);
	w.text(
		`This letter covers the period from the end of that examination through ${formatDate(report.period.end)} (the “bridge period”). Management confirms, to the best of its knowledge and belief, that:`,
	);
	w.bullets([
		'there have been no material changes to the system, its boundaries, or the controls described in the report during the bridge period;',
		'management is not aware of any material deficiencies in the design or operating effectiveness of those controls during the bridge period;',
		'there have been no security incidents that resulted in unauthorized access to customer data during the bridge period; and',
		`the next examination is under way and its report is expected to be issued by ${base?.nextReportExpected ? formatDate(base.nextReportExpected) : 'the first quarter of next year'}.`,
	]);
	w.text(
		'This letter is not a report of an independent auditor and does not extend the auditor’s opinion. It is provided for the information of customers and prospective customers under the terms of the non-disclosure agreement under which it was received.',
		{ size: 9.5 },
	);
	w.space(24);
	w.text('Sincerely,', { gap: 30 });
	w.text(company.securityLead?.name ?? 'Management', { font: w.bold, gap: 2 });
	w.text(company.securityLead?.title ?? legal);
	w.newPage();
	w.heading('Attachment: controls in scope', 2);
	w.table(
		[
			{ header: 'Control', width: 1 },
			{ header: 'Title', width: 3 },
			{ header: 'Status during bridge period', width: 3 },
		],
		content.controls
			.flatMap((g) => g.controls)
			.map((c) => [c.id, c.title, 'Operating as described; no changes']),
		9,
	);
	return w.save();
}

export async function isoCertificate(report: Report, content: TrustContent): Promise<Uint8Array> {
	const legal = content.company.legalName ?? content.company.name;
	const w = await PdfWriter.create({
		title: `${report.title} – ${legal}`,
		author: report.auditor,
		subject: 'ISO/IEC 27001 certificate',
		pageSize: { width: 841.89, height: 595.28 },
		margin: 70,
	});
	w.text(report.auditor, { font: w.bold, size: 13, color: rgb(0.12, 0.31, 0.55), gap: 24 });
	w.text('CERTIFICATE', { font: w.bold, size: 30, gap: 16 });
	w.text('This is to certify that the information security management system of', {
		size: 12,
		gap: 10,
	});
	w.text(legal, { font: w.bold, size: 22, gap: 10 });
	w.text(
		'has been assessed and found to conform to the requirements of ISO/IEC 27001:2022 for the following scope:',
		{ size: 12, gap: 8 },
	);
	w.text(
		`The design, development, operation and support of the ${content.scope.systemName}, in accordance with the Statement of Applicability version 4.2.`,
		{ font: w.italic, size: 12, gap: 18 },
	);
	w.text(`Certificate number: ${report.certificateNumber ?? 'n/a'}`, { size: 11 });
	w.text(
		`Valid from ${formatDate(report.period.start)} until ${formatDate(report.period.end)}, subject to annual surveillance audits.`,
		{ size: 11 },
	);
	return w.save();
}

export async function pentestSummary(report: Report, content: TrustContent): Promise<Uint8Array> {
	const legal = content.company.legalName ?? content.company.name;
	const w = await PdfWriter.create({
		title: `${report.title} – ${legal}`,
		author: report.auditor,
		subject: 'Penetration test executive summary',
		footer: `${report.auditor} for ${legal} · Confidential`,
	});
	w.heading(`Penetration test executive summary: ${legal}`);
	w.text(
		`Testing window: ${formatDate(report.period.start)} to ${formatDate(report.period.end)}. Report issued ${formatDate(report.issued)} by ${report.auditor}.`,
	);
	w.heading('Scope and approach', 2);
	w.bullets([
		'External network perimeter of production (eu-central-1, us-east-1)',
		'Web application, administration console and REST API, authenticated as three roles',
		'Tenant isolation between two test tenants',
		'Event ingestion endpoints and SDK configuration',
	]);
	w.text(
		'Testing followed the OWASP Web Security Testing Guide and the PTES methodology, combining automated scanning with manual testing.',
	);
	w.heading('Findings by severity', 2);
	w.table(
		[
			{ header: 'Severity', width: 1 },
			{ header: 'Found', width: 1 },
			{ header: 'Remediated and retested', width: 2 },
		],
		[
			['Critical', '0', '–'],
			['High', '1', '1 of 1'],
			['Medium', '3', '3 of 3'],
			['Low', '5', '4 of 5 (1 accepted risk)'],
			['Informational', '7', 'n/a'],
		],
		10,
	);
	w.heading('Summary of notable findings', 2);
	w.table(
		[
			{ header: 'ID', width: 1 },
			{ header: 'Finding', width: 4 },
			{ header: 'Severity', width: 1.3 },
			{ header: 'Status', width: 1.6 },
		],
		[
			[
				'KA-01',
				'Report export endpoint allowed enumeration of report identifiers across tenants (no data disclosed).',
				'High',
				'Fixed, retested',
			],
			[
				'KA-02',
				'Session cookies on the legacy dashboard host lacked the SameSite attribute.',
				'Medium',
				'Fixed, retested',
			],
			[
				'KA-03',
				'Verbose error messages revealed framework versions on the ingestion endpoint.',
				'Medium',
				'Fixed, retested',
			],
			[
				'KA-04',
				'Password reset tokens remained valid for 24 hours.',
				'Medium',
				'Fixed: 30 minutes',
			],
			[
				'KA-05',
				'Missing rate limit on the login form of the administration console.',
				'Low',
				'Fixed, retested',
			],
		],
	);
	w.heading('Conclusion', 2);
	w.text(
		`The overall security posture of the ${content.scope.systemName} is strong. Tenant isolation held under all tested scenarios. All high and medium findings were remediated within the agreed timeframes and verified by retesting.`,
	);
	return w.save();
}
