/**
 * A gate: at most `size` callers inside at once, the rest waiting in arrival order (FIFO), each
 * waiting at no cost to the event loop. A burst of downloads then has only a few of them doing
 * their JavaScript (request, queries, log) at any moment, and the pages in between are answered in
 * their turn instead of behind all of the burst's work.
 */
export interface Gate {
	run<T>(work: () => Promise<T>): Promise<T>;
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
	return {
		async run(work) {
			if (inside < size) inside++;
			else await new Promise<void>((resolve) => queue.push(resolve));
			try {
				return await work();
			} finally {
				leave();
			}
		},
		get inside() {
			return inside;
		},
		get waiting() {
			return queue.length;
		},
	};
}
