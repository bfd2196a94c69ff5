/** The demo SOC 2 report, laid out as auditors lay them out (fictional text). */
import { rgb } from 'pdf-lib';
import { formatDate } from '../../../content/dates.ts';
import { reportKindLabel } from '../../../content/report-chain.ts';
import type { Report, TrustContent } from '../../../content/model.ts';
import { LETTER, PdfWriter } from '../writer.ts';
import {
	CRITERIA_POINTS,
	EVIDENCE,
	GENERIC_CONTROLS,
	OWNERS,
	SAMPLES,
	TEST_METHODS,
} from './soc2-text.ts';

const listFormat = new Intl.ListFormat('en', { type: 'conjunction' });

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

export async function soc2Report(report: Report, content: TrustContent): Promise<Uint8Array> {
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
