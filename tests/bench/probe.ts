/**
 * Visitors in a process of their own, for the HTTP bench: requests a page, one request at a time,
 * a new one starting `gap` ms after the last began (or as soon as it ends, if later), until told to
 * stop, and reports each request's time. Separate from the process receiving the downloads, so
 * that what it measures is the server, not a client busy with the copies it receives; paced, so
 * that it measures the page while 16 downloads run rather than a page load test of its own on the
 * same two cores (back to back it takes a core-fifth of the machine).
 *
 * Forked by `http.ts` with the page's URL as argv[2] and the gap in ms as argv[3]. One request
 * first, not counted (it opens the connection, which the rest reuse as a browser would); then
 * 'ready'; on 'stop' it answers `{ times, cpuSeconds }` (milliseconds, in order; its own CPU time
 * meanwhile) and exits.
 */
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliDecompressSync } from 'node:zlib';
import { keptAlive } from './client.ts';

const url = process.argv[2]!;
const gap = Number(process.argv[3] ?? 0);
if (process.env.BENCH_PROBE_NICE) setPriority(Number(process.env.BENCH_PROBE_NICE));
let running = true;
process.on('message', (message) => {
	if (message === 'stop') running = false;
});
// Asks for the page as a browser does (brotli) over one kept-alive connection. The first answer
// is decompressed and checked to be a whole page; later ones must be the same bytes (the server
// keeps one compressed form), which costs a comparison instead of a decompression each time.
const client = keptAlive(url, { 'Accept-Encoding': 'br, gzip' });
let expected: Buffer | null = null;
const get = async (): Promise<number> => {
	const t = performance.now();
	const answer = await client.get();
	const elapsed = performance.now() - t;
	if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}`);
	if (expected) {
		if (!answer.bytes!.equals(expected)) throw new Error(`${url}: the page changed`);
		return elapsed;
	}
	const page = answer.encoding === 'br' ? brotliDecompressSync(answer.bytes!) : answer.bytes!;
	if (!page.toString('utf8').includes('</html>')) throw new Error(`${url}: not a whole page`);
	expected = Buffer.from(answer.bytes!);
	return elapsed;
};
await get();
process.send!('ready');
const times: number[] = [];
const cpu = process.cpuUsage();
while (running) {
	const started = performance.now();
	times.push(await get());
	const wait = started + gap - performance.now();
	if (wait > 0) await sleep(wait);
}
const used = process.cpuUsage(cpu);
process.send!({ times, cpuSeconds: (used.user + used.system) / 1e6 }, () => process.exit(0));
