/** @jsxImportSource react */
/**
 * The frame every Trustroom email shares: one column, system fonts, high-contrast text, and a
 * footer that says why the reader got the message. Props are rendered as React text, so any
 * user-supplied value is escaped; nothing here uses dangerouslySetInnerHTML.
 */
import {
	Body,
	Button,
	Column,
	Container,
	Head,
	Heading,
	Hr,
	Html,
	Img,
	Link,
	Preview,
	Row,
	Section,
	Text,
} from '@react-email/components';
import { createContext, useContext, type CSSProperties, type ReactNode } from 'react';

/** The company a message speaks for; renderEmail provides it, so templates need not pass it. */
export interface EmailBrand {
	companyName: string;
	/** An absolute URL of a PNG or JPEG logo, or null to show the name alone. */
	logoUrl: string | null;
}

export const EmailBrandContext = createContext<EmailBrand | null>(null);

const FONT =
	"-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

export const colors = {
	text: '#1f2937',
	muted: '#4b5563',
	border: '#e5e7eb',
	accent: '#1f4f8b',
	page: '#f3f4f6',
	panel: '#f9fafb',
};

const styles = {
	body: { backgroundColor: colors.page, fontFamily: FONT, margin: 0, padding: '24px 0' },
	container: {
		backgroundColor: '#ffffff',
		border: `1px solid ${colors.border}`,
		borderRadius: '8px',
		margin: '0 auto',
		maxWidth: '560px',
		padding: '32px',
	},
	brand: {
		color: colors.text,
		fontSize: '15px',
		fontWeight: 700,
		lineHeight: '32px',
		margin: 0,
	},
	brandRow: { margin: '0 0 24px' },
	heading: { color: colors.text, fontSize: '22px', lineHeight: '30px', margin: '0 0 16px' },
	text: { color: colors.text, fontSize: '15px', lineHeight: '24px', margin: '0 0 16px' },
	small: { color: colors.muted, fontSize: '13px', lineHeight: '20px', margin: '0 0 12px' },
	button: {
		backgroundColor: colors.accent,
		borderRadius: '6px',
		color: '#ffffff',
		display: 'inline-block',
		fontSize: '15px',
		fontWeight: 600,
		padding: '12px 20px',
		textDecoration: 'none',
	},
	link: { color: colors.accent, wordBreak: 'break-all' },
	hr: { borderColor: colors.border, margin: '24px 0' },
	list: { color: colors.text, fontSize: '15px', lineHeight: '24px', margin: '0 0 16px' },
	code: {
		backgroundColor: colors.panel,
		border: `1px solid ${colors.border}`,
		borderRadius: '4px',
		color: colors.text,
		fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
		fontSize: '13px',
		padding: '2px 6px',
		wordBreak: 'break-all',
	},
} satisfies Record<string, CSSProperties>;

export interface EmailLayoutProps {
	/** Shown by mail clients next to the subject; keep it to one sentence. */
	preview: string;
	trustCenterName: string;
	heading: string;
	/** Why the reader got this email, in the footer. */
	reason: string;
	children: ReactNode;
}

export function EmailLayout({
	preview,
	trustCenterName,
	heading,
	reason,
	children,
}: EmailLayoutProps) {
	const brand = useContext(EmailBrandContext);
	return (
		<Html lang="en" dir="ltr">
			<Head>
				<meta name="color-scheme" content="light" />
				<meta name="supported-color-schemes" content="light" />
			</Head>
			<Preview>{preview}</Preview>
			<Body style={styles.body}>
				<Container style={styles.container}>
					<Section style={styles.brandRow}>
						<Row>
							{brand?.logoUrl && (
								<Column style={{ width: '44px', verticalAlign: 'middle' }}>
									<Img src={brand.logoUrl} alt="" width="32" height="32" />
								</Column>
							)}
							<Column style={{ verticalAlign: 'middle' }}>
								<Text style={styles.brand}>{trustCenterName}</Text>
							</Column>
						</Row>
					</Section>
					<Heading as="h1" style={styles.heading}>
						{heading}
					</Heading>
					{children}
					<Hr style={styles.hr} />
					<Text style={styles.small}>{reason}</Text>
				</Container>
			</Body>
		</Html>
	);
}

export function Paragraph({ children }: { children: ReactNode }) {
	return <Text style={styles.text}>{children}</Text>;
}

export function Note({ children }: { children: ReactNode }) {
	return <Text style={styles.small}>{children}</Text>;
}

/** The one call to action, followed by its address in full for clients that block buttons. */
export function ActionButton({ href, label }: { href: string; label: string }) {
	return (
		<>
			<Section style={{ margin: '8px 0 24px' }}>
				<Button href={href} style={styles.button}>
					{label}
				</Button>
			</Section>
			{/* The plain-text version already shows the address next to the button's label. */}
			<Text style={styles.small} data-skip-in-text="true">
				If the button does not work, copy this address into your browser:
				<br />
				<Link href={href} style={styles.link}>
					{href}
				</Link>
			</Text>
		</>
	);
}

export function BulletList({ items }: { items: ReactNode[] }) {
	return (
		<ul style={styles.list}>
			{items.map((item, index) => (
				<li key={index}>{item}</li>
			))}
		</ul>
	);
}

export function Code({ children }: { children: ReactNode }) {
	return <code style={styles.code}>{children}</code>;
}

/** Label and value rows for facts (staff review): a real table, so screen readers pair them. */
export function FactTable({ rows }: { rows: [label: string, value: ReactNode][] }) {
	return (
		<table
			// Plain text lays it out as aligned columns instead of one cell per line.
			data-text-format="dataTable"
			cellPadding={0}
			cellSpacing={0}
			style={{ borderCollapse: 'collapse', margin: '0 0 16px', width: '100%' }}
		>
			<tbody>
				{rows.map(([label, value]) => (
					<tr key={label}>
						<th
							scope="row"
							style={{
								color: colors.muted,
								fontSize: '14px',
								fontWeight: 600,
								lineHeight: '22px',
								padding: '6px 12px 6px 0',
								textAlign: 'left',
								verticalAlign: 'top',
								whiteSpace: 'nowrap',
							}}
						>
							{label}
						</th>
						<td
							style={{
								color: colors.text,
								fontSize: '14px',
								lineHeight: '22px',
								padding: '6px 0',
								verticalAlign: 'top',
							}}
						>
							{value}
						</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

/** "A, B and C", so a list of titles reads as a sentence. */
export function formatList(items: string[]): string {
	return new Intl.ListFormat('en', { style: 'long', type: 'conjunction' }).format(items);
}
