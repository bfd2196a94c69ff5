/** Wires the delivery domain to the server: the stamping pool and copy ids. */
import type { DeliveryContext } from '../server/delivery/downloads.ts';
import { getConfig } from '../server/platform/config.ts';
import { createGate, type Gate } from '../server/platform/gate.ts';
import { getStampPool } from '../server/watermark/pool.ts';
import { generateCopyId } from '../server/watermark/copy-id.ts';
import type { JourneyContext } from '../server/requests/context.ts';

export function deliveryContext(ctx: JourneyContext): DeliveryContext {
	const config = getConfig();
	const pool = getStampPool({
		workers: config.stampWorkers,
		maxQueue: config.stampQueue,
		timeoutMs: config.stampTimeoutMs,
	});
	return {
		db: ctx.db,
		siteUrl: config.siteUrl,
		companyName: ctx.companyName,
		stamp: (plan, bodyLength, input) => pool.copy(plan, bodyLength, input),
		async prepare(bytes) {
			const result = await pool.prepare(bytes);
			if (!result.ok) {
				const why = result.reason === 'busy' ? 'the stamping workers are busy' : result.message;
				throw new Error(`preparing the version for stamping failed: ${why}`);
			}
			return result.prepared;
		},
		async hash(parts) {
			const result = await pool.hash(parts);
			if (!result.ok) throw new Error('message' in result ? result.message : result.reason);
			return result.sha256;
		},
		generateCopyId,
	};
}

const GATE = Symbol.for('trustroom.downloadGate');
const globals = globalThis as typeof globalThis & { [GATE]?: Gate };

/**
 * Downloads preparing at once (checks, log, stamp), per process: a few more than the stamping
 * workers, so the workers stay busy while a burst of downloads leaves the event loop free for
 * pages. The rest wait their turn, in order; once its bytes are flowing a copy leaves the gate.
 */
export function downloadGate(): Gate {
	return (globals[GATE] ??= createGate(getConfig().stampWorkers + 2));
}
