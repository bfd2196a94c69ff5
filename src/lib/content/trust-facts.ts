/**
 * The machine-readable trust facts behind /trust.json: one pure function of the content and a
 * date, so the page and the JSON never disagree. The JSON shape is documented in the README.
 */
import { reportChain, reportKindLabel } from './report-chain.ts';
import type { TrustContent } from './model.ts';

export const TRUST_JSON_VERSION = 1;

export function trustFacts(content: TrustContent, today: string, siteUrl: string) {
	const chain = reportChain(content.reports, today);
	const url = (path: string) => new URL(path, `${siteUrl}/`).toString();
	return {
		version: TRUST_JSON_VERSION,
		generatedAt: today,
		company: {
			name: content.company.name,
			legalName: content.company.legalName ?? content.company.name,
			website: content.company.website,
			securityContact: content.company.securityContact.email,
			trustCenter: content.company.trustCenterUrl ?? siteUrl,
		},
		soc2: {
			status: chain.state,
			summary: chain.summary,
			report: chain.report && {
				id: chain.report.slug,
				type: reportKindLabel(chain.report.kind),
				periodStart: chain.report.period.start,
				periodEnd: chain.report.period.end,
				issued: chain.report.issued,
				auditor: chain.report.auditor,
				criteria: chain.report.criteria,
			},
			bridgeLetter: chain.bridge && {
				id: chain.bridge.slug,
				periodStart: chain.bridge.period.start,
				periodEnd: chain.bridge.period.end,
				issued: chain.bridge.issued,
			},
			coveredThrough: chain.coveredThrough,
			staleFrom: chain.staleFrom,
			nextReportExpected: chain.nextReportExpected,
		},
		documents: content.reports.map((r) => ({
			id: r.slug,
			title: r.title,
			kind: r.kind,
			access: r.access,
			periodStart: r.period.start,
			periodEnd: r.period.end,
			issued: r.issued,
			issuer: r.auditor,
			...(r.extends ? { extends: r.extends } : {}),
			...(r.criteria.length ? { criteria: r.criteria } : {}),
			...(r.certificateNumber ? { certificateNumber: r.certificateNumber } : {}),
			url: r.access === 'public' ? url(`/documents/${r.slug}.pdf`) : url(`/#doc-${r.slug}`),
		})),
		criteria: content.criteria.map((c) => ({ id: c.id, name: c.name, inScope: c.inScope })),
		scope: {
			system: content.scope.systemName,
			components: content.scope.systems.map((s) => s.name),
			carvedOutSubprocessors: content.scope.carvedOut,
		},
		controls: content.controls.flatMap((category) =>
			category.controls.map((c) => ({
				id: c.id,
				category: category.name,
				title: c.title,
				criteria: c.criteria,
			})),
		),
		subprocessors: content.subprocessors.map((s) => ({
			id: s.id,
			name: s.name,
			purpose: s.purpose,
			data: s.data,
			location: s.location,
			url: s.url,
		})),
	};
}
export type TrustFacts = ReturnType<typeof trustFacts>;
