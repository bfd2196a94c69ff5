/** The 405 table in src/lib/web/route-methods.ts must say what each on-demand route really takes. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTE_METHODS, allowedMethods } from '../../src/lib/web/route-methods.ts';

const PAGES = 'src/pages';

function routeFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory()
			? routeFiles(join(dir, entry.name))
			: /\.(astro|ts)$/.test(entry.name)
				? [join(dir, entry.name)]
				: [],
	);
}

function patternOf(file: string): string {
	const path = relative(PAGES, file)
		.replace(/\.(astro|ts)$/, '')
		.replace(/(^|\/)index$/, '');
	return `/${path}`;
}

/** What the route's source handles: exported method handlers, or a page that reads a POST. */
function methodsIn(file: string): string[] {
	const source = readFileSync(file, 'utf8');
	if (file.endsWith('.ts')) {
		const exported = [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE|ALL)\b/g)].map(
			(m) => m[1]!,
		);
		return exported.includes('GET')
			? ['GET', 'HEAD', ...exported.filter((m) => m !== 'GET')]
			: exported;
	}
	return source.includes("Astro.request.method === 'POST'")
		? ['GET', 'HEAD', 'POST']
		: ['GET', 'HEAD'];
}

const onDemand = routeFiles(PAGES).filter((file) =>
	/export const prerender = false/.test(readFileSync(file, 'utf8')),
);

describe('the route methods table', () => {
	it.each(onDemand.map((file) => [patternOf(file), file]))(
		'lists %s with the methods its source handles',
		(pattern, file) => {
			expect(ROUTE_METHODS[pattern], `add ${pattern} to ROUTE_METHODS`).toBeDefined();
			expect([...allowedMethods(pattern)].sort()).toEqual(methodsIn(file).sort());
		},
	);

	it('names no route that does not exist', () => {
		const patterns = new Set(onDemand.map(patternOf));
		expect(Object.keys(ROUTE_METHODS).filter((p) => !patterns.has(p))).toEqual([]);
	});

	it('treats a route it does not know as read-only', () => {
		expect(allowedMethods('/not/listed')).toEqual(['GET', 'HEAD']);
	});
});
