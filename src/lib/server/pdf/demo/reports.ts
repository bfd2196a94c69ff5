/**
 * Realistic (fictional) PDFs for the demo company: a SOC 2 Type II report laid out as auditors
 * lay them out, a bridge letter, an ISO certificate and a pen-test summary. Text only, made with
 * pdf-lib, so `trustroom seed --demo` needs nothing but the content.
 */
import { rgb } from 'pdf-lib';
import { formatDate } from '../../../content/dates.ts';
import { reportKindLabel } from '../../../content/report-chain.ts';
import type { Report, TrustContent } from '../../../content/model.ts';
import { LETTER, PdfWriter } from '../writer.ts';

const listFormat = new Intl.ListFormat('en', { type: 'conjunction' });

/** The points of focus the report tests, by criteria category (abridged AICPA wording). */
const CRITERIA_POINTS: Record<string, [string, string][]> = {
	CC1: [
		['CC1.1', 'The entity demonstrates a commitment to integrity and ethical values.'],
		[
			'CC1.2',
			'The board of directors demonstrates independence from management and exercises oversight of the development and performance of internal control.',
		],
		[
			'CC1.3',
			'Management establishes, with board oversight, structures, reporting lines, and appropriate authorities and responsibilities in the pursuit of objectives.',
		],
		[
			'CC1.4',
			'The entity demonstrates a commitment to attract, develop, and retain competent individuals in alignment with objectives.',
		],
		[
			'CC1.5',
			'The entity holds individuals accountable for their internal control responsibilities in the pursuit of objectives.',
		],
	],
	CC2: [
		[
			'CC2.1',
			'The entity obtains or generates and uses relevant, quality information to support the functioning of internal control.',
		],
		[
			'CC2.2',
			'The entity internally communicates information, including objectives and responsibilities for internal control.',
		],
		[
			'CC2.3',
			'The entity communicates with external parties regarding matters affecting the functioning of internal control.',
		],
	],
	CC3: [
		[
			'CC3.1',
			'The entity specifies objectives with sufficient clarity to enable the identification and assessment of risks relating to objectives.',
		],
		[
			'CC3.2',
			'The entity identifies risks to the achievement of its objectives across the entity and analyzes risks as a basis for determining how the risks should be managed.',
		],
		[
			'CC3.3',
			'The entity considers the potential for fraud in assessing risks to the achievement of objectives.',
		],
		[
			'CC3.4',
			'The entity identifies and assesses changes that could significantly impact the system of internal control.',
		],
	],
	CC4: [
		[
			'CC4.1',
			'The entity selects, develops, and performs ongoing and/or separate evaluations to ascertain whether the components of internal control are present and functioning.',
		],
		[
			'CC4.2',
			'The entity evaluates and communicates internal control deficiencies in a timely manner to those parties responsible for taking corrective action.',
		],
	],
	CC5: [
		[
			'CC5.1',
			'The entity selects and develops control activities that contribute to the mitigation of risks to the achievement of objectives to acceptable levels.',
		],
		[
			'CC5.2',
			'The entity also selects and develops general control activities over technology to support the achievement of objectives.',
		],
		[
			'CC5.3',
			'The entity deploys control activities through policies that establish what is expected and in procedures that put policies into action.',
		],
	],
	CC6: [
		[
			'CC6.1',
			'The entity implements logical access security software, infrastructure, and architectures over protected information assets.',
		],
		[
			'CC6.2',
			'Prior to issuing system credentials and granting system access, the entity registers and authorizes new internal and external users.',
		],
		[
			'CC6.3',
			'The entity authorizes, modifies, or removes access to data, software, functions, and other protected information assets based on roles and responsibilities.',
		],
		[
			'CC6.4',
			'The entity restricts physical access to facilities and protected information assets to authorized personnel.',
		],
		[
			'CC6.5',
			'The entity discontinues logical and physical protections over physical assets only after the ability to read or recover data has been diminished.',
		],
		[
			'CC6.6',
			'The entity implements logical access security measures to protect against threats from sources outside its system boundaries.',
		],
		[
			'CC6.7',
			'The entity restricts the transmission, movement, and removal of information to authorized internal and external users and processes.',
		],
		[
			'CC6.8',
			'The entity implements controls to prevent or detect and act upon the introduction of unauthorized or malicious software.',
		],
	],
	CC7: [
		[
			'CC7.1',
			'The entity uses detection and monitoring procedures to identify changes to configurations and susceptibilities to newly discovered vulnerabilities.',
		],
		[
			'CC7.2',
			'The entity monitors system components and the operation of those components for anomalies that are indicative of malicious acts, natural disasters, and errors.',
		],
		[
			'CC7.3',
			'The entity evaluates security events to determine whether they could or have resulted in a failure of the entity to meet its objectives.',
		],
		[
			'CC7.4',
			'The entity responds to identified security incidents by executing a defined incident response program.',
		],
		[
			'CC7.5',
			'The entity identifies, develops, and implements activities to recover from identified security incidents.',
		],
	],
	CC8: [
		[
			'CC8.1',
			'The entity authorizes, designs, develops or acquires, configures, documents, tests, approves, and implements changes to infrastructure, data, software, and procedures.',
		],
	],
	CC9: [
		[
			'CC9.1',
			'The entity identifies, selects, and develops risk mitigation activities for risks arising from potential business disruptions.',
		],
		[
			'CC9.2',
			'The entity assesses and manages risks associated with vendors and business partners.',
		],
	],
	A1: [
		[
			'A1.1',
			'The entity maintains, monitors, and evaluates current processing capacity and use of system components to manage capacity demand.',
		],
		[
			'A1.2',
			'The entity authorizes, designs, develops, implements, operates, maintains, and monitors environmental protections, software, data backup processes, and recovery infrastructure.',
		],
		[
			'A1.3',
			'The entity tests recovery plan procedures supporting system recovery to meet its objectives.',
		],
	],
	C1: [
		[
			'C1.1',
			'The entity identifies and maintains confidential information to meet the entity’s objectives related to confidentiality.',
		],
		[
			'C1.2',
			'The entity disposes of confidential information to meet the entity’s objectives related to confidentiality.',
		],
	],
	PI1: [
		[
			'PI1.1',
			'The entity obtains or generates, uses, and communicates relevant, quality information regarding the objectives related to processing.',
		],
	],
};

const TEST_METHODS = [
	'Inquired of the {owner} regarding the control and inspected {evidence} to determine that {outcome}.',
	'Inspected {evidence} for a sample of {sample} to determine that {outcome}.',
	'Observed the {owner} performing the control and inspected {evidence} to determine that {outcome}.',
	'Reperformed the control for a sample of {sample} and compared the results with {evidence} to determine that {outcome}.',
];
const OWNERS = [
	'Head of Security & Compliance',
	'VP Engineering',
	'People Operations lead',
	'Site Reliability lead',
	'Chief Operating Officer',
	'IT administrator',
];
const EVIDENCE = [
	'the policy document and its approval record',
	'system configurations',
	'tickets in the change management system',
	'the access review worksheets',
	'monitoring dashboards and alert rules',
	'training completion records',
	'meeting minutes',
	'vendor assessment files',
	'backup job logs and restore test records',
	'HR system termination reports',
];
const SAMPLES = [
	'25 changes',
	'25 new hires',
	'15 terminations',
	'two quarters',
	'40 alerts',
	'four restore tests',
	'10 vendors',
	'30 production access grants',
];

/** Makes the demo PDF for a report in the content. */
export async function generateDemoReport(
	report: Report,
	content: TrustContent,
): Promise<Uint8Array> {
	switch (report.kind) {
		case 'soc2-type2':
		case 'soc2-type1':
			return soc2Report(report, content);
		case 'bridge-letter':
			return bridgeLetter(report, content);
		case 'iso27001':
			return isoCertificate(report, content);
		case 'pentest':
			return pentestSummary(report, content);
	}
}

function seeded(seed: string) {
	let state = [...seed].reduce(
		(h, c) => Math.imul(h ^ c.charCodeAt(0), 16_777_619) >>> 0,
		2_166_136_261,
	);
	return <T>(items: readonly T[]): T => {
		state = Math.imul(state ^ (state >>> 15), 2_246_822_507) >>> 0;
		state = Math.imul(state ^ (state >>> 13), 3_266_489_909) >>> 0;
		state = (state ^ (state >>> 16)) >>> 0;
		return items[state % items.length] as T;
	};
}

async function soc2Report(report: Report, content: TrustContent): Promise<Uint8Array> {
	const { company, scope, controls, subprocessors, criteria } = content;
	const legal = company.legalName ?? company.name;
	const period = `${formatDate(report.period.start)} to ${formatDate(report.period.end)}`;
	const categories = report.criteria
		.map((id) => criteria.find((c) => c.id === id))
		.filter((c) => c !== undefined);
	const categoryNames = [
		...new Set(categories.map((c) => (c.id.startsWith('CC') ? 'Security' : c.name))),
	];
	const w = await PdfWriter.create({
		title: `${report.title} – ${legal}`,
		author: report.auditor,
		subject: `${reportKindLabel(report.kind)} report, ${period}`,
		footer: `${legal} · ${reportKindLabel(report.kind)} · Confidential`,
		pageSize: LETTER,
	});

	// Cover
	w.space(120);
	w.text(reportKindLabel(report.kind).toUpperCase() + ' REPORT', {
		font: w.bold,
		size: 12,
		color: rgb(0.12, 0.31, 0.55),
	});
	w.text(
		`Report on ${legal}'s Description of Its ${scope.systemName} and on the Suitability of the Design and Operating Effectiveness of Its Controls Relevant to ${listFormat.format(categoryNames)}`,
		{ font: w.bold, size: 20, gap: 18 },
	);
	w.text(`Throughout the period ${period}`, { size: 13, gap: 40 });
	w.text(`Prepared by ${report.auditor}`, { size: 11 });
	w.text(`Report date: ${formatDate(report.issued)}`, { size: 11, gap: 60 });
	w.text(
		'CONFIDENTIAL. This report is intended solely for the information and use of the management of the service organization, user entities of the system during some or all of the period, and prospective user entities and their auditors who have sufficient knowledge and understanding to evaluate it. It is not intended to be, and should not be, used by anyone other than these specified parties.',
		{ size: 9, color: rgb(0.38, 0.42, 0.48) },
	);

	// Contents
	w.newPage();
	w.heading('Table of contents');
	w.table(
		[
			{ header: 'Section', width: 1 },
			{ header: 'Title', width: 5 },
		],
		[
			['I', 'Independent Service Auditor’s Report'],
			['II', `Assertion of ${legal} Management`],
			['III', `${legal}’s Description of Its ${scope.systemName}`],
			['IV', 'Trust Services Criteria, Related Controls, Tests of Controls and Results of Tests'],
			['V', 'Other Information Provided by Management (not covered by the opinion)'],
		],
		10,
	);

	// Section I
	w.newPage();
	w.heading('Section I: Independent Service Auditor’s Report');
	w.text(`To the Board of Directors of ${legal}:`, { gap: 10 });
	w.heading('Scope', 3);
	w.text(
		`We have examined ${legal}’s accompanying description of its ${scope.systemName} (the “system”) throughout the period ${period} (the “description”), based on the criteria for a description of a service organization’s system set forth in DC Section 200, 2018 Description Criteria for a Description of a Service Organization’s System in a SOC 2® Report (with revised implementation guidance), and the suitability of the design and operating effectiveness of controls stated in the description throughout the period to provide reasonable assurance that ${company.name}’s service commitments and system requirements were achieved based on the trust services criteria relevant to ${listFormat.format(categoryNames)} set forth in TSP Section 100, 2017 Trust Services Criteria (with revised points of focus, 2022).`,
	);
	w.text(
		`${company.name} uses subservice organizations (${scope.carvedOut.map((id) => subprocessors.find((s) => s.id === id)?.name ?? id).join(' and ')}) to provide cloud hosting and edge network services. The description includes only the controls of ${company.name} and excludes controls of the subservice organizations. The description also indicates that certain trust services criteria can be met only if complementary subservice organization controls assumed in the design of ${company.name}’s controls are suitably designed and operating effectively. Our examination did not extend to controls of the subservice organizations.`,
	);
	w.text(
		`The description also indicates that certain trust services criteria can be met only if complementary user entity controls assumed in the design of ${company.name}’s controls are suitably designed and operating effectively. Our examination did not extend to such complementary user entity controls.`,
	);
	w.heading('Service organization’s responsibilities', 3);
	w.text(
		`${company.name} is responsible for its service commitments and system requirements and for designing, implementing, and operating effective controls within the system to provide reasonable assurance that its service commitments and system requirements were achieved. ${company.name} has provided the accompanying assertion titled “Assertion of ${legal} Management” about the description and the suitability of design and operating effectiveness of controls stated therein.`,
	);
	w.heading('Service auditor’s responsibilities', 3);
	w.text(
		'Our responsibility is to express an opinion on the description and on the suitability of design and operating effectiveness of controls stated in the description based on our examination. Our examination was conducted in accordance with attestation standards established by the American Institute of Certified Public Accountants. Those standards require that we plan and perform the examination to obtain reasonable assurance about whether, in all material respects, the description is presented in accordance with the description criteria and the controls stated therein were suitably designed and operated effectively to provide reasonable assurance that the service organization’s service commitments and system requirements were achieved based on the applicable trust services criteria.',
	);
	w.text(
		'An examination of the description of a service organization’s system and the suitability of the design and operating effectiveness of controls involves performing procedures to obtain evidence about the presentation of the description and the suitability of the design and operating effectiveness of those controls. Our procedures included assessing the risks that the description is not presented in accordance with the description criteria and that controls were not suitably designed or operating effectively, testing the operating effectiveness of those controls, and evaluating the overall presentation of the description.',
	);
	w.heading('Inherent limitations', 3);
	w.text(
		'The description is prepared to meet the common needs of a broad range of report users and may not, therefore, include every aspect of the system that individual users may consider important to meet their informational needs. There are inherent limitations in any system of internal control, including the possibility of human error and the circumvention of controls. Projections of any evaluation of effectiveness to future periods are subject to the risk that controls may become inadequate because of changes in conditions.',
	);
	w.heading('Opinion', 3);
	w.text(
		`In our opinion, in all material respects, (a) the description presents the ${scope.systemName} that was designed and implemented throughout the period ${period} in accordance with the description criteria; (b) the controls stated in the description were suitably designed throughout the period to provide reasonable assurance that ${company.name}’s service commitments and system requirements would be achieved based on the applicable trust services criteria; and (c) the controls stated in the description operated effectively throughout the period to provide reasonable assurance that ${company.name}’s service commitments and system requirements were achieved based on the applicable trust services criteria.`,
	);
	w.heading('Restricted use', 3);
	w.text(
		'This report is intended solely for the information and use of the service organization, user entities of the system during some or all of the period, business partners subject to risks arising from interactions with the system, practitioners providing services to such user entities and business partners, prospective user entities and business partners, and regulators who have sufficient knowledge and understanding of the matters described herein.',
		{ gap: 20 },
	);
	w.text(report.auditor, { font: w.bold });
	w.text(`${formatDate(report.issued)}`);

	// Section II
	w.newPage();
	w.heading(`Section II: Assertion of ${legal} Management`);
	w.text(
		`We have prepared the accompanying description of ${legal}’s ${scope.systemName} throughout the period ${period} based on the description criteria. The description is intended to provide report users with information about the system that may be useful when assessing the risks arising from interactions with the system, particularly information about system controls that ${company.name} has designed, implemented, and operated to provide reasonable assurance that its service commitments and system requirements were achieved based on the applicable trust services criteria.`,
	);
	w.text('We confirm, to the best of our knowledge and belief, that:');
	w.bullets([
		`the description presents the ${scope.systemName} that was designed and implemented throughout the period ${period} in accordance with the description criteria;`,
		'the controls stated in the description were suitably designed throughout the period to provide reasonable assurance that our service commitments and system requirements would be achieved based on the applicable trust services criteria, if the subservice organizations and user entities applied the complementary controls assumed in the design of our controls; and',
		'the controls stated in the description operated effectively throughout the period to provide reasonable assurance that our service commitments and system requirements were achieved based on the applicable trust services criteria.',
	]);
	w.space(20);
	w.text(
		company.securityLead
			? `${company.securityLead.name}, ${company.securityLead.title}`
			: `Management of ${legal}`,
		{ font: w.bold },
	);
	w.text(`On behalf of ${legal}`);

	// Section III
	w.newPage();
	w.heading(`Section III: ${legal}’s Description of Its ${scope.systemName}`);
	w.heading('Company overview and services provided', 2);
	w.text(company.description);
	w.text(scope.description);
	w.heading('Principal service commitments and system requirements', 2);
	w.text(
		`${company.name} designs its processes and procedures to meet its objectives for the ${scope.systemName}. Those objectives are based on the service commitments that ${company.name} makes to user entities, the laws and regulations that govern the provision of the services, and the financial, operational and compliance requirements that ${company.name} has established. Security commitments to user entities are documented and communicated in customer agreements and in the description of the service offering provided online.`,
	);
	w.bullets([
		'Use of encryption technologies to protect customer data both at rest and in transit.',
		'Tenant isolation: each customer’s data is stored and processed separately, under its own encryption keys.',
		'Availability of the service of 99.9% per calendar month, excluding announced maintenance.',
		'Notification of security incidents affecting customer data within 72 hours of confirmation.',
		'Deletion of customer data within 30 days of the end of the agreement.',
	]);
	w.heading('Components of the system', 2);
	w.heading('Infrastructure and software', 3);
	w.table(
		[
			{ header: 'Component', width: 2 },
			{ header: 'Description', width: 5 },
		],
		scope.systems.map((s) => [s.name, s.description]),
		9.5,
	);
	w.heading('People', 3);
	w.text(
		`${company.name} is organised in the following functional areas: Executive management, responsible for oversight and strategy; Engineering, responsible for building and operating the platform; Security & Compliance, responsible for the information security program, risk management and audits; People Operations, responsible for hiring, onboarding, training and offboarding; and Customer Success, responsible for onboarding customers and supporting them.`,
	);
	w.heading('Data', 3);
	w.text(
		'Customer data consists of product usage events and their properties, dashboards and reports configured by customer users, and account information of customer users. Event data is pseudonymised at ingestion: direct identifiers are replaced by keyed hashes before storage. Data is classified as Confidential by default and handled according to the Data Classification Policy.',
	);
	w.heading('Processes and procedures', 3);
	w.text(
		'Management has developed and communicated policies and procedures covering information security, access control, change management, incident response, business continuity, vendor management, data classification and retention, acceptable use and human resources security. Policies are reviewed and approved at least annually by the Head of Security & Compliance and the executive team.',
	);
	w.heading('System boundary', 2);
	w.text(scope.boundary);
	w.heading('Subservice organizations', 2);
	w.text(
		`${company.name} uses the following subservice organizations. Their controls are excluded from the scope of this report (carve-out method). ${company.name} monitors them by reviewing their SOC 2 reports annually and assessing any exceptions.`,
	);
	w.table(
		[
			{ header: 'Subservice organization', width: 2 },
			{ header: 'Services provided', width: 3 },
			{ header: 'Complementary subservice organization controls', width: 4 },
		],
		scope.carvedOut.map((id) => {
			const s = subprocessors.find((x) => x.id === id);
			return [
				s?.name ?? id,
				s?.purpose ?? '',
				'Physical access to data centers is restricted to authorized personnel; environmental protections are maintained; infrastructure is monitored and changes are authorized; data at rest is stored on encrypted volumes.',
			];
		}),
	);
	w.heading('Complementary user entity controls', 2);
	w.text(
		`${company.name}’s controls were designed with the assumption that certain controls would be implemented by user entities. User entities should determine whether they have the following controls in place:`,
	);
	w.bullets(scope.userResponsibilities);
	w.heading('Control environment', 2);
	w.text(
		'The control environment reflects the overall attitude, awareness, and actions of management and the board concerning the importance of controls. Integrity and ethical values are communicated through a Code of Conduct that each employee acknowledges at hire and annually. The board of directors meets quarterly and receives a security and risk update at each meeting, including the status of the risk register and any significant incidents.',
	);
	w.heading('Risk assessment', 2);
	w.text(
		'Management performs a formal risk assessment at least annually and when significant changes occur. Risks are identified across strategic, operational, compliance, fraud and technology categories, scored for likelihood and impact, and assigned owners and treatment plans. The risk register is reviewed by the executive team.',
	);
	w.heading('Monitoring', 2);
	w.text(
		'Controls are monitored through a compliance automation platform that tests configurations continuously, internal audits performed by the Security & Compliance team, and the annual independent examination. Deficiencies are tracked to remediation in the ticketing system and reported to management.',
	);
	w.heading('Information and communication', 2);
	w.text(
		'Policies are published in the company handbook. Security commitments and changes that affect customers are communicated through the trust center, release notes and customer notifications. Employees report suspected incidents through a dedicated channel monitored around the clock.',
	);

	// Section IV
	w.newPage();
	w.heading(
		'Section IV: Trust Services Criteria, Related Controls, Tests of Controls and Results of Tests',
	);
	w.text(
		`${report.auditor} performed the tests described below to obtain evidence about the operating effectiveness of the controls throughout the period ${period}. Tests included inquiry of appropriate personnel, inspection of documents and records, observation of the application of controls, and reperformance. Sample sizes were determined according to the frequency of each control.`,
	);
	const pick = seeded(report.slug);
	let controlNumber = 0;
	for (const category of categories) {
		const points = CRITERIA_POINTS[category.id] ?? [];
		w.heading(`${category.id}: ${category.name}`, 2);
		const related = controls
			.flatMap((group) => group.controls)
			.filter((c) => c.criteria.includes(category.id));
		for (const [pointId, pointText] of points) {
			w.heading(`${pointId}`, 3);
			w.text(pointText, { size: 9.5, gap: 6 });
			const rows: string[][] = [];
			const count = 5 + (pointId.charCodeAt(pointId.length - 1) % 3);
			for (let i = 0; i < count; i++) {
				controlNumber++;
				const base = related[i % Math.max(related.length, 1)];
				const controlText =
					base && i < related.length
						? `${base.title}. ${base.description}`
						: `${pick(GENERIC_CONTROLS)}`;
				const test = [pick(TEST_METHODS), pick(TEST_METHODS)]
					.map((method) =>
						method
							.replace('{owner}', pick(OWNERS))
							.replace('{evidence}', pick(EVIDENCE))
							.replace('{sample}', pick(SAMPLES))
							.replace('{outcome}', 'the control was designed and operated as described'),
					)
					.join(' ');
				rows.push([
					`${pointId}.${String(i + 1).padStart(2, '0')}`,
					controlText,
					test,
					'No exceptions noted.',
				]);
			}
			w.table(
				[
					{ header: 'Ref', width: 1.1 },
					{ header: 'Control activity', width: 4 },
					{ header: 'Test performed', width: 4 },
					{ header: 'Result', width: 1.6 },
				],
				rows,
			);
		}
	}

	// Section V
	w.newPage();
	w.heading('Section V: Other Information Provided by Management');
	w.text(
		'The information in this section is presented by management to provide additional information and is not part of the description. It has not been subjected to the procedures applied in the examination, and accordingly the service auditor expresses no opinion on it.',
		{ font: w.italic },
	);
	w.heading('Management’s plans for the next period', 2);
	w.text(
		`${company.name} plans to extend the examination to the Processing Integrity criteria, to complete the migration of remaining workloads to infrastructure-as-code, and to introduce hardware-backed signing of production releases.`,
	);
	w.text(`Controls tested in this report: ${controlNumber}.`, { size: 9 });
	return w.save();
}

const GENERIC_CONTROLS = [
	'Management reviews the results of the control self-assessment quarterly and tracks open items to closure.',
	'Policies relevant to this criterion are reviewed and approved annually by management and published to all personnel.',
	'Roles and responsibilities for this area are documented in job descriptions and the RACI matrix maintained by Security & Compliance.',
	'Exceptions identified during monitoring are logged as tickets, assigned an owner and remediated within the defined timeframe.',
	'Automated configuration checks alert the Security team when a system deviates from the approved baseline.',
];

async function bridgeLetter(report: Report, content: TrustContent): Promise<Uint8Array> {
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

async function isoCertificate(report: Report, content: TrustContent): Promise<Uint8Array> {
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

async function pentestSummary(report: Report, content: TrustContent): Promise<Uint8Array> {
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
