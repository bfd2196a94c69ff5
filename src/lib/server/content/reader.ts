/**
 * Reads and validates src/content from disk. The Astro build (through src/content.config.ts),
 * the CLI and the tests all go through here, so a bad file fails the same way everywhere:
 * with the file and the field named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'astro/zod';
import { orderReports } from '../../content/report-chain.ts';
import {
	companySchema,
	controlCategoriesSchema,
	criteriaSchema,
	faqsSchema,
	ndaSchema,
	reportSchema,
	scopeSchema,
	subprocessorsSchema,
	type NdaVersion,
	type Report,
	type TrustContent,
} from '../../content/model.ts';

export interface ContentProblem {
	file: string;
	field: string;
	message: string;
}

export class ContentError extends Error {
	override name = 'ContentError';
	readonly problems: ContentProblem[];
	constructor(problems: ContentProblem[]) {
		super(
			`The trust content has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}; fix ${problems.length === 1 ? 'it' : 'them'} and build again:\n` +
				problems.map((p) => `  ${p.file}: ${p.field ? `${p.field}: ` : ''}${p.message}`).join('\n'),
		);
		this.problems = problems;
	}
}

/** Reads every content file under `contentDir`; throws ContentError listing every problem found. */
export function readTrustContent(contentDir: string, rootDir = process.cwd()): TrustContent {
	const problems: ContentProblem[] = [];
	const show = (path: string) => relative(rootDir, path) || path;

	const parseFile = <S extends z.ZodType>(
		path: string,
		schema: S,
		data: unknown,
	): z.output<S> | undefined => {
		const result = schema.safeParse(data);
		if (result.success) return result.data;
		for (const issue of result.error.issues) {
			problems.push({ file: show(path), field: formatPath(issue.path), message: issue.message });
		}
		return undefined;
	};
	const readYaml = (path: string): unknown => {
		const raw = readText(path);
		if (raw === undefined) return undefined;
		try {
			return parseYaml(raw);
		} catch (error) {
			problems.push({ file: show(path), field: '', message: yamlMessage(error) });
			return undefined;
		}
	};
	const readText = (path: string): string | undefined => {
		try {
			return readFileSync(path, 'utf8');
		} catch {
			problems.push({ file: show(path), field: '', message: 'file is missing' });
			return undefined;
		}
	};
	const readMarkdown = (path: string): { data: unknown; body: string } | undefined => {
		const raw = readText(path);
		if (raw === undefined) return undefined;
		const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(raw);
		if (!match) {
			problems.push({
				file: show(path),
				field: '',
				message: 'must start with a --- frontmatter block ---',
			});
			return undefined;
		}
		try {
			return { data: parseYaml(match[1] ?? ''), body: (match[2] ?? '').trim() };
		} catch (error) {
			problems.push({ file: show(path), field: 'frontmatter', message: yamlMessage(error) });
			return undefined;
		}
	};
	const yamlFile = <S extends z.ZodType>(name: string, schema: S) => {
		const path = join(contentDir, name);
		const data = readYaml(path);
		return data === undefined ? undefined : parseFile(path, schema, data);
	};
	const markdownFiles = (folder: string) => {
		const dir = join(contentDir, folder);
		let names: string[] = [];
		try {
			names = readdirSync(dir)
				.filter((name) => name.endsWith('.md'))
				.sort();
		} catch {
			problems.push({ file: show(dir), field: '', message: 'folder is missing' });
		}
		return names.map((name) => ({ path: join(dir, name), slug: name.slice(0, -3) }));
	};

	const company = yamlFile('company.yaml', companySchema);
	const criteria = yamlFile('criteria.yaml', criteriaSchema);
	const scope = yamlFile('scope.yaml', scopeSchema);
	const controls = yamlFile('controls.yaml', controlCategoriesSchema);
	const subprocessors = yamlFile('subprocessors.yaml', subprocessorsSchema);
	const faqs = yamlFile('faqs.yaml', faqsSchema);

	const reports: Report[] = [];
	const reportFiles = new Map<string, string>();
	const allReportSlugs = new Set<string>();
	for (const { path, slug } of markdownFiles('reports')) {
		allReportSlugs.add(slug);
		if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) {
			problems.push({
				file: show(path),
				field: '',
				message: 'file name must be lower-case letters, digits and dashes',
			});
			continue;
		}
		const file = readMarkdown(path);
		const data = file && parseFile(path, reportSchema, file.data);
		if (file && data) {
			reports.push({ ...data, slug, body: file.body });
			reportFiles.set(slug, show(path));
		}
	}
	if (
		reports.length === 0 &&
		reportFiles.size === 0 &&
		!problems.some((p) => p.file.includes('reports'))
	) {
		problems.push({
			file: show(join(contentDir, 'reports')),
			field: '',
			message: 'add at least one report',
		});
	}

	const ndas: NdaVersion[] = [];
	for (const { path } of markdownFiles('nda')) {
		const file = readMarkdown(path);
		const data = file && parseFile(path, ndaSchema, file.data);
		if (file && data) {
			if (!file.body)
				problems.push({ file: show(path), field: 'body', message: 'the NDA text is empty' });
			else if (ndas.some((n) => n.version === data.version)) {
				problems.push({
					file: show(path),
					field: 'version',
					message: `version ${data.version} is used twice`,
				});
			} else ndas.push({ ...data, body: file.body });
		}
	}

	// Checks that span files.
	const bySlug = new Map(reports.map((r) => [r.slug, r]));
	for (const report of reports) {
		const file = reportFiles.get(report.slug) ?? report.slug;
		if (report.kind === 'bridge-letter' && report.extends) {
			const base = bySlug.get(report.extends);
			if (!base && allReportSlugs.has(report.extends)) {
				// That report has problems of its own, reported above.
			} else if (!base) {
				problems.push({
					file,
					field: 'extends',
					message: `no report named "${report.extends}" in src/content/reports`,
				});
			} else if (base.kind !== 'soc2-type1' && base.kind !== 'soc2-type2') {
				problems.push({
					file,
					field: 'extends',
					message: `"${report.extends}" is not a SOC 2 report`,
				});
			} else if (report.period.start > addDays(base.period.end, 1)) {
				problems.push({
					file,
					field: 'period.start',
					message: `must start by ${addDays(base.period.end, 1)}, the day after "${report.extends}" ends, or the letter leaves a gap`,
				});
			}
		}
		if (criteria && (report.kind === 'soc2-type1' || report.kind === 'soc2-type2')) {
			for (const id of report.criteria) {
				const criterion = criteria.find((c) => c.id === id);
				if (criterion && !criterion.inScope && report === latestSoc2(reports)) {
					problems.push({
						file,
						field: 'criteria',
						message: `${id} is covered by this report but marked inScope: false in src/content/criteria.yaml`,
					});
				}
			}
		}
	}
	if (scope && subprocessors) {
		scope.carvedOut.forEach((id, index) => {
			if (!subprocessors.some((s) => s.id === id)) {
				problems.push({
					file: show(join(contentDir, 'scope.yaml')),
					field: `carvedOut[${index}]`,
					message: `no subprocessor with id "${id}" in src/content/subprocessors.yaml`,
				});
			}
		});
	}
	if (subprocessors) {
		const ids = new Set<string>();
		subprocessors.forEach((s, index) => {
			if (ids.has(s.id)) {
				problems.push({
					file: show(join(contentDir, 'subprocessors.yaml')),
					field: `[${index}].id`,
					message: `id "${s.id}" is used twice`,
				});
			}
			ids.add(s.id);
		});
	}
	if (ndas.length === 0 && !problems.some((p) => p.file.includes('nda'))) {
		problems.push({
			file: show(join(contentDir, 'nda')),
			field: '',
			message: 'add at least one NDA version (Markdown)',
		});
	}

	if (
		problems.length > 0 ||
		!company ||
		!criteria ||
		!scope ||
		!controls ||
		!subprocessors ||
		!faqs
	) {
		throw new ContentError(problems);
	}
	return {
		company,
		reports: orderReports(reports),
		criteria,
		scope,
		controls,
		subprocessors,
		faqs,
		ndas: ndas.sort((a, b) => b.effectiveDate.localeCompare(a.effectiveDate)),
	};
}

/** The NDA version in force on `today`: the latest whose effective date has arrived. */
export function currentNda(ndas: NdaVersion[], today: string): NdaVersion | null {
	return (
		ndas
			.filter((n) => n.effectiveDate <= today)
			.sort((a, b) => b.effectiveDate.localeCompare(a.effectiveDate))[0] ?? null
	);
}

function latestSoc2(reports: Report[]): Report | undefined {
	return reports
		.filter((r) => r.kind === 'soc2-type1' || r.kind === 'soc2-type2')
		.sort((a, b) => b.period.end.localeCompare(a.period.end))[0];
}

/** `['period', 'end']` → `period.end`; `[0, 'id']` → `[0].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
	return path
		.map((part, index) =>
			typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
		)
		.join('');
}

function yamlMessage(error: unknown): string {
	if (error instanceof YAMLParseError) {
		const line = error.linePos?.[0];
		return `is not valid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
	}
	return `cannot be read: ${String(error)}`;
}

function addDays(date: string, days: number): string {
	const d = new Date(`${date}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
}
