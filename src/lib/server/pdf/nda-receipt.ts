/**
 * The PDF receipt a signer gets for an NDA acceptance: the exact agreement text they were shown,
 * then the evidence recorded with the acceptance. Names and companies may be in any script, so it
 * is set in the embedded Unicode fonts of pdf-fonts.ts.
 */
import { marked, type Token, type Tokens } from 'marked';
import { rgb } from 'pdf-lib';
import { sha256Hex } from '../platform/crypto.ts';
import { embedFonts } from './fonts.ts';
import { A4, PdfWriter, unicodeWriterFont } from './writer.ts';

export interface NdaReceiptInput {
	trustCenterName: string;
	ndaTitle: string;
	ndaVersion: string;
	ndaEffectiveDate: string;
	/** Markdown, exactly as shown to the signer. */
	ndaText: string;
	textSha256: string;
	signerName: string;
	signerTitle: string;
	signerCompany: string;
	signerEmail: string;
	ip: string | null;
	userAgent: string | null;
	acceptedAt: Date;
	acceptanceId: number;
}

const MUTED = rgb(0.38, 0.42, 0.48);
const RECEIPT_HEADING = 'NDA acceptance receipt';
const EVIDENCE_HEADER = ['Evidence', 'Recorded value'];

const humanTime = new Intl.DateTimeFormat('en-GB', {
	weekday: 'long',
	day: 'numeric',
	month: 'long',
	year: 'numeric',
	hour: '2-digit',
	minute: '2-digit',
	second: '2-digit',
	hourCycle: 'h23',
	timeZone: 'UTC',
	timeZoneName: 'short',
});

/**
 * Renders the receipt. The same input always gives the same bytes, so a receipt rebuilt later
 * from the stored acceptance is identical to the one that was emailed.
 */
export async function generateNdaReceipt(input: NdaReceiptInput): Promise<Uint8Array> {
	// A receipt certifies that this text is the text with this hash: never print one that is not.
	if (sha256Hex(input.ndaText) !== input.textSha256) {
		throw new Error(
			`NDA version ${input.ndaVersion}: the text does not match the recorded SHA-256 ${input.textSha256}`,
		);
	}
	const blocks = markdownBlocks(input.ndaText);
	const accepted = `${input.acceptedAt.toISOString()}\n${humanTime.format(input.acceptedAt)}`;
	const evidence: string[][] = [
		['Signer', input.signerName],
		['Title', input.signerTitle],
		['Company', input.signerCompany],
		['Email', input.signerEmail],
		['Accepted at (UTC)', accepted],
		['IP address', input.ip ?? 'not recorded'],
		['User agent', input.userAgent ?? 'not recorded'],
		['Agreement', input.ndaTitle],
		['Version', `${input.ndaVersion}, effective ${input.ndaEffectiveDate}`],
		['SHA-256 of the text shown', input.textSha256],
		['Acceptance id', String(input.acceptanceId)],
	];
	const intro =
		`${input.signerName} (${input.signerEmail}) accepted the agreement below for ` +
		`${input.signerCompany} on ${humanTime.format(input.acceptedAt)}. This receipt reproduces ` +
		'the exact text that was shown and the evidence recorded with the acceptance.';
	const version = `Version ${input.ndaVersion} · effective ${input.ndaEffectiveDate}`;
	const closing =
		'The SHA-256 is computed over the UTF-8 bytes of the agreement text exactly as it was shown ' +
		'(its Markdown source). Anyone holding that text can recompute the hash to check this receipt.';
	const footer = `${input.trustCenterName} · NDA acceptance receipt #${input.acceptanceId}`;

	const bold = [
		RECEIPT_HEADING,
		input.ndaTitle,
		'Acceptance',
		...EVIDENCE_HEADER,
		...blocks.flatMap((b) =>
			b.kind === 'heading' ? [b.text] : b.kind === 'table' ? b.header : [],
		),
	];
	// Everything, in case a script only appears in what was declared bold.
	const regular = [
		...bold,
		intro,
		version,
		closing,
		footer,
		'• 0123456789. Page of',
		...evidence.flat(),
		...blocks.flatMap(blockText),
	];

	const w = await PdfWriter.create({
		title: `${RECEIPT_HEADING} #${input.acceptanceId}: ${input.signerName}`,
		author: input.trustCenterName,
		subject: `${input.ndaTitle}, version ${input.ndaVersion}, accepted by ${input.signerName} (${input.signerCompany})`,
		creator: 'Trustroom',
		date: input.acceptedAt,
		footer,
		pageSize: A4,
		fonts: async (pdf) => {
			const fonts = await embedFonts(pdf, { regular, bold });
			const plain = unicodeWriterFont(fonts, 'regular');
			return { regular: plain, bold: unicodeWriterFont(fonts, 'bold'), italic: plain };
		},
	});
	w.pdf.setKeywords([
		'nda-acceptance',
		`acceptance:${input.acceptanceId}`,
		`nda-version:${input.ndaVersion}`,
		`sha256:${input.textSha256}`,
	]);

	w.heading(RECEIPT_HEADING, 1);
	w.text(intro, { gap: 14 });
	w.heading(input.ndaTitle, 2);
	w.text(version, { size: 9, color: MUTED, gap: 10 });
	for (const block of blocks) {
		if (block.kind === 'heading') w.heading(block.text, block.depth <= 2 ? 2 : 3);
		else if (block.kind === 'paragraph')
			w.text(block.text, block.quote ? { indent: 14, color: MUTED } : {});
		else if (block.kind === 'list')
			w.list(block.items, { start: block.start, indent: block.indent });
		else if (block.kind === 'table')
			w.table(
				block.header.map((header) => ({ header, width: 1 })),
				block.rows,
			);
		else w.rule();
	}
	w.rule();
	// Keep the evidence together on one page when it fits on one.
	w.ensure(evidence.length * 22 + 60);
	w.heading('Acceptance', 2);
	w.table(
		[
			{ header: EVIDENCE_HEADER[0]!, width: 1 },
			{ header: EVIDENCE_HEADER[1]!, width: 3 },
		],
		evidence,
	);
	w.text(closing, { size: 9, color: MUTED });
	return w.save();
}

// ---------------------------------------------------------------------------------------------
// Markdown, simply: headings, paragraphs, lists, quotes, tables and rules, with inline markup
// (bold, emphasis, code, links) reduced to its text.

type Block =
	| { kind: 'heading'; depth: number; text: string }
	| { kind: 'paragraph'; text: string; quote: boolean }
	| { kind: 'list'; items: string[]; start: number | undefined; indent: number }
	| { kind: 'table'; header: string[]; rows: string[][] }
	| { kind: 'rule' };

function blockText(block: Block): string[] {
	if (block.kind === 'heading' || block.kind === 'paragraph') return [block.text];
	if (block.kind === 'list') return block.items;
	if (block.kind === 'table') return [...block.header, ...block.rows.flat()];
	return [];
}

function markdownBlocks(markdown: string): Block[] {
	const blocks: Block[] = [];
	const walk = (tokens: Token[], quote: boolean, indent: number) => {
		for (const token of tokens) {
			switch (token.type) {
				case 'heading':
					blocks.push({ kind: 'heading', depth: token.depth, text: inline(token.tokens ?? []) });
					break;
				case 'paragraph':
				case 'text':
					blocks.push({ kind: 'paragraph', text: inline(token.tokens ?? []), quote });
					break;
				case 'code':
					blocks.push({ kind: 'paragraph', text: token.text, quote });
					break;
				case 'html':
					if (stripTags(token.text).trim())
						blocks.push({ kind: 'paragraph', text: stripTags(token.text).trim(), quote });
					break;
				case 'blockquote':
					walk(token.tokens ?? [], true, indent);
					break;
				case 'list':
					list(token as Tokens.List, quote, indent);
					break;
				case 'table': {
					const table = token as Tokens.Table;
					blocks.push({
						kind: 'table',
						header: table.header.map((cell) => inline(cell.tokens)),
						rows: table.rows.map((row) => row.map((cell) => inline(cell.tokens))),
					});
					break;
				}
				case 'hr':
					blocks.push({ kind: 'rule' });
					break;
			}
		}
	};
	// Items are grouped until a nested list interrupts them; numbering carries on after it.
	const list = (token: Tokens.List, quote: boolean, indent: number) => {
		const first = token.ordered ? Number(token.start || 1) : undefined;
		let group: { kind: 'list'; items: string[]; start: number | undefined; indent: number } | null =
			null;
		token.items.forEach((item, i) => {
			const own = item.tokens.filter((t) => t.type !== 'list');
			const text = own
				.map((t) => ('tokens' in t && t.tokens ? inline(t.tokens) : 'text' in t ? t.text : ''))
				.join('\n');
			if (!group) {
				group = {
					kind: 'list',
					items: [],
					start: first === undefined ? undefined : first + i,
					indent,
				};
				blocks.push(group);
			}
			group.items.push(text);
			const nested = item.tokens.filter((t) => t.type === 'list');
			if (nested.length > 0) {
				for (const sub of nested) list(sub as Tokens.List, quote, indent + 18);
				group = null;
			}
		});
	};
	walk(marked.lexer(markdown), false, 0);
	return blocks;
}

function inline(tokens: Token[]): string {
	return tokens
		.map((token): string => {
			switch (token.type) {
				case 'br':
					return '\n';
				case 'html':
					return '';
				case 'link': {
					const text = inline(token.tokens ?? []);
					return token.href && token.href !== text && token.href !== `mailto:${text}`
						? `${text} (${token.href})`
						: text;
				}
				case 'text':
				case 'escape':
				case 'codespan':
					return 'tokens' in token && token.tokens
						? inline(token.tokens)
						: decodeEntities(token.text).replace(/\s*\n\s*/g, ' ');
				default:
					return 'tokens' in token && token.tokens
						? inline(token.tokens)
						: decodeEntities('text' in token ? String(token.text) : '');
			}
		})
		.join('');
}

const ENTITIES: Record<string, string> = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	apos: "'",
	nbsp: '\u00a0',
};

function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
		if (name[0] === '#') {
			const code =
				name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
			return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
		}
		return ENTITIES[name.toLowerCase()] ?? whole;
	});
}

function stripTags(html: string): string {
	return decodeEntities(html.replace(/<[^>]*>/g, ''));
}
