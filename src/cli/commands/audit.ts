/** `trustroom audit verify`: check the hash chain. */
import { validateAuditChain } from '../../lib/server/audit/audit.ts';
import { type Command, withDatabase } from '../command.ts';

export const commands: Record<string, Command> = {
	'audit verify': {
		usage: 'trustroom audit verify',
		options: {},
		run: () =>
			withDatabase(async (handle) => {
				const result = await validateAuditChain(handle.db);
				if (!result.ok) {
					throw new Error(
						`the audit log is broken at event ${result.brokenAt} of ${result.count}: ${result.reason}`,
					);
				}
				console.log(
					`Audit log intact: ${result.count} events, head ${result.headHash.slice(0, 16)}…`,
				);
			}),
	},
};
