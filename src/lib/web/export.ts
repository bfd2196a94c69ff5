/** A download streamed as it is produced: a log export of any size never sits in memory whole. */
export function streamedDownload(
	lines: AsyncIterable<string>,
	options: { filename: string; contentType: string },
): Response {
	const encoder = new TextEncoder();
	const iterator = lines[Symbol.asyncIterator]();
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = await iterator.next();
			if (next.done) controller.close();
			else controller.enqueue(encoder.encode(next.value));
		},
		async cancel() {
			await iterator.return?.();
		},
	});
	return new Response(body, {
		headers: {
			'Content-Type': options.contentType,
			'Content-Disposition': `attachment; filename="${options.filename}"`,
			// Personal data: no cache may keep it.
			'Cache-Control': 'no-store',
		},
	});
}
