/** The download gate: a few inside at once, the rest in arrival order, a failure frees its place; a
 * copy keeps its place while it is being sent. */
import { describe, expect, it } from 'vitest';
import { createGate, type Gate, runAndHold } from '../../src/lib/server/platform/gate.ts';

/** Work inside the gate, out as soon as it is done. */
const run = <T>(gate: Gate, work: () => Promise<T>) => runAndHold(gate, work, () => undefined, 0);

const later = () => {
	let open!: () => void;
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { open, opened };
};

describe('createGate', () => {
	it('lets `size` in at once and the rest in the order they came', async () => {
		const gate = createGate(2);
		const entered: number[] = [];
		const doors = Array.from({ length: 5 }, later);
		const runs = doors.map((door, i) =>
			run(gate, async () => {
				entered.push(i);
				await door.opened;
				return i;
			}),
		);
		await new Promise((resolve) => setImmediate(resolve));
		expect(entered).toEqual([0, 1]);
		expect([gate.inside, gate.waiting]).toEqual([2, 3]);
		doors[1]!.open();
		await runs[1];
		await new Promise((resolve) => setImmediate(resolve));
		expect(entered).toEqual([0, 1, 2]);
		for (const door of doors) door.open();
		expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
		expect(entered).toEqual([0, 1, 2, 3, 4]);
		expect([gate.inside, gate.waiting]).toEqual([0, 0]);
	});

	it('frees the place of work that fails, and passes the failure on', async () => {
		const gate = createGate(1);
		await expect(run(gate, async () => Promise.reject(new Error('no database')))).rejects.toThrow(
			'no database',
		);
		expect(await run(gate, async () => 'next')).toBe('next');
		expect(gate.inside).toBe(0);
	});

	it('refuses a size that lets no one in', () => {
		expect(() => createGate(0)).toThrow('a gate needs size ≥ 1, not 0');
	});
});

describe('runAndHold', () => {
	it('keeps the place while the result is still being sent, and frees it after', async () => {
		const gate = createGate(1);
		const sent = later();
		const result = await runAndHold(
			gate,
			async () => 'copy',
			() => sent.opened,
			60_000,
		);
		expect(result).toBe('copy');
		expect(gate.inside).toBe(1);
		let second = false;
		const next = run(gate, async () => (second = true));
		await new Promise((resolve) => setImmediate(resolve));
		expect(second).toBe(false);
		sent.open();
		await next;
		expect(second).toBe(true);
		expect(gate.inside).toBe(0);
	});

	it('frees the place at once when there is nothing to hold, or the work fails', async () => {
		const gate = createGate(1);
		expect(
			await runAndHold(
				gate,
				async () => 'refused',
				() => undefined,
				60_000,
			),
		).toBe('refused');
		expect(gate.inside).toBe(0);
		await expect(
			runAndHold(
				gate,
				async () => Promise.reject(new Error('no database')),
				() => undefined,
				1,
			),
		).rejects.toThrow('no database');
		expect(gate.inside).toBe(0);
	});

	it('gives the place up after maxHoldMs to a reader that never finishes', async () => {
		const gate = createGate(1);
		const never = new Promise<void>(() => {});
		await runAndHold(
			gate,
			async () => 'slow reader',
			() => never,
			30,
		);
		expect(gate.inside).toBe(1);
		expect(await run(gate, async () => 'next in line')).toBe('next in line');
		expect(gate.inside).toBe(0);
	});
});
