import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentError, currentNda, readTrustContent } from '../../src/lib/server/content/reader.ts';
import { CRITERIA_IDS } from '../../src/lib/content/model.ts';
import { copyContent } from '../helpers/content.ts';

describe('the shipped demo content', () => {
	const content = readTrustContent('src/content');

	it('is valid and complete', () => {
		expect(content.company.name).toBe('Kestrel Analytics');
		expect(content.reports.map((r) => r.kind)).toEqual(
			expect.arrayContaining(['soc2-type2', 'bridge-letter', 'iso27001', 'pentest']),
		);
		expect(content.criteria.map((c) => c.id)).toEqual([...CRITERIA_IDS]);
		expect(content.subprocessors.length).toBeGreaterThan(0);
		expect(content.faqs.length).toBeGreaterThan(0);
		expect(content.controls.flatMap((c) => c.controls).length).toBeGreaterThan(10);
	});

	it('links the bridge letter to the report it extends', () => {
		const bridge = content.reports.find((r) => r.kind === 'bridge-letter');
		expect(content.reports.find((r) => r.slug === bridge?.extends)?.kind).toBe('soc2-type2');
	});

	it('picks the NDA version in force on a date', () => {
		expect(currentNda(content.ndas, '2026-11-23')?.version).toBe('1.1');
		expect(currentNda(content.ndas, '2026-01-01')?.version).toBe('1.0');
		expect(currentNda(content.ndas, '2020-01-01')).toBeNull();
	});
});

describe('bad content is refused with the file and field named', () => {
	let copy: ReturnType<typeof copyContent> | undefined;
	afterEach(() => copy?.remove());

	it.each<[string, string, (text: string) => string, string, string, RegExp]>([
		[
			'an audit period that ends before it starts',
			'reports/soc2-type2-2025.md',
			(t) => t.replace('end: 2025-12-31', 'end: 2024-12-31'),
			'src/content/reports/soc2-type2-2025.md',
			'period.end',
			/on or after start/,
		],
		[
			'a date that does not exist',
			'reports/soc2-type2-2025.md',
			(t) => t.replace('issued: 2026-02-20', 'issued: 2026-02-30'),
			'src/content/reports/soc2-type2-2025.md',
			'issued',
			/not a real calendar date/,
		],
		[
			'an unknown report kind',
			'reports/pentest-summary-2026.md',
			(t) => t.replace('kind: pentest', 'kind: pen-test'),
			'src/content/reports/pentest-summary-2026.md',
			'kind',
			/must be one of/,
		],
		[
			'an unknown access level',
			'reports/soc2-type2-2025.md',
			(t) => t.replace('access: approval', 'access: secret'),
			'src/content/reports/soc2-type2-2025.md',
			'access',
			/public, nda or approval/,
		],
		[
			'a misspelt field',
			'reports/soc2-type2-2025.md',
			(t) => t.replace('auditor:', 'auditr:'),
			'src/content/reports/soc2-type2-2025.md',
			'auditor',
			/required/,
		],
		[
			'a bridge letter pointing nowhere',
			'reports/bridge-letter-2026.md',
			(t) => t.replace('extends: soc2-type2-2025', 'extends: soc2-type2-2030'),
			'src/content/reports/bridge-letter-2026.md',
			'extends',
			/no report named "soc2-type2-2030"/,
		],
		[
			'a bridge letter that leaves a gap',
			'reports/bridge-letter-2026.md',
			(t) => t.replace('start: 2026-01-01', 'start: 2026-03-01'),
			'src/content/reports/bridge-letter-2026.md',
			'period.start',
			/gap/,
		],
		[
			'an unknown criterion',
			'criteria.yaml',
			(t) => t.replace('- id: PI1', '- id: PI9'),
			'src/content/criteria.yaml',
			'[11].id',
			/must be one of/,
		],
		[
			'a security contact that is not an email',
			'company.yaml',
			(t) => t.replace('email: security@kestrel-analytics.example', 'email: security team'),
			'src/content/company.yaml',
			'securityContact.email',
			/email address/,
		],
		[
			'a subprocessor without a URL',
			'subprocessors.yaml',
			(t) => t.replace('  url: https://www.zendesk.com/trust-center/\n', ''),
			'src/content/subprocessors.yaml',
			'[3].url',
			/./,
		],
		[
			'a carved-out subprocessor that is not listed',
			'scope.yaml',
			(t) => t.replace('carvedOut: [aws, cloudflare]', 'carvedOut: [aws, akamai]'),
			'src/content/scope.yaml',
			'carvedOut[1]',
			/no subprocessor with id "akamai"/,
		],
		[
			'broken YAML',
			'faqs.yaml',
			(t) => t.replace('- question: Why is my copy', '- question: [Why is my copy'),
			'src/content/faqs.yaml',
			'',
			/not valid YAML at line \d+/,
		],
		[
			'an NDA without a version',
			'nda/1.1.md',
			(t) => t.replace("version: '1.1'\n", ''),
			'src/content/nda/1.1.md',
			'version',
			/./,
		],
	])('%s', (_name, file, change, expectedFile, expectedField, message) => {
		copy = copyContent();
		copy.edit(file, change);
		let error: unknown;
		try {
			readTrustContent(copy.dir, copy.root);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ContentError);
		const problems = (error as ContentError).problems;
		expect(problems).toContainEqual({
			file: expectedFile,
			field: expectedField,
			message: expect.stringMatching(message),
		});
		expect((error as ContentError).message).toContain(
			`${expectedFile}: ${expectedField ? `${expectedField}: ` : ''}`,
		);
	});

	it('lists every problem at once, not just the first', () => {
		copy = copyContent();
		copy.edit('reports/soc2-type2-2025.md', (t) => t.replace('access: approval', 'access: secret'));
		copy.edit('company.yaml', (t) =>
			t.replace('website: https://kestrel-analytics.example', 'website: kestrel'),
		);
		expect(() => readTrustContent(copy!.dir, copy!.root)).toThrow(
			/2 problems[\s\S]*company\.yaml: website[\s\S]*soc2-type2-2025\.md: access/,
		);
	});

	it('names a missing file', () => {
		copy = copyContent();
		rmSync(join(copy.dir, 'faqs.yaml'));
		expect(() => readTrustContent(copy!.dir, copy!.root)).toThrow(
			'src/content/faqs.yaml: file is missing',
		);
	});
});
