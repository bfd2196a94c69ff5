/** Staff steps over plain HTTP: the first admin from the setup link the server prints, sign-in. */
import { runCli } from './processes.ts';
import { formPost, type ReviewerSite } from './reviewer.ts';

/** The newest first-admin setup link in a server's output, or null. */
export function setupLinkIn(output: string): string | null {
	return (
		[...output.matchAll(/https?:\/\/\S+\/admin\/setup\?token=[A-Za-z0-9_-]{43}/g)].at(-1)?.[0] ??
		null
	);
}

/** Follows the printed setup link: GET shows the form, the POST makes the admin. */
export async function createFirstAdmin(
	site: ReviewerSite,
	output: string,
	admin: { email: string; name: string; password: string },
): Promise<void> {
	const link = setupLinkIn(output);
	if (!link) throw new Error(`no setup link in the server output:\n${output}`);
	const token = new URL(link).searchParams.get('token')!;
	const made = await formPost(site, '/admin/setup', {
		token,
		email: admin.email,
		name: admin.name,
		password: admin.password,
		confirm: admin.password,
	});
	if (made.status !== 303) throw new Error(`setup answered ${made.status}: ${await made.text()}`);
}

/** Signs in with a password (no TOTP); returns the session cookie (`name=value`). */
export async function staffSignIn(
	site: ReviewerSite,
	email: string,
	password: string,
): Promise<string> {
	const signedIn = await formPost(site, '/admin/login', { email, password });
	if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
	return signedIn.headers.get('set-cookie')!.split(';')[0]!;
}

/** `trustroom users create` as a person runs it; the password it prints once. */
export async function createStaffWithCli(
	env: Record<string, string>,
	user: { email: string; name: string; role: 'admin' | 'sales' },
): Promise<string> {
	const created = await runCli(
		['users', 'create', '--email', user.email, '--name', user.name, '--role', user.role],
		env,
	);
	const password = /Password \(shown once.*\): (\S+)/.exec(created.stdout)?.[1];
	if (!password)
		throw new Error(`users create printed no password:\n${created.stdout}${created.stderr}`);
	return password;
}
