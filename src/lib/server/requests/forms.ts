/** The access request form's fields and limits (server-side validation; the browser's is a hint). */
import { z } from 'astro/zod';
import { isRealDate, todayUtc } from '../../content/dates.ts';
import { emailAddress, multiLine, singleLine } from '../platform/input.ts';

export const requestFormSchema = z.object({
	name: singleLine('Full name', 120),
	email: emailAddress('Work email'),
	company: singleLine('Company', 160),
	title: singleLine('Job title', 120),
	reason: multiLine('Reason', 1000).default(''),
	documents: z
		.array(z.string().regex(/^[a-z0-9-]{1,100}$/, { error: 'Pick documents from the list' }))
		.min(1, { error: 'Pick at least one document' })
		.max(50),
});

export type RequestForm = z.output<typeof requestFormSchema>;

export function readRequestForm(form: FormData) {
	return {
		name: String(form.get('name') ?? ''),
		email: String(form.get('email') ?? ''),
		company: String(form.get('company') ?? ''),
		title: String(form.get('title') ?? ''),
		reason: String(form.get('reason') ?? ''),
		documents: form.getAll('documents').map(String),
	};
}

export const ndaAcceptSchema = z.object({
	agree: z.literal('yes', { error: 'Tick the box to accept the agreement' }),
	signerName: singleLine('Full name', 120),
	signerTitle: singleLine('Job title', 120),
	ndaVersion: z.string().max(20),
	textSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const ndaClaimSchema = z.object({
	reference: singleLine('Agreement reference', 200),
	signedOn: z
		.string()
		.refine((value) => value === '' || isRealDate(value), {
			error: 'Signed on must be a real date such as 2025-03-01',
		})
		.refine((value) => value === '' || value <= todayUtc(), {
			error: 'Signed on cannot be in the future',
		})
		.transform((value) => value || null),
});

export function readNdaAcceptForm(form: FormData) {
	return {
		agree: String(form.get('agree') ?? ''),
		signerName: String(form.get('signerName') ?? ''),
		signerTitle: String(form.get('signerTitle') ?? ''),
		ndaVersion: String(form.get('ndaVersion') ?? ''),
		textSha256: String(form.get('textSha256') ?? ''),
	};
}

export function readNdaClaimForm(form: FormData) {
	return {
		reference: String(form.get('reference') ?? ''),
		signedOn: String(form.get('signedOn') ?? ''),
	};
}

export type RequestFormValues = ReturnType<typeof readRequestForm>;
export type NdaAcceptFormValues = ReturnType<typeof readNdaAcceptForm>;
export type NdaClaimFormValues = ReturnType<typeof readNdaClaimForm>;
