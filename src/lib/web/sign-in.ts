/** What the staff sign-in pages share: the limits from the config, and the refusal texts. */
import type { SignInLimits } from '../server/auth/sign-in.ts';
import { getConfig } from '../server/platform/config.ts';

export function signInLimits(): SignInLimits {
	const config = getConfig();
	return { perAccount: config.signInLimitPerAccount, perIp: config.signInLimitPerIp };
}

export function tooManySignIns(retryAfterSeconds: number): string {
	const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
	return `Too many sign-in attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'}, then try again.`;
}
