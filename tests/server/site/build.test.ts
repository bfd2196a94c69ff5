/** The built site: what `astro build` produced, and how a build with bad content fails. */
import { spawnSync } from 'node:child_process';
import {
	cpSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';

const html = readFileSync('dist/client/index.html', 'utf8');
const content = readTrustContent('src/content');

describe('the built trust page', () => {
	it('needs no JavaScript: no script element, no inline handlers', () => {
		expect(html).not.toMatch(/<script\b/i);
		expect(html).not.toMatch(/\son[a-z]+=/i);
	});

	it('weighs at most 50 KB gzipped, HTML and CSS together', () => {
		const css = readdirSync('dist/client', { recursive: true })
			.map(String)
			.filter((f) => f.endsWith('.css'))
			.map((f) => readFileSync(join('dist/client', f)));
		const total = gzipSync(Buffer.concat([Buffer.from(html), ...css])).byteLength;
		expect(total).toBeLessThanOrEqual(50 * 1024);
	});

	it('states the report status in words', () => {
		expect(html).toContain(
			'SOC 2 Type II, period 1 Jan–31 Dec 2025, bridge letter through 30 Sep 2026',
		);
	});

	it('lists every document with its access level and a way to get it', () => {
		for (const report of content.reports) {
			const card = html.slice(html.indexOf(`id="doc-${report.slug}"`));
			expect(card).toContain(report.title.replace('&', '&amp;'));
			const action =
				report.access === 'public'
					? `/documents/${report.slug}.pdf`
					: `href="/request?documents=${report.slug}"`;
			expect(card.slice(0, card.indexOf('</article>'))).toContain(action);
		}
		expect(html).toContain('NDA + approval');
		expect(html).toContain('NDA required');
	});

	it('shows the criteria in scope, scope, controls, subprocessors and FAQs', () => {
		for (const criterion of content.criteria)
			expect(html).toContain(`${criterion.id} · ${criterion.name}`);
		expect(html).toContain(content.scope.systemName);
		for (const control of content.controls.flatMap((c) => c.controls))
			expect(html).toContain(control.id);
		for (const s of content.subprocessors) expect(html).toContain(s.name);
		for (const faq of content.faqs) expect(html).toContain(faq.question.replace(/'/g, '&#39;'));
	});

	it('is semantic: one h1, landmarks, a skip link and a language', () => {
		expect(html.match(/<h1\b/g)).toHaveLength(1);
		expect(html).toMatch(/<html lang="en"/);
		for (const tag of ['<header', '<nav', '<main', '<footer']) expect(html).toContain(tag);
		expect(html).toContain('href="#main"');
	});

	it('has a dark scheme and a print stylesheet', () => {
		expect(html).toContain('prefers-color-scheme:dark');
		expect(html).toContain('@media print');
	});

	it('never puts a PDF in the public output', () => {
		const files = readdirSync('dist', { recursive: true }).map(String);
		expect(files.filter((f) => f.toLowerCase().endsWith('.pdf'))).toEqual([]);
	});
});

describe('a build with bad content', () => {
	it('fails and names the file and the field', () => {
		const dir = mkdtempSync(join(resolve('tests/.tmp'), 'build-'));
		try {
			for (const entry of [
				'src',
				'public',
				'db',
				'astro.config.mjs',
				'package.json',
				'tsconfig.json',
			]) {
				cpSync(entry, join(dir, entry), { recursive: true });
			}
			symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
			const file = join(dir, 'src/content/reports/soc2-type2-2025.md');
			writeFileSync(file, readFileSync(file, 'utf8').replace('access: approval', 'access: secret'));
			const result = spawnSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], {
				cwd: dir,
				encoding: 'utf8',
				env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
			});
			expect(result.status).not.toBe(0);
			expect(result.stdout + result.stderr).toContain(
				'src/content/reports/soc2-type2-2025.md: access: must be public, nda or approval',
			);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
