/** Responses the endpoints share. */

/** A PDF streamed as it is made (a stamped copy), with its length known up front. */
export function pdfStreamResponse(
	stream: ReadableStream<Uint8Array>,
	byteLength: number,
	options: { filename: string; cacheControl: string; headers?: Record<string, string> },
): Response {
	return new Response(stream as ReadableStream<Uint8Array<ArrayBuffer>>, {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Length': String(byteLength),
			'Content-Disposition': `attachment; filename="${options.filename}"`,
			'Cache-Control': options.cacheControl,
			...options.headers,
		},
	});
}

/** A PDF as a download (`attachment`) or for the browser's viewer (`inline`). */
export function pdfResponse(
	bytes: Uint8Array,
	options: {
		filename: string;
		disposition?: 'attachment' | 'inline';
		cacheControl: string;
		headers?: Record<string, string>;
	},
): Response {
	return new Response(bytes as Uint8Array<ArrayBuffer>, {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Length': String(bytes.byteLength),
			'Content-Disposition': `${options.disposition ?? 'attachment'}; filename="${options.filename}"`,
			'Cache-Control': options.cacheControl,
			...options.headers,
		},
	});
}
