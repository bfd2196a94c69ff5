/**
 * A gate: at most `size` callers inside at once, the rest waiting in arrival order (FIFO), each
 * waiting at no cost to the event loop. A burst of downloads then has only a few of them doing
 * their work (queries, log, stamp, the bytes going out) at any moment, and the pages in between are
 * answered in their turn instead of behind all of the burst.
 */
export interface Gate {
	/** Waits for a place and returns the way out: call it once the place is no longer needed
	 * (later calls do nothing). */
	enter(): Promise<() => void>;
	/** Callers inside and waiting, for tests and logs. */
	readonly inside: number;
	readonly waiting: number;
}

export function createGate(size: number): Gate {
	if (!Number.isInteger(size) || size < 1) throw new Error(`a gate needs size ≥ 1, not ${size}`);
	let inside = 0;
	const queue: (() => void)[] = [];
	const leave = () => {
		const next = queue.shift();
		if (next) next();
		else inside--;
	};
	const enter = async () => {
		if (inside < size) inside++;
		else await new Promise<void>((resolve) => queue.push(resolve));
		let left = false;
		return () => {
			if (left) return;
			left = true;
			leave();
		};
	};
	return {
		enter,
		get inside() {
			return inside;
		},
		get waiting() {
			return queue.length;
		},
	};
}

/**
 * Runs `work` inside `gate`, and keeps its place afterwards while `holdFor(result)` is pending
 * (undefined: leave at once), but no longer than `maxHoldMs`: for work whose result goes on costing
 * the process after it returns, such as a big answer still being written to its socket.
 */
export async function runAndHold<T>(
	gate: Gate,
	work: () => Promise<T>,
	holdFor: (result: T) => Promise<unknown> | undefined,
	maxHoldMs: number,
): Promise<T> {
	const leave = await gate.enter();
	let result: T;
	let hold: Promise<unknown> | undefined;
	try {
		result = await work();
		hold = holdFor(result);
	} catch (error) {
		leave();
		throw error;
	}
	if (!hold) {
		leave();
		return result;
	}
	const timer = setTimeout(leave, maxHoldMs);
	timer.unref();
	const done = () => {
		clearTimeout(timer);
		leave();
	};
	hold.then(done, done);
	return result;
}
