/** @jsxImportSource react */
import { ActionButton, EmailLayout, Note, Paragraph } from './_components/layout.tsx';

export interface StaffInvitationProps {
	trustCenterName: string;
	inviterName: string;
	/** "an admin" or "a sales rep". */
	roleLabel: string;
	/** The invitation link; its GET only shows the form (mail scanners fetch links). */
	acceptUrl: string;
	expiresDays: number;
}

export default function StaffInvitation({
	trustCenterName,
	inviterName,
	roleLabel,
	acceptUrl,
	expiresDays,
}: StaffInvitationProps) {
	return (
		<EmailLayout
			preview={`${inviterName} invited you to the staff workspace of the ${trustCenterName}.`}
			trustCenterName={trustCenterName}
			heading="You are invited to the staff workspace"
			reason={`You received this email because ${inviterName} invited this address to the ${trustCenterName}.`}
		>
			<Paragraph>
				{inviterName} invited you to join the {trustCenterName} as {roleLabel}. Open the link to
				choose your name and password.
			</Paragraph>
			<ActionButton href={acceptUrl} label="Set up my account" />
			<Paragraph>
				This link works once and expires in {expiresDays} days. Ask {inviterName} for a new one if
				it has expired.
			</Paragraph>
			<Note>If you did not expect this invitation, ignore this email: no account is made.</Note>
		</EmailLayout>
	);
}

StaffInvitation.PreviewProps = {
	trustCenterName: 'Kestrel Analytics Trust Center',
	inviterName: 'Ada Admin',
	roleLabel: 'a sales rep',
	acceptUrl: 'https://trust.example.com/admin/invite?token=abc',
	expiresDays: 7,
} satisfies StaffInvitationProps;
