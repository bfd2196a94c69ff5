/** @jsxImportSource react */
import { ActionButton, EmailLayout, Paragraph, formatList } from './_components/layout.tsx';

export interface RequestReceivedProps {
	name: string;
	trustCenterName: string;
	statusUrl: string;
	documents: string[];
}

export default function RequestReceived({
	name,
	trustCenterName,
	statusUrl,
	documents,
}: RequestReceivedProps) {
	const list = formatList(documents);
	return (
		<EmailLayout
			preview={`We are reviewing your request for ${list}.`}
			trustCenterName={trustCenterName}
			heading="We are reviewing your request"
			reason={`You received this email because you requested documents from the ${trustCenterName}.`}
		>
			<Paragraph>Hi {name},</Paragraph>
			<Paragraph>
				Thank you: your request for {list} has reached the team behind the {trustCenterName}. We are
				reviewing your request and will email you as soon as it is decided.
			</Paragraph>
			<Paragraph>You do not need to do anything in the meantime.</Paragraph>
			<ActionButton href={statusUrl} label="See your request" />
		</EmailLayout>
	);
}

RequestReceived.PreviewProps = {
	name: 'Jane Doe',
	trustCenterName: 'Kestrel Analytics Trust Center',
	statusUrl: 'https://trust.example.com/portal',
	documents: ['SOC 2 Type II report'],
} satisfies RequestReceivedProps;
