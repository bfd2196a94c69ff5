/** @jsxImportSource react */
import { ActionButton, EmailLayout, FactTable, Paragraph } from './_components/layout.tsx';

export interface ShareLinkActivityProps {
	repName: string;
	trustCenterName: string;
	/** `opened`: the first open of the link; `downloaded`: a copy was issued through it. */
	kind: 'opened' | 'downloaded';
	/** Who the link is for (an address or @domain). */
	recipient: string;
	/** The downloader's address (downloads only). */
	who: string | null;
	/** The document and copy id (downloads only). */
	document: string | null;
	copyId: string | null;
	at: string;
	linkUrl: string;
}

export default function ShareLinkActivity({
	repName,
	trustCenterName,
	kind,
	recipient,
	who,
	document,
	copyId,
	at,
	linkUrl,
}: ShareLinkActivityProps) {
	const headline =
		kind === 'opened'
			? `Your share link for ${recipient} was opened`
			: `${who ?? recipient} downloaded ${document ?? 'a document'}`;
	const rows: [string, string][] = [
		['Link for', recipient],
		['When', at],
	];
	if (kind === 'downloaded') {
		rows.push(['Downloaded by', who ?? '']);
		rows.push(['Document', document ?? '']);
		rows.push(['Copy id', copyId ?? '']);
	}
	return (
		<EmailLayout
			preview={headline}
			trustCenterName={trustCenterName}
			heading={headline}
			reason={`You received this email because you created this share link on the ${trustCenterName}.`}
		>
			<Paragraph>Hi {repName},</Paragraph>
			<Paragraph>
				{kind === 'opened'
					? 'The link was opened for the first time. You will hear again for each download.'
					: 'A stamped copy was issued through your share link.'}
			</Paragraph>
			<FactTable rows={rows} />
			<ActionButton href={linkUrl} label="See the link's activity" />
		</EmailLayout>
	);
}

ShareLinkActivity.PreviewProps = {
	repName: 'Sam Seller',
	trustCenterName: 'Kestrel Analytics Trust Center',
	kind: 'downloaded',
	recipient: 'buyer@prospect.example',
	who: 'buyer@prospect.example',
	document: 'SOC 2 Type II report',
	copyId: '7F3K-Q9MD',
	at: '30 Jun 2026, 14:05 UTC',
	linkUrl: 'https://trust.example.com/admin/links/1',
} satisfies ShareLinkActivityProps;
