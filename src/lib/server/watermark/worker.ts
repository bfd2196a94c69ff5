/**
 * The stamping worker thread (piscina). Loaded by path from the project root, also by the bundled
 * server, so every import here is a relative `.ts` path or a package.
 */
import { move } from 'piscina';
import { measureText } from '../pdf/text-runs.ts';
import { type StampInput, stampPdf } from './stamp.ts';

export interface StampTask {
	bytes: Uint8Array;
	input: StampInput;
}

// Parse the Latin font now, while the thread is idle, not during the first request.
measureText('Confidential', 1);

export default async function stamp({ bytes, input }: StampTask): Promise<Uint8Array> {
	const output = await stampPdf(bytes, input);
	// Hand the buffer back instead of copying it (it must be the whole buffer to be moved).
	const whole =
		output.byteOffset === 0 && output.byteLength === output.buffer.byteLength
			? output
			: output.slice();
	return move(whole) as Uint8Array;
}
