/** @jsxImportSource react */
import { ActionButton, EmailLayout, Note, Paragraph, formatList } from './_components/layout.tsx';

export interface VerifyEmailProps {
	name: string;
	trustCenterName: string;
	/** The magic link; its GET only shows a confirm button (mail scanners fetch links). */
	verifyUrl: string;
	expiresMinutes: number;
	/** Titles of the documents asked for. */
	documents: string[];
}

export default function VerifyEmail({
	name,
	trustCenterName,
	verifyUrl,
	expiresMinutes,
	documents,
}: VerifyEmailProps) {
	const list = formatList(documents);
	return (
		<EmailLayout
			preview={`Confirm your email to request ${list}.`}
			trustCenterName={trustCenterName}
			heading="Confirm your email"
			reason={`You received this email because someone entered this address on the ${trustCenterName} to request documents.`}
		>
			<Paragraph>Hi {name},</Paragraph>
			<Paragraph>
				Confirm your email to request {list} from the {trustCenterName}.
			</Paragraph>
			<ActionButton href={verifyUrl} label="Confirm my email" />
			<Paragraph>
				This link works once and expires in {expiresMinutes} minutes. If it has expired, request the
				documents again from the trust center.
			</Paragraph>
			<Note>
				If you did not ask for these documents, ignore this email: nothing happens unless the link
				is used.
			</Note>
		</EmailLayout>
	);
}

VerifyEmail.PreviewProps = {
	name: 'Jane Doe',
	trustCenterName: 'Kestrel Analytics Trust Center',
	verifyUrl: 'https://trust.example.com/verify/abc.def',
	expiresMinutes: 30,
	documents: ['SOC 2 Type II report', 'Bridge letter'],
} satisfies VerifyEmailProps;
