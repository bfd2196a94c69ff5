/** RFC 9116 security.txt from the company content. */
import type { Company } from './model.ts';

/** How long a served file stays valid; RFC 9116 advises less than a year. */
export const SECURITY_TXT_VALID_DAYS = 180;

export function securityTxt(company: Company, siteUrl: string, now: Date): string {
	const expires = new Date(now.getTime() + SECURITY_TXT_VALID_DAYS * 86_400_000);
	expires.setUTCHours(0, 0, 0, 0);
	const contact = company.securityContact;
	const lines = [
		`# Security contact for ${company.legalName ?? company.name}`,
		`Contact: mailto:${contact.email}`,
		`Expires: ${expires.toISOString().replace('.000Z', 'Z')}`,
		...(contact.pgpKeyUrl ? [`Encryption: ${contact.pgpKeyUrl}`] : []),
		...(contact.acknowledgmentsUrl ? [`Acknowledgments: ${contact.acknowledgmentsUrl}`] : []),
		`Preferred-Languages: ${company.preferredLanguages.join(', ')}`,
		`Canonical: ${siteUrl}/.well-known/security.txt`,
		...(contact.policyUrl ? [`Policy: ${contact.policyUrl}`] : []),
	];
	return `${lines.join('\n')}\n`;
}
