/**
 * The trust page's content model: zod schemas shared by the Astro build (src/content.config.ts),
 * the CLI and the tests, so every reader validates the same way.
 */
import { z } from 'astro/zod';
import { isRealDate } from './dates.ts';

/** Every Trust Services Criteria category, in the AICPA's order. */
export const CRITERIA_IDS = [
	'CC1', 'CC2', 'CC3', 'CC4', 'CC5', 'CC6', 'CC7', 'CC8', 'CC9',
	'A1', 'C1', 'PI1',
	'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8',
] as const; // prettier-ignore
export type CriterionId = (typeof CRITERIA_IDS)[number];

export const REPORT_KINDS = [
	'soc2-type1',
	'soc2-type2',
	'iso27001',
	'pentest',
	'bridge-letter',
] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const ACCESS_LEVELS = ['public', 'nda', 'approval'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** Calendar date as YYYY-MM-DD (YAML may hand us a Date; it is normalised to the same string). */
export const isoDate = z.preprocess(
	(value) =>
		value instanceof Date && !Number.isNaN(value.getTime())
			? value.toISOString().slice(0, 10)
			: value,
	z
		.string({ error: 'must be a date written as YYYY-MM-DD' })
		.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written as YYYY-MM-DD' })
		.refine((value) => isRealDate(value), { error: 'is not a real calendar date' }),
);

const text = (max = 500) =>
	z.string({ error: 'is required text' }).trim().min(1, { error: 'must not be empty' }).max(max);
const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
	error: 'must be lower-case letters, digits and dashes, such as soc2-type2-2025',
});
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const email = z.email({ error: 'must be an email address' });

export const companySchema = z.strictObject({
	name: text(120),
	legalName: text(200).optional(),
	tagline: text(200),
	description: text(2000),
	/** Path under public/, such as /logo.svg. */
	logo: z.string().regex(/^\/[\w./-]+\.(svg|png|webp)$/, {
		error: 'must be a path under public/, such as /logo.svg',
	}),
	/** The logo in mail: a PNG or JPEG under public/ (mail clients such as Gmail do not show SVG). */
	emailLogo: z
		.string()
		.regex(/^\/[\w./-]+\.(png|jpe?g)$/, {
			error: 'must be a PNG or JPEG under public/, such as /logo.png',
		})
		.optional(),
	website: httpUrl,
	securityContact: z.strictObject({
		email,
		pgpKeyUrl: httpUrl.optional(),
		policyUrl: httpUrl.optional(),
		acknowledgmentsUrl: httpUrl.optional(),
	}),
	/** Where this trust center is published (used in security.txt's Canonical). */
	trustCenterUrl: httpUrl.optional(),
	preferredLanguages: z
		.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/))
		.min(1)
		.default(['en']),
	/** Marks the shipped example content: the page says so, and `npm start` seeds demo PDFs for it. */
	demo: z.boolean().default(false),
	/** The security lead a reviewer can name, if the company wants to. */
	securityLead: z.strictObject({ name: text(120), title: text(120) }).optional(),
});
export type Company = z.output<typeof companySchema>;

/** The logo emails show: `emailLogo`, else `logo` when mail clients can show it, else none. */
export function companyEmailLogo(company: Pick<Company, 'logo' | 'emailLogo'>): string | null {
	return company.emailLogo ?? (/\.(png|jpe?g)$/.test(company.logo) ? company.logo : null);
}

const period = z
	.strictObject({ start: isoDate, end: isoDate })
	.refine((p) => p.end >= p.start, { error: 'end must be on or after start', path: ['end'] });

export const reportSchema = z
	.strictObject({
		title: text(200),
		kind: z.enum(REPORT_KINDS, { error: `must be one of ${REPORT_KINDS.join(', ')}` }),
		/** Audit period (SOC 2, bridge letter), validity (ISO certificate) or test window (pen test). */
		period,
		issued: isoDate,
		/** Audit firm, certification body or testing firm. */
		auditor: text(200),
		criteria: z
			.array(z.enum(CRITERIA_IDS, { error: `must be one of ${CRITERIA_IDS.join(', ')}` }))
			.default([]),
		/** For a bridge letter: the slug of the report it extends. */
		extends: slug.optional(),
		access: z.enum(ACCESS_LEVELS, { error: 'must be public, nda or approval' }),
		summary: text(600),
		/** When the next report is expected to be issued. */
		nextReportExpected: isoDate.optional(),
		certificateNumber: text(100).optional(),
		pages: z.number().int().positive().optional(),
	})
	.superRefine((report, ctx) => {
		const isSoc2 = report.kind === 'soc2-type1' || report.kind === 'soc2-type2';
		if (report.kind === 'bridge-letter' && !report.extends) {
			ctx.addIssue({
				code: 'custom',
				path: ['extends'],
				message: 'a bridge letter must name the report it extends',
			});
		}
		if (report.kind !== 'bridge-letter' && report.extends) {
			ctx.addIssue({
				code: 'custom',
				path: ['extends'],
				message: 'only a bridge letter extends another report',
			});
		}
		if (isSoc2 && report.criteria.length === 0) {
			ctx.addIssue({
				code: 'custom',
				path: ['criteria'],
				message: 'a SOC 2 report must list the criteria it covers',
			});
		}
		if (isSoc2 && !report.criteria.includes('CC1')) {
			ctx.addIssue({
				code: 'custom',
				path: ['criteria'],
				message: 'every SOC 2 report covers the common criteria (CC1–CC9)',
			});
		}
		if (report.kind === 'soc2-type1' && report.period.start !== report.period.end) {
			ctx.addIssue({
				code: 'custom',
				path: ['period', 'end'],
				message: 'a SOC 2 Type I report is as of one date: make start and end the same',
			});
		}
		if (report.kind === 'soc2-type2' && report.issued < report.period.end) {
			ctx.addIssue({
				code: 'custom',
				path: ['issued'],
				message: 'a Type II report is issued after its period ends',
			});
		}
	});
export type ReportData = z.output<typeof reportSchema>;
export interface Report extends ReportData {
	/** File name without extension; also the document's slug in the database. */
	slug: string;
	/** Markdown description (the file's body). */
	body: string;
}

export const criteriaSchema = z
	.array(
		z.strictObject({
			id: z.enum(CRITERIA_IDS, { error: `must be one of ${CRITERIA_IDS.join(', ')}` }),
			name: text(120),
			summary: text(600),
			inScope: z.boolean({ error: 'must be true or false' }),
		}),
	)
	.superRefine((list, ctx) => {
		const seen = new Set(list.map((c) => c.id));
		for (const id of CRITERIA_IDS) {
			if (!seen.has(id))
				ctx.addIssue({ code: 'custom', path: [], message: `criterion ${id} is missing` });
		}
		if (seen.size !== list.length)
			ctx.addIssue({ code: 'custom', path: [], message: 'a criterion is listed twice' });
	});
export type Criterion = z.output<typeof criteriaSchema>[number];

export const subprocessorSchema = z.strictObject({
	id: slug,
	name: text(120),
	purpose: text(300),
	data: z.array(text(120)).min(1, { error: 'must list at least one kind of data' }),
	location: text(200),
	url: httpUrl,
});
export const subprocessorsSchema = z.array(subprocessorSchema);
export type Subprocessor = z.output<typeof subprocessorSchema>;

export const scopeSchema = z.strictObject({
	systemName: text(200),
	description: text(3000),
	systems: z.array(z.strictObject({ name: text(120), description: text(600) })).min(1),
	boundary: text(3000),
	/** Subprocessor ids whose controls the audit carves out. */
	carvedOut: z.array(slug).default([]),
	userResponsibilities: z.array(text(600)).default([]),
});
export type Scope = z.output<typeof scopeSchema>;

export const controlCategoriesSchema = z.array(
	z.strictObject({
		id: slug,
		name: text(120),
		controls: z
			.array(
				z.strictObject({
					id: z.string().regex(/^[A-Z]{2,5}-\d{1,3}$/, { error: 'must look like AC-1' }),
					title: text(160),
					description: text(1000),
					criteria: z.array(z.enum(CRITERIA_IDS)).default([]),
				}),
			)
			.min(1),
	}),
);
export type ControlCategory = z.output<typeof controlCategoriesSchema>[number];

export const faqsSchema = z.array(z.strictObject({ question: text(300), answer: text(3000) }));
export type Faq = z.output<typeof faqsSchema>[number];

export const ndaSchema = z.strictObject({
	version: z.string().regex(/^\d+(\.\d+){0,2}$/, { error: 'must be a version label such as 2.1' }),
	effectiveDate: isoDate,
	title: text(200),
});
export interface NdaVersion extends z.output<typeof ndaSchema> {
	/** The Markdown text exactly as a signer sees it. */
	body: string;
}

export interface TrustContent {
	company: Company;
	reports: Report[];
	criteria: Criterion[];
	scope: Scope;
	controls: ControlCategory[];
	subprocessors: Subprocessor[];
	faqs: Faq[];
	ndas: NdaVersion[];
}
