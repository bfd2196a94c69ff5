/** @jsxImportSource react */
import { ActionButton, BulletList, EmailLayout, Note, Paragraph } from './_components/layout.tsx';

export interface AccessGrantedProps {
	name: string;
	trustCenterName: string;
	portalUrl: string;
	/** `period` is the audit period as display text, such as "1 Jan–31 Dec 2025". */
	documents: { title: string; period: string | null }[];
	/** When access ends, as display text in UTC (such as "2 Mar 2027, 20:32 UTC"). */
	expiresOn: string;
	/** Downloads the grant allows; null when unlimited. */
	downloadCap: number | null;
}

export default function AccessGranted({
	name,
	trustCenterName,
	portalUrl,
	documents,
	expiresOn,
	downloadCap,
}: AccessGrantedProps) {
	return (
		<EmailLayout
			preview={`Your documents from the ${trustCenterName} are ready to download.`}
			trustCenterName={trustCenterName}
			heading="Your documents are ready"
			reason={`You received this email because your request on the ${trustCenterName} was approved.`}
		>
			<Paragraph>Hi {name},</Paragraph>
			<Paragraph>Your request was approved. You can now download:</Paragraph>
			<BulletList
				items={documents.map((doc) =>
					doc.period ? `${doc.title} (period: ${doc.period})` : doc.title,
				)}
			/>
			<ActionButton href={portalUrl} label="Open your documents" />
			<Paragraph>
				Your access lasts until {expiresOn}
				{downloadCap === null
					? '.'
					: ` and allows ${downloadCap} ${downloadCap === 1 ? 'download' : 'downloads'}.`}
			</Paragraph>
			<Paragraph>
				If your sign-in has ended by the time you come back, open the documents page and ask for a
				sign-in link with this email address: you do not need to request the documents again.
			</Paragraph>
			<Note>
				Each copy will be marked with your name, {name}, and a copy number, and every download is
				recorded. Please keep the files to yourself: colleagues who need them can request their own
				copy.
			</Note>
		</EmailLayout>
	);
}

AccessGranted.PreviewProps = {
	name: 'Jane Doe',
	trustCenterName: 'Kestrel Analytics Trust Center',
	portalUrl: 'https://trust.example.com/portal',
	documents: [
		{ title: 'SOC 2 Type II report', period: '1 Jan–31 Dec 2025' },
		{ title: 'Penetration test summary', period: null },
	],
	expiresOn: '30 Jun 2026, 14:05 UTC',
	downloadCap: 5,
} satisfies AccessGrantedProps;
