/** The trust content as the pages see it, assembled from the Astro collections. */
import { getCollection } from 'astro:content';
import type { TrustContent } from '../content/model.ts';

export async function getTrustContent(): Promise<TrustContent> {
	const [company, scope, reports, criteria, controls, subprocessors, faqs, ndas] =
		await Promise.all([
			getCollection('company'),
			getCollection('scope'),
			getCollection('reports'),
			getCollection('criteria'),
			getCollection('controls'),
			getCollection('subprocessors'),
			getCollection('faqs'),
			getCollection('nda'),
		]);
	const ordered = <T extends { order: number }>(entries: { data: T }[]): Omit<T, 'order'>[] =>
		entries
			.map((e) => e.data)
			.sort((a, b) => a.order - b.order)
			.map(({ order: _order, ...rest }) => rest);
	const only = <T>(entries: { data: T }[], name: string): T => {
		const first = entries[0];
		if (!first) throw new Error(`The ${name} collection is empty`);
		return first.data;
	};
	return {
		company: only(company, 'company'),
		scope: only(scope, 'scope'),
		reports: ordered(reports),
		criteria: ordered(criteria),
		controls: ordered(controls),
		subprocessors: ordered(subprocessors),
		faqs: ordered(faqs),
		ndas: ordered(ndas),
	};
}
