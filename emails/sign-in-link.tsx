/** @jsxImportSource react */
import { ActionButton, EmailLayout, Note, Paragraph } from './_components/layout.tsx';

export interface SignInLinkProps {
	name: string;
	trustCenterName: string;
	/** The sign-in link; its GET only shows a button (mail scanners fetch links). */
	signInUrl: string;
	expiresMinutes: number;
}

export default function SignInLink({
	name,
	trustCenterName,
	signInUrl,
	expiresMinutes,
}: SignInLinkProps) {
	return (
		<EmailLayout
			preview={`Your link to sign in to the ${trustCenterName}.`}
			trustCenterName={trustCenterName}
			heading="Sign in to your documents"
			reason={`You received this email because someone asked for a sign-in link for this address on the ${trustCenterName}.`}
		>
			<Paragraph>Hi {name},</Paragraph>
			<Paragraph>
				Use this link to sign in again and see your documents and requests. You do not need to
				request the documents again.
			</Paragraph>
			<ActionButton href={signInUrl} label="Sign in" />
			<Paragraph>This link works once and expires in {expiresMinutes} minutes.</Paragraph>
			<Note>
				If you did not ask to sign in, ignore this email: nothing happens unless the link is used.
			</Note>
		</EmailLayout>
	);
}

SignInLink.PreviewProps = {
	name: 'Jane Doe',
	trustCenterName: 'Kestrel Analytics Trust Center',
	signInUrl: 'https://trust.example.com/portal/sign-in?token=abc',
	expiresMinutes: 30,
} satisfies SignInLinkProps;
