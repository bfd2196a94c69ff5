/**
 * The trust page's collections. Every file is read and validated by readTrustContent (shared with
 * the CLI and tests), which fails the build naming the file and the field; the schemas below are
 * the same zod schemas, so Astro types and re-checks each entry.
 */
import { fileURLToPath } from 'node:url';
import { defineCollection } from 'astro:content';
import { z } from 'astro/zod';
import { readTrustContent } from './lib/server/content/reader.ts';
import {
	companySchema,
	controlCategoriesSchema,
	criteriaSchema,
	faqsSchema,
	ndaSchema,
	reportSchema,
	scopeSchema,
	subprocessorSchema,
	type TrustContent,
} from './lib/content/model.ts';

let cached: TrustContent | undefined;
const content = () =>
	(cached ??= readTrustContent(
		fileURLToPath(new URL('./content/', import.meta.url)),
		fileURLToPath(new URL('../', import.meta.url)),
	));

/** Loader entries carry `id` (and reports their slug and body) next to the validated fields. */
const entry = <S extends z.ZodType, E extends z.ZodRawShape = {}>(
	schema: S,
	extra: E = {} as E,
) => {
	const added = schema instanceof z.ZodObject && 'id' in schema.shape ? [] : ['id'];
	return z
		.preprocess((value) => {
			const rest: Record<string, unknown> = { ...(value as Record<string, unknown>) };
			for (const key of [...added, ...Object.keys(extra)]) delete rest[key];
			return rest;
		}, schema)
		.and(z.object(extra));
};

/** The data store sorts entries by id; `order` keeps the files' own order. */
const order = z.number();

export const collections = {
	company: defineCollection({
		loader: () => [{ id: 'company', ...content().company }],
		schema: entry(companySchema),
	}),
	scope: defineCollection({
		loader: () => [{ id: 'scope', ...content().scope }],
		schema: entry(scopeSchema),
	}),
	reports: defineCollection({
		loader: () => content().reports.map((report, order) => ({ id: report.slug, order, ...report })),
		schema: entry(reportSchema, { slug: z.string(), body: z.string(), order }),
	}),
	criteria: defineCollection({
		loader: () => content().criteria.map((c, order) => ({ ...c, order })),
		schema: entry(criteriaSchema.element, { order }),
	}),
	controls: defineCollection({
		loader: () => content().controls.map((c, order) => ({ ...c, order })),
		schema: entry(controlCategoriesSchema.element, { order }),
	}),
	subprocessors: defineCollection({
		loader: () => content().subprocessors.map((s, order) => ({ ...s, order })),
		schema: entry(subprocessorSchema, { order }),
	}),
	faqs: defineCollection({
		loader: () => content().faqs.map((faq, order) => ({ id: String(order), order, ...faq })),
		schema: entry(faqsSchema.element, { order }),
	}),
	nda: defineCollection({
		loader: () => content().ndas.map((nda, order) => ({ id: nda.version, order, ...nda })),
		schema: entry(ndaSchema, { body: z.string(), order }),
	}),
};
