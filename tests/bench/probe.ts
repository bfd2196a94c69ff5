/**
 * A visitor in a process of its own, for the HTTP bench: requests a page one request after another
 * until told to stop, and reports each request's time. Separate from the process receiving the
 * downloads, so that what it measures is the server, not a client busy with the copies it receives.
 *
 * Forked by `http.ts` with the page's URL as argv[2]. One request first, not counted (it opens the
 * connection, which the rest reuse as a browser would); then 'ready'; on the message 'stop' it
 * answers `{ times, cpuSeconds }` (milliseconds, in order; its own CPU time meanwhile) and exits.
 */
import { brotliDecompressSync } from 'node:zlib';
import { call } from './client.ts';

const url = process.argv[2]!;
let running = true;
process.on('message', (message) => {
	if (message === 'stop') running = false;
});
// Asks for the page as a browser does (brotli), reads it and decompresses it.
const get = async (): Promise<number> => {
	const t = performance.now();
	const answer = await call(url, { headers: { 'Accept-Encoding': 'br, gzip' }, keep: true });
	if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}`);
	const page = answer.encoding === 'br' ? brotliDecompressSync(answer.bytes!) : answer.bytes!;
	const elapsed = performance.now() - t;
	if (!page.toString('utf8').includes('</html>')) throw new Error(`${url}: not a whole page`);
	return elapsed;
};
await get();
process.send!('ready');
const times: number[] = [];
const cpu = process.cpuUsage();
while (running) times.push(await get());
const used = process.cpuUsage(cpu);
process.send!({ times, cpuSeconds: (used.user + used.system) / 1e6 }, () => process.exit(0));
