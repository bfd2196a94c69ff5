/** Reading the local outbox the server writes when RESEND_API_KEY is unset. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OutboxEmail {
	to: string;
	from: string;
	subject: string;
	html: string;
	text: string;
	template?: string;
	attachments: { filename: string; contentType: string; contentBase64: string }[];
}

export function readOutbox(dir: string): OutboxEmail[] {
	let names: string[] = [];
	try {
		names = readdirSync(dir)
			.filter((n) => n.endsWith('.json'))
			.sort();
	} catch {
		return [];
	}
	return names.map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as OutboxEmail);
}

/**
 * Waits (bounded) until an email matching `match` is in the outbox; with `after`, until there are
 * more matching emails than that (a new one, not one that was already there).
 */
export async function waitForEmail(
	dir: string,
	match: (email: OutboxEmail) => boolean,
	options: { after?: number; timeoutMs?: number } = {},
): Promise<OutboxEmail> {
	const timeoutMs = options.timeoutMs ?? 20_000;
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const matching = readOutbox(dir).filter(match);
		if (matching.length > (options.after ?? 0)) return matching.at(-1)!;
		if (Date.now() > deadline) {
			throw new Error(
				`No matching email within ${timeoutMs} ms; outbox has: ${
					readOutbox(dir)
						.map((e) => `${e.to}: ${e.subject}`)
						.join('; ') || 'nothing'
				}`,
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

export function countEmails(dir: string, match: (email: OutboxEmail) => boolean): number {
	return readOutbox(dir).filter(match).length;
}
