/** `trustroom requests list|approve|deny`: staff decisions from the shell. */
import { ACCESS_REQUEST_STATES } from '../../../db/schema.ts';
import { approveRequest, denyRequest } from '../../lib/server/requests/decisions.ts';
import { listRequests } from '../../lib/server/requests/requests.ts';
import {
	type Command,
	optionalCount,
	requestId,
	UsageError,
	withDatabase,
	withJourney,
} from '../command.ts';

export const commands: Record<string, Command> = {
	'requests list': {
		usage:
			'trustroom requests list [--state unverified|verified|nda_accepted|pending|approved|denied|expired]',
		options: { state: { type: 'string' } },
		run: (values) =>
			withDatabase(async (handle) => {
				const state = values.state as string | undefined;
				if (state && !ACCESS_REQUEST_STATES.includes(state as never)) {
					throw new UsageError(`--state must be one of ${ACCESS_REQUEST_STATES.join(', ')}`);
				}
				const rows = await listRequests(handle.db, { state: state as never });
				if (rows.length === 0) console.log(state ? `No ${state} requests.` : 'No requests yet.');
				for (const r of rows) {
					console.log(
						`#${r.id} ${r.state.padEnd(12)} ${r.createdAt.toISOString().slice(0, 16).replace('T', ' ')}  ${r.name} <${r.email}>, ${r.title ?? ''} at ${r.company ?? ''}: ${r.documents.join(', ')}${r.reason ? `\n      reason: ${r.reason.replace(/\s+/g, ' ')}` : ''}`,
					);
				}
			}),
	},
	'requests approve': {
		usage: 'trustroom requests approve <id> [--days N] [--downloads N]',
		options: { days: { type: 'string' }, downloads: { type: 'string' } },
		positionals: ['the request id (see trustroom requests list)'],
		run: (values, [id]) =>
			withJourney(async (ctx) => {
				const result = await approveRequest(ctx, requestId(id), {
					actor: 'cli',
					grantDays: optionalCount(values, 'days'),
					downloadCap: optionalCount(values, 'downloads'),
				});
				if (!result.ok) throw new Error(decisionError(id!, result));
				console.log(
					`Approved request #${id}: grant ${result.grantId}. The requester is emailed a link to ${ctx.config.siteUrl}/portal.`,
				);
			}),
	},
	'requests deny': {
		usage: 'trustroom requests deny <id> [--note TEXT]',
		options: { note: { type: 'string' } },
		positionals: ['the request id (see trustroom requests list)'],
		run: (values, [id]) =>
			withJourney(async (ctx) => {
				const result = await denyRequest(ctx, requestId(id), {
					actor: 'cli',
					note: (values.note as string) ?? null,
				});
				if (!result.ok) throw new Error(decisionError(id!, result));
				console.log(`Declined request #${id}. The requester sees "we will be in touch".`);
			}),
	},
};

function decisionError(
	id: string,
	result: { reason: 'not_found' | 'not_pending' | 'no_claim' | 'no_documents'; state?: string },
): string {
	if (result.reason === 'not_found') return `no request #${id}; see trustroom requests list`;
	if (result.reason === 'not_pending')
		return `request #${id} is ${result.state?.replace('_', ' ')}, not waiting for review; only pending requests can be decided`;
	return `request #${id} asks for no document that can be granted`;
}
