/**
 * Cleaning what people type. Text is NFC-normalised; control characters and bidi overrides are
 * removed (they can disguise a name in the log or an email); line breaks are refused in anything
 * that can reach an email header.
 */
import { z } from 'astro/zod';

// C0/C1 controls except tab and newline, and the bidi embedding/override/isolate characters.
const CONTROLS =
	/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

export function cleanText(value: string, options: { multiline?: boolean } = {}): string {
	const text = value.normalize('NFC').replace(CONTROLS, '');
	if (options.multiline)
		return text
			.replace(/\r\n?/g, '\n')
			.replace(/\n{3,}/g, '\n\n')
			.trim();
	return text.replace(/[\t ]+/g, ' ').trim();
}

/** A one-line field: refused (not silently fixed) if it carries a line break. */
export const singleLine = (label: string, max: number) =>
	z
		.string({ error: `${label} is required` })
		.refine((value) => !/[\r\n\u2028\u2029\u0085]/.test(value), {
			error: `${label} must be on one line`,
		})
		.transform((value) => cleanText(value))
		.pipe(
			z
				.string()
				.min(1, { error: `${label} is required` })
				.max(max, { error: `${label} must be at most ${max} characters` }),
		);

export const multiLine = (label: string, max: number) =>
	z
		.string()
		.transform((value) => cleanText(value, { multiline: true }))
		.pipe(z.string().max(max, { error: `${label} must be at most ${max} characters` }));

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An email address, lower-cased; IDN domains must be given in their xn-- form. */
export const emailAddress = (label = 'Work email') =>
	z
		.string({ error: `${label} is required` })
		.refine((value) => !/[\r\n]/.test(value), { error: `${label} must be on one line` })
		.transform((value) => cleanText(value).toLowerCase())
		.pipe(
			z
				.string()
				.min(1, { error: `${label} is required` })
				.max(254, { error: `${label} is too long` })
				.regex(EMAIL, { error: `${label} must be an address such as jane@company.com` }),
		);

export function emailDomain(email: string): string {
	return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** zod issues → { field: first message }, for re-rendering a form next to its fields. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
	const errors: Record<string, string> = {};
	for (const issue of error.issues) {
		const field = String(issue.path[0] ?? 'form');
		errors[field] ??= issue.message;
	}
	return errors;
}
