/** Wording of the demo SOC 2 report: criteria points of focus and test descriptions (fictional). */

/** The points of focus the report tests, by criteria category (abridged AICPA wording). */
export const CRITERIA_POINTS: Record<string, [string, string][]> = {
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

export const TEST_METHODS = [
	'Inquired of the {owner} regarding the control and inspected {evidence} to determine that {outcome}.',
	'Inspected {evidence} for a sample of {sample} to determine that {outcome}.',
	'Observed the {owner} performing the control and inspected {evidence} to determine that {outcome}.',
	'Reperformed the control for a sample of {sample} and compared the results with {evidence} to determine that {outcome}.',
];
export const OWNERS = [
	'Head of Security & Compliance',
	'VP Engineering',
	'People Operations lead',
	'Site Reliability lead',
	'Chief Operating Officer',
	'IT administrator',
];
export const EVIDENCE = [
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
export const SAMPLES = [
	'25 changes',
	'25 new hires',
	'15 terminations',
	'two quarters',
	'40 alerts',
	'four restore tests',
	'10 vendors',
	'30 production access grants',
];

export const GENERIC_CONTROLS = [
	'Management reviews the results of the control self-assessment quarterly and tracks open items to closure.',
	'Policies relevant to this criterion are reviewed and approved annually by management and published to all personnel.',
	'Roles and responsibilities for this area are documented in job descriptions and the RACI matrix maintained by Security & Compliance.',
	'Exceptions identified during monitoring are logged as tickets, assigned an owner and remediated within the defined timeframe.',
	'Automated configuration checks alert the Security team when a system deviates from the approved baseline.',
];
