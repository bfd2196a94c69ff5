/** @jsxImportSource react */
import {
	ActionButton,
	EmailLayout,
	FactTable,
	Note,
	Paragraph,
	formatList,
} from './_components/layout.tsx';

export interface StaffReviewProps {
	trustCenterName: string;
	requesterName: string;
	requesterEmail: string;
	requesterCompany: string;
	requesterTitle: string | null;
	reason: string | null;
	documents: string[];
	/** Display text, such as "accepted version 2025-01" or "claims an NDA on file". */
	ndaStatus: string;
	/** Why policy did not decide it, such as "no approval rule matches example.com". */
	why: string;
	requestId: number;
	/** The request in the staff queue, such as `https://trust.example.com/admin/requests/12`. */
	reviewUrl: string;
}

export default function StaffReview({
	trustCenterName,
	requesterName,
	requesterEmail,
	requesterCompany,
	requesterTitle,
	reason,
	documents,
	ndaStatus,
	why,
	requestId,
	reviewUrl,
}: StaffReviewProps) {
	return (
		<EmailLayout
			preview={`${requesterName} (${requesterCompany}) asked for ${formatList(documents)}.`}
			trustCenterName={trustCenterName}
			heading={`Request #${requestId} waits for review`}
			reason={`You received this email because you are staff on the ${trustCenterName} and a request needs a person to decide it.`}
		>
			<Paragraph>
				{requesterName} from {requesterCompany} asked for documents, and the approval rules left the
				decision to a person.
			</Paragraph>
			<FactTable
				rows={[
					['Name', requesterName],
					['Email', requesterEmail],
					['Company', requesterCompany],
					['Title', requesterTitle ?? 'not given'],
					['Documents', formatList(documents)],
					['NDA', ndaStatus],
					['Reason given', reason ?? 'none given'],
					['Needs review because', why],
				]}
			/>
			<ActionButton href={reviewUrl} label="Open the request" />
			<Paragraph>
				Or open this address after signing in to the staff workspace: {reviewUrl}
			</Paragraph>
			<Note>
				Check that the email's domain belongs to the company before approving: the address is
				verified, the company name is not.
			</Note>
		</EmailLayout>
	);
}

StaffReview.PreviewProps = {
	trustCenterName: 'Kestrel Analytics Trust Center',
	requesterName: 'Jane Doe',
	requesterEmail: 'jane@example.com',
	requesterCompany: 'Example Corp',
	requesterTitle: 'Security Engineer',
	reason: 'Vendor review for our 2026 renewal',
	documents: ['SOC 2 Type II report', 'Bridge letter'],
	ndaStatus: 'accepted version 2025-01',
	why: 'no approval rule matches example.com',
	requestId: 12,
	reviewUrl: 'https://trust.kestrel-analytics.example/admin/requests/12',
} satisfies StaffReviewProps;
