/** @jsxImportSource react */
import { ActionButton, BulletList, EmailLayout, Note, Paragraph } from './_components/layout.tsx';

export interface ShareLinkInviteProps {
	/** The rep who sends it; replies go to them. */
	repName: string;
	trustCenterName: string;
	companyName: string;
	shareUrl: string;
	/** Titles of the shared documents. */
	documents: string[];
	/** Until when the link works, as display text in UTC. */
	expiresOn: string;
	/** Who may use it: an address, or "anyone at @example.com". */
	recipient: string;
}

export default function ShareLinkInvite({
	repName,
	trustCenterName,
	companyName,
	shareUrl,
	documents,
	expiresOn,
	recipient,
}: ShareLinkInviteProps) {
	return (
		<EmailLayout
			preview={`${repName} at ${companyName} shared security documents with you.`}
			trustCenterName={trustCenterName}
			heading={`${repName} shared documents with you`}
			reason={`You received this email because ${repName} at ${companyName} shared documents from the ${trustCenterName} with ${recipient}.`}
		>
			<Paragraph>Hello,</Paragraph>
			<Paragraph>
				{repName} at {companyName} shared these documents with you:
			</Paragraph>
			<BulletList items={documents} />
			<ActionButton href={shareUrl} label="Open the shared documents" />
			<Paragraph>
				The link works until {expiresOn}, for {recipient}. You will confirm your email address
				before any document is shown. Reply to this email to reach {repName}.
			</Paragraph>
			<Note>
				Each copy is marked with your name and a copy number, and every download is recorded.
			</Note>
		</EmailLayout>
	);
}

ShareLinkInvite.PreviewProps = {
	repName: 'Sam Seller',
	trustCenterName: 'Kestrel Analytics Trust Center',
	companyName: 'Kestrel Analytics',
	shareUrl: 'https://trust.example.com/share/abc.def',
	documents: ['SOC 2 Type II report'],
	expiresOn: '30 Jun 2026, 14:05 UTC',
	recipient: 'buyer@prospect.example',
} satisfies ShareLinkInviteProps;
