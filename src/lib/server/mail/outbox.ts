/**
 * Email through a transactional outbox: `enqueueEmail` renders a message and stores it in the
 * caller's transaction, so it exists exactly when the change it reports is committed; the sender
 * delivers stored messages through Resend (or, without RESEND_API_KEY, into the local outbox
 * folder) with retries, so a provider outage delays mail but loses none.
 */
import { randomUUID } from 'node:crypto';
import { render, toPlainText } from '@react-email/render';
import { eq } from 'drizzle-orm';
import { createElement, type ComponentType } from 'react';
import { EmailBrandContext, type EmailBrand } from '../../../../emails/_components/layout.tsx';
import type { Executor } from '../../../../db/client.ts';
import { emailsTable } from '../../../../db/schema.ts';
import AccessGranted, { type AccessGrantedProps } from '../../../../emails/access-granted.tsx';
import NdaReceipt, { type NdaReceiptProps } from '../../../../emails/nda-receipt.tsx';
import RequestReceived, {
	type RequestReceivedProps,
} from '../../../../emails/request-received.tsx';
import ShareLinkActivity, {
	type ShareLinkActivityProps,
} from '../../../../emails/share-link-activity.tsx';
import ShareLinkInvite, {
	type ShareLinkInviteProps,
} from '../../../../emails/share-link-invite.tsx';
import SignInLink, { type SignInLinkProps } from '../../../../emails/sign-in-link.tsx';
import StaffInvitation, {
	type StaffInvitationProps,
} from '../../../../emails/staff-invitation.tsx';
import StaffReview, { type StaffReviewProps } from '../../../../emails/staff-review.tsx';
import VerifyEmail, { type VerifyEmailProps } from '../../../../emails/verify-email.tsx';
import type { Config } from '../platform/config.ts';

export type {
	AccessGrantedProps,
	EmailBrand,
	NdaReceiptProps,
	RequestReceivedProps,
	ShareLinkActivityProps,
	ShareLinkInviteProps,
	SignInLinkProps,
	StaffInvitationProps,
	StaffReviewProps,
	VerifyEmailProps,
};

export type EmailTemplate =
	| 'verify-email'
	| 'sign-in-link'
	| 'request-received'
	| 'access-granted'
	| 'nda-receipt'
	| 'staff-review'
	| 'staff-invitation'
	| 'share-link-invite'
	| 'share-link-activity';

export type EmailProps = {
	'verify-email': VerifyEmailProps;
	'sign-in-link': SignInLinkProps;
	'request-received': RequestReceivedProps;
	'access-granted': AccessGrantedProps;
	'nda-receipt': NdaReceiptProps;
	'staff-review': StaffReviewProps;
	'staff-invitation': StaffInvitationProps;
	'share-link-invite': ShareLinkInviteProps;
	'share-link-activity': ShareLinkActivityProps;
};

/** Who the mail speaks for: the sender, and the name and logo at its head. */
export interface MailContext {
	config: Pick<Config, 'emailFrom' | 'siteUrl'>;
	/** The company, such as "Kestrel Analytics": the sender's display name and the mail's heading. */
	companyName?: string;
	/** Path of a PNG or JPEG logo under the site (mail clients do not show SVG), or null. */
	companyLogo?: string | null;
}

export interface EmailAttachment {
	filename: string;
	contentType: string;
	content: Uint8Array;
}

export interface RenderedEmail {
	subject: string;
	html: string;
	text: string;
}

export type StoredEmail = typeof emailsTable.$inferSelect;

/** Resend keeps idempotency keys for 24 h and accepts up to 256 characters. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 256;
const HEADER_UNSAFE = /[\r\n]/;

const TEMPLATES: {
	[T in EmailTemplate]: {
		component: ComponentType<EmailProps[T]>;
		subject(props: EmailProps[T]): string;
	};
} = {
	'verify-email': {
		component: VerifyEmail,
		subject: (p) => `Confirm your email for the ${p.trustCenterName}`,
	},
	'sign-in-link': {
		component: SignInLink,
		subject: (p) => `Sign in to the ${p.trustCenterName}`,
	},
	'request-received': {
		component: RequestReceived,
		subject: (p) => `We are reviewing your request to the ${p.trustCenterName}`,
	},
	'access-granted': {
		component: AccessGranted,
		subject: (p) => `Your documents from the ${p.trustCenterName} are ready`,
	},
	'nda-receipt': {
		component: NdaReceipt,
		subject: (p) => `Your receipt for the ${p.ndaTitle} (version ${p.ndaVersion})`,
	},
	'staff-review': {
		component: StaffReview,
		subject: (p) =>
			`Request #${p.requestId} from ${p.requesterName} (${p.requesterCompany}) waits for review`,
	},
	'staff-invitation': {
		component: StaffInvitation,
		subject: (p) => `${p.inviterName} invited you to the ${p.trustCenterName}`,
	},
	'share-link-invite': {
		component: ShareLinkInvite,
		subject: (p) => `${p.repName} shared documents from the ${p.trustCenterName}`,
	},
	'share-link-activity': {
		component: ShareLinkActivity,
		subject: (p) =>
			p.kind === 'opened'
				? `Your share link for ${p.recipient} was opened`
				: `${p.who ?? p.recipient} downloaded ${p.document ?? 'a document'} (copy ${p.copyId})`,
	},
};

/** Renders a template to its subject, HTML and plain-text versions. */
export async function renderEmail<T extends EmailTemplate>(
	template: T,
	props: EmailProps[T],
	brand: EmailBrand | null = null,
): Promise<RenderedEmail> {
	const entry = TEMPLATES[template] as (typeof TEMPLATES)[T] | undefined;
	if (!entry) throw new Error(`unknown email template "${template}"`);
	// React escapes every prop it renders as text or attribute, so user input cannot inject markup.
	const html = await render(
		createElement(
			EmailBrandContext.Provider,
			{ value: brand },
			createElement(entry.component, props),
		),
	);
	const text = toPlainText(html, {
		selectors: [
			// The logo is for the eye; the plain text names the company beside it already.
			{ selector: 'img', format: 'skip' },
			{ selector: 'h1', options: { uppercase: false } },
			{
				selector: '[data-text-format="dataTable"]',
				format: 'dataTable',
				options: { uppercaseHeaderCells: false },
			},
		],
	});
	return { subject: entry.subject(props), html, text };
}

/** Renders and stores an email in the caller's transaction; nothing is sent here. */
export async function enqueueEmail<T extends EmailTemplate>(
	tx: Executor,
	mail: MailContext,
	input: {
		to: string;
		template: T;
		props: EmailProps[T];
		attachments?: EmailAttachment[];
		idempotencyKey?: string;
		/** Where replies go (the rep who shared a link), instead of the trust center's address. */
		replyTo?: string | null;
	},
): Promise<{ id: number }> {
	// A CR or LF in a header line would let its value smuggle in other headers (Bcc:, a second To:).
	assertHeaderSafe('recipient', input.to);
	if (input.replyTo) assertHeaderSafe('reply-to address', input.replyTo);
	if (input.to.trim() === '') throw new Error('an email needs a recipient');
	const rendered = await renderEmail(input.template, input.props, emailBrand(mail));
	assertHeaderSafe('subject', rendered.subject);
	const idempotencyKey = input.idempotencyKey ?? randomUUID();
	assertHeaderSafe('idempotency key', idempotencyKey);
	if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
		throw new Error(`an idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
	}
	const [row] = await tx
		.insert(emailsTable)
		.values({
			template: input.template,
			to: input.to,
			from: senderAddress(mail),
			subject: rendered.subject,
			html: rendered.html,
			text: rendered.text,
			attachments: (input.attachments ?? []).map((a) => {
				assertHeaderSafe('attachment file name', a.filename);
				return {
					filename: a.filename,
					contentType: a.contentType,
					contentBase64: Buffer.from(a.content).toString('base64'),
				};
			}),
			idempotencyKey,
			replyTo: input.replyTo ?? null,
			// Due from now, in the sender's clock and precision: PostgreSQL's now() is the transaction's
			// start in microseconds, and a sender that ran within the same millisecond compared it with
			// a JavaScript time cut to the millisecond and found the email not yet due.
			nextAttemptAt: new Date(),
		})
		// The same key twice is the same email (a retried request): keep the first.
		.onConflictDoNothing({ target: emailsTable.idempotencyKey })
		.returning({ id: emailsTable.id });
	if (row) return row;
	const [existing] = await tx
		.select({ id: emailsTable.id })
		.from(emailsTable)
		.where(eq(emailsTable.idempotencyKey, idempotencyKey));
	if (!existing) throw new Error(`email with idempotency key ${idempotencyKey} vanished`);
	return existing;
}

/**
 * EMAIL_FROM, or trust@ the SITE_URL's host (trust@localhost for an address or a bare name).
 * An address without a display name gets the trust center's, so inboxes show who wrote.
 */
export function senderAddress(mail: MailContext): string {
	const from = mail.config.emailFrom ?? `trust@${mailHost(mail.config.siteUrl)}`;
	if (from.includes('<') || !mail.companyName) return from;
	const name = `${mail.companyName} Trust Center`;
	// A display name with punctuation (Acme, Inc.) must be quoted to stay one name.
	const phrase = /^[\w -]+$/.test(name) ? name : `"${name.replace(/[\\"]/g, '\\$&')}"`;
	return `${phrase} <${from}>`;
}

function mailHost(siteUrl: string): string {
	const host = new URL(siteUrl).hostname;
	const isAddress = /^\d+(?:\.\d+){3}$/.test(host) || host.startsWith('[');
	return isAddress || !host.includes('.') ? 'localhost' : host;
}

export function emailBrand(mail: MailContext): EmailBrand | null {
	if (!mail.companyName) return null;
	return {
		companyName: mail.companyName,
		logoUrl: mail.companyLogo ? new URL(mail.companyLogo, `${mail.config.siteUrl}/`).href : null,
	};
}

export function assertHeaderSafe(what: string, value: string): void {
	if (HEADER_UNSAFE.test(value)) throw new Error(`the email ${what} contains a line break`);
}
