/**
 * Realistic (fictional) PDFs for the demo company: a SOC 2 Type II report laid out as auditors
 * lay them out, a bridge letter, an ISO certificate and a pen-test summary. Text only, made with
 * pdf-lib, so `trustroom seed --demo` needs nothing but the content.
 */
import type { Report, TrustContent } from '../../../content/model.ts';
import { bridgeLetter, isoCertificate, pentestSummary } from './letters.ts';
import { soc2Report } from './soc2-report.ts';

/** Makes the demo PDF for a report in the content. */
export async function generateDemoReport(
	report: Report,
	content: TrustContent,
): Promise<Uint8Array> {
	switch (report.kind) {
		case 'soc2-type2':
		case 'soc2-type1':
			return soc2Report(report, content);
		case 'bridge-letter':
			return bridgeLetter(report, content);
		case 'iso27001':
			return isoCertificate(report, content);
		case 'pentest':
			return pentestSummary(report, content);
	}
}
