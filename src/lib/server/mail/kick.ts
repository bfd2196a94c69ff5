/**
 * The server's email sender, reachable from routes (bundled apart from the start script) through a
 * global symbol, so a route can ask for prompt delivery after queuing mail.
 */
const KEY = Symbol.for('trustroom.emailSender');
type Holder = { [KEY]?: { kick(): void } };

export function registerEmailSender(sender: { kick(): void }): void {
	(globalThis as Holder)[KEY] = sender;
}

/** Delivers queued email soon; without a running sender (CLI, tests) it does nothing. */
export function kickEmailSender(): void {
	(globalThis as Holder)[KEY]?.kick();
}
