/** The two pages that make a staff account from a one-time link: /admin/invite and /admin/setup. */
import type { AstroGlobal } from 'astro';
import {
	acceptInvitation,
	getInvitation,
	readAcceptForm,
	type InvitationPurpose,
} from '../server/auth/invitations.ts';
import { getDatabase } from '../server/platform/database.ts';

const MESSAGES = {
	invalid: 'This link is not valid. Copy the whole link, from the email or the server log.',
	expired: {
		invite: 'This invitation has expired. Ask an admin of this trust center to invite you again.',
		setup:
			'This setup link has expired. Restart the server (npm start) to print a new one, or create an admin with npx trustroom users create.',
	},
	used: {
		invite:
			'This invitation has already been used, or a newer one replaced it. If you made your account, sign in.',
		setup:
			'This setup link has already been used or replaced by a newer one. If you made the admin account, sign in.',
	},
	admin_exists: 'An admin account exists already. Sign in, or ask an admin to invite you.',
} as const;

export interface StaffLinkPage {
	/** Where to go next (the account was made), or null to show the page. */
	redirect: string | null;
	token: string;
	email: string | null;
	problem: string | null;
	values: { email: string; name: string };
	errors: Record<string, string>;
}

/** GET shows the form (the link stays unused); only the form's POST uses it. */
export async function handleStaffLink(
	Astro: AstroGlobal,
	purpose: InvitationPurpose,
	posted: boolean,
): Promise<StaffLinkPage> {
	// The token is in the URL: never send it to another site in a Referer header (and not
	// `no-referrer`: Chromium then sends `Origin: null` on the form's POST, which is refused).
	Astro.response.headers.set('Referrer-Policy', 'same-origin');
	const db = await getDatabase();
	const page: StaffLinkPage = {
		redirect: null,
		token: Astro.url.searchParams.get('token') ?? '',
		email: null,
		problem: null,
		values: { email: '', name: '' },
		errors: {},
	};
	const explain = (reason: keyof typeof MESSAGES) => {
		const message = MESSAGES[reason];
		page.problem = typeof message === 'string' ? message : message[purpose];
		Astro.response.status = 400;
	};
	if (posted) {
		const form = await Astro.request.formData().catch(() => null);
		page.token = String(form?.get('token') ?? '');
		const values = readAcceptForm(form);
		page.values = { email: values.email, name: values.name };
		const result = await acceptInvitation(db, page.token, purpose, values);
		if (result.ok) return { ...page, redirect: '/admin/login?notice=created' };
		if (result.reason !== 'form') {
			explain(result.reason);
			return page;
		}
		page.errors = result.errors;
		Astro.response.status = 400;
	}
	const found = await getInvitation(db, page.token, purpose);
	if (!found.ok) explain(found.reason);
	else page.email = found.email;
	return page;
}
