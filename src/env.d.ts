declare namespace App {
	interface Locals {
		/** The signed-in staff member, set by middleware from the session cookie; null if none. */
		user: import('./lib/server/auth/users.ts').User | null;
		session: import('./lib/server/auth/auth-session.ts').AuthSession | null;
		/** An admin requires TOTP of all staff and this user has none: every staff page sends them to enrol. */
		mustEnrolTotp: boolean;
		/** The verified requester (a reviewer at a prospect), from their own cookie; null if none. */
		requester: import('./lib/server/auth/requester-session.ts').Requester | null;
		requesterSessionId: string | null;
		/** Who is asking, resolved behind trusted proxies (TRUST_PROXY): key limits and logs on this. */
		client: import('./lib/server/platform/proxy.ts').ClientInfo;
		/** A refusal to render on the problem page (src/pages/problem.astro); null if none. */
		problem: import('./lib/web/problem.ts').Problem | null;
	}
}
