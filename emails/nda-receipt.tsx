/** @jsxImportSource react */
import {
	ActionButton,
	Code,
	EmailLayout,
	FactTable,
	Note,
	Paragraph,
} from './_components/layout.tsx';

export interface NdaReceiptProps {
	name: string;
	trustCenterName: string;
	ndaTitle: string;
	ndaVersion: string;
	/** When it was accepted, as display text (with its time zone). */
	acceptedAt: string;
	/** SHA-256 (hex) of the exact text accepted. */
	textSha256: string;
	portalUrl: string;
}

/** The receipt PDF is attached by the caller. */
export default function NdaReceipt({
	name,
	trustCenterName,
	ndaTitle,
	ndaVersion,
	acceptedAt,
	textSha256,
	portalUrl,
}: NdaReceiptProps) {
	return (
		<EmailLayout
			preview={`Your receipt for accepting the ${ndaTitle}, version ${ndaVersion}.`}
			trustCenterName={trustCenterName}
			heading="Your NDA receipt"
			reason={`You received this email because you accepted an agreement on the ${trustCenterName}.`}
		>
			<Paragraph>Hi {name},</Paragraph>
			<Paragraph>
				This confirms that you accepted the {ndaTitle}. The receipt is attached as a PDF; keep it
				for your records.
			</Paragraph>
			<FactTable
				rows={[
					['Agreement', ndaTitle],
					['Version', ndaVersion],
					['Accepted by', name],
					['Accepted at', acceptedAt],
					['Text fingerprint', <Code>{textSha256}</Code>],
				]}
			/>
			<Note>
				The fingerprint is the SHA-256 of the exact text you accepted: anyone holding that text can
				recompute it to check it is the same agreement.
			</Note>
			<ActionButton href={portalUrl} label="Go to your documents" />
		</EmailLayout>
	);
}

NdaReceipt.PreviewProps = {
	name: 'Jane Doe',
	trustCenterName: 'Kestrel Analytics Trust Center',
	ndaTitle: 'Mutual Non-Disclosure Agreement',
	ndaVersion: '2025-01',
	acceptedAt: '3 March 2026, 14:05 UTC',
	textSha256: 'a3f1c2d4e5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071',
	portalUrl: 'https://trust.example.com/portal',
} satisfies NdaReceiptProps;
