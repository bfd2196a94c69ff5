declare namespace App {
	interface Locals {
		/** The signed-in staff member, set by middleware from the session cookie; null if none. */
		user: import('./lib/server/users.ts').User | null;
		session: import('./lib/server/auth-session.ts').AuthSession | null;
	}
}
