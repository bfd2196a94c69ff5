/** Wires the delivery domain to the server: the stamping pool, copy ids and the download gate. */
import type { DeliveryContext, DeliveryResult } from '../server/delivery/downloads.ts';
import { getIncoming } from '../server/platform/incoming.ts';
import { getConfig } from '../server/platform/config.ts';
import { createGate, type Gate, runAndHold } from '../server/platform/gate.ts';
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
 * Downloads in progress at once (checks, log, stamp, and the bytes going out), per process: a few
 * more than the stamping workers, so the workers stay busy while the event loop stays free for
 * pages. The rest wait their turn, in order.
 */
function downloadGate(): Gate {
	return (globals[GATE] ??= createGate(getConfig().stampWorkers + 2));
}

/**
 * A copy going to a slow reader keeps its place in the gate no longer than this: a socket waiting
 * for its reader costs the event loop nothing, and the next copy should not wait behind it.
 */
const SLOW_READER_MS = 2_000;

/**
 * Runs one download inside the gate. A delivered copy keeps its place until its bytes have left
 * the process: sixteen big answers written to sockets at once stall the event loop for tens of
 * milliseconds (a bare node:http server writing 16 × 4.7 MB at once: GET / p99 31–33 ms; four at a
 * time: 15–16 ms, in the same total time), and every page waits behind them. Without the start
 * script's server (astro dev) nothing says when the bytes have left, and the place is freed at once.
 */
export function throughDownloadGate(
	deliver: () => Promise<DeliveryResult>,
): Promise<DeliveryResult> {
	return runAndHold(
		downloadGate(),
		deliver,
		(result) => (result.ok ? getIncoming()?.whenSent() : undefined),
		SLOW_READER_MS,
	);
}
