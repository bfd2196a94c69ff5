/**
 * A small flowing-text layout on top of pdf-lib: headings, paragraphs, lists and wrapped tables
 * over as many pages as they need, with a running footer. Used to make the demo reports (standard
 * fonts) and NDA receipts (embedded Unicode fonts, see pdf-fonts.ts).
 */
import { type Color, PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from 'pdf-lib';
import type { EmbeddedFonts } from './fonts.ts';
import type { FontStyle } from './font-faces.ts';

export const A4 = { width: 595.28, height: 841.89 } as const;
export const LETTER = { width: 612, height: 792 } as const;

const INK = rgb(0.1, 0.12, 0.16);
const MUTED = rgb(0.38, 0.42, 0.48);
const RULE = rgb(0.78, 0.8, 0.84);
const SHADE = rgb(0.93, 0.94, 0.96);

/** What the writer needs from a font: widths, drawing one line, and what it can show. */
export interface WriterFont {
	widthOfTextAtSize(text: string, size: number): number;
	drawText(
		page: PDFPage,
		text: string,
		options: { x: number; y: number; size: number; color: Color },
	): void;
	/** `text` with the characters this font cannot draw replaced, so wrapping measures what is drawn. */
	safe(text: string): string;
}

export interface WriterFonts {
	regular: WriterFont;
	bold: WriterFont;
	italic: WriterFont;
}

/** A standard PDF font; it covers WinAnsi only, so anything else is drawn as "?". */
export function standardWriterFont(font: PDFFont): WriterFont {
	const charset = new Set(font.getCharacterSet());
	return {
		widthOfTextAtSize: (text, size) => font.widthOfTextAtSize(text, size),
		drawText: (page, text, { x, y, size, color }) =>
			page.drawText(text, { x, y, size, font, color }),
		safe(text) {
			let out = '';
			for (const ch of text) out += charset.has(ch.codePointAt(0) ?? 0) ? ch : '?';
			return out;
		},
	};
}

/** Embedded Unicode fonts in one style (there is no italic: it maps to regular). */
export function unicodeWriterFont(fonts: EmbeddedFonts, style: FontStyle): WriterFont {
	return {
		widthOfTextAtSize: (text, size) => fonts.widthOfTextAtSize(text, size, style),
		drawText: (page, text, options) => {
			fonts.drawText(page, text, { ...options, style });
		},
		safe: (text) => text, // unknown characters become U+FFFD when measured and drawn
	};
}

export interface WriterOptions {
	pageSize?: { width: number; height: number };
	margin?: number;
	/** Left part of the running footer, e.g. "Kestrel Analytics, Inc. · Confidential". */
	footer?: string;
	title: string;
	author: string;
	subject?: string;
	creator?: string;
	/** Creation and modification date; fixing it makes the same content give the same bytes. */
	date?: Date;
	/** Fonts other than Helvetica, e.g. `unicodeWriterFont` over `embedFonts(pdf, …)`. */
	fonts?: (pdf: PDFDocument) => Promise<WriterFonts>;
}

type ResolvedOptions = Required<Pick<WriterOptions, 'pageSize' | 'margin' | 'footer'>> &
	WriterOptions;

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

export class PdfWriter {
	readonly pdf: PDFDocument;
	regular!: WriterFont;
	bold!: WriterFont;
	italic!: WriterFont;
	page!: PDFPage;
	y = 0;
	private readonly options: ResolvedOptions;

	private constructor(pdf: PDFDocument, options: WriterOptions) {
		this.pdf = pdf;
		this.options = { pageSize: A4, margin: 64, footer: '', ...options };
	}

	static async create(options: WriterOptions): Promise<PdfWriter> {
		const pdf = await PDFDocument.create();
		const writer = new PdfWriter(pdf, options);
		const fonts = options.fonts
			? await options.fonts(pdf)
			: {
					regular: standardWriterFont(await pdf.embedFont(StandardFonts.Helvetica)),
					bold: standardWriterFont(await pdf.embedFont(StandardFonts.HelveticaBold)),
					italic: standardWriterFont(await pdf.embedFont(StandardFonts.HelveticaOblique)),
				};
		writer.regular = fonts.regular;
		writer.bold = fonts.bold;
		writer.italic = fonts.italic;
		pdf.setTitle(options.title);
		pdf.setAuthor(options.author);
		if (options.subject) pdf.setSubject(options.subject);
		pdf.setProducer('Trustroom');
		pdf.setCreator(options.creator ?? 'Trustroom demo generator');
		if (options.date) {
			pdf.setCreationDate(options.date);
			pdf.setModificationDate(options.date);
		}
		writer.newPage();
		return writer;
	}

	get width(): number {
		return this.options.pageSize.width - 2 * this.options.margin;
	}

	get left(): number {
		return this.options.margin;
	}

	newPage(): void {
		this.page = this.pdf.addPage([this.options.pageSize.width, this.options.pageSize.height]);
		this.y = this.options.pageSize.height - this.options.margin;
	}

	/** Starts a new page unless `height` points still fit above the footer. */
	ensure(height: number): void {
		if (this.y - height < this.options.margin + 24) this.newPage();
	}

	space(points: number): void {
		this.y -= points;
	}

	/** Replaces characters the regular font cannot draw. */
	safe(text: string): string {
		return this.regular.safe(text);
	}

	/** Breaks at spaces; a word wider than the line (a hash, a URL, CJK) breaks between characters. */
	wrap(text: string, font: WriterFont, size: number, width: number): string[] {
		const fits = (candidate: string) => font.widthOfTextAtSize(candidate, size) <= width;
		const lines: string[] = [];
		for (const paragraph of font.safe(text).split('\n')) {
			let line = '';
			for (const word of paragraph.split(/\s+/).filter(Boolean)) {
				const candidate = line ? `${line} ${word}` : word;
				if (fits(candidate)) line = candidate;
				else if (fits(word)) {
					if (line) lines.push(line);
					line = word;
				} else {
					// Fill the current line with as much of the long word as fits, then continue.
					let rest = line ? `${line} ` : '';
					for (const { segment } of graphemes.segment(word)) {
						if (fits(rest + segment) || rest === '') rest += segment;
						else {
							lines.push(rest.trimEnd());
							rest = segment;
						}
					}
					line = rest;
				}
			}
			lines.push(line);
		}
		return lines;
	}

	text(
		text: string,
		options: {
			font?: WriterFont;
			size?: number;
			color?: Color;
			indent?: number;
			gap?: number;
		} = {},
	): void {
		const font = options.font ?? this.regular;
		const size = options.size ?? 10.5;
		const indent = options.indent ?? 0;
		const leading = size * 1.42;
		for (const line of this.wrap(text, font, size, this.width - indent)) {
			this.ensure(leading);
			this.y -= leading;
			font.drawText(this.page, line, {
				x: this.left + indent,
				y: this.y,
				size,
				color: options.color ?? INK,
			});
		}
		this.y -= options.gap ?? size * 0.7;
	}

	heading(text: string, level: 1 | 2 | 3 = 1): void {
		const size = level === 1 ? 17 : level === 2 ? 13.5 : 11.5;
		this.ensure(size * 4);
		this.space(level === 1 ? 10 : 6);
		this.text(text, { font: this.bold, size, gap: level === 1 ? 10 : 6 });
	}

	bullets(items: string[], size = 10.5): void {
		this.list(items, { size });
	}

	/** A bulleted list, or a numbered one from `start`; `indent` nests it. */
	list(items: string[], options: { size?: number; start?: number; indent?: number } = {}): void {
		const { size = 10.5, start, indent = 0 } = options;
		const markers = items.map((_, i) => (start === undefined ? '•' : `${start + i}.`));
		const hang =
			Math.max(16, ...markers.map((m) => this.regular.widthOfTextAtSize(m, size) + 8)) + indent;
		items.forEach((item, i) => {
			const lines = this.wrap(item, this.regular, size, this.width - hang);
			lines.forEach((line, index) => {
				this.ensure(size * 1.42);
				this.y -= size * 1.42;
				if (index === 0)
					this.regular.drawText(this.page, markers[i]!, {
						x: this.left + indent + 4,
						y: this.y,
						size,
						color: INK,
					});
				this.regular.drawText(this.page, line, {
					x: this.left + hang,
					y: this.y,
					size,
					color: INK,
				});
			});
			this.y -= 3;
		});
		this.y -= size * 0.5;
	}

	rule(): void {
		this.ensure(10);
		this.y -= 6;
		this.page.drawLine({
			start: { x: this.left, y: this.y },
			end: { x: this.left + this.width, y: this.y },
			thickness: 0.6,
			color: RULE,
		});
		this.y -= 8;
	}

	/** A table whose rows wrap and continue across pages, repeating the header row. */
	table(columns: { header: string; width: number }[], rows: string[][], size = 8.8): void {
		const total = columns.reduce((sum, c) => sum + c.width, 0);
		const widths = columns.map((c) => (c.width / total) * this.width);
		const pad = 4;
		const leading = size * 1.35;
		const drawRow = (cells: string[], font: WriterFont, shade: boolean) => {
			const wrapped = cells.map((cell, i) =>
				this.wrap(cell, font, size, (widths[i] ?? 0) - 2 * pad),
			);
			const height = Math.max(...wrapped.map((l) => l.length)) * leading + 2 * pad;
			return { wrapped, height, font, shade };
		};
		const header = drawRow(
			columns.map((c) => c.header),
			this.bold,
			true,
		);
		const paint = (row: ReturnType<typeof drawRow>) => {
			const top = this.y;
			if (row.shade) {
				this.page.drawRectangle({
					x: this.left,
					y: top - row.height,
					width: this.width,
					height: row.height,
					color: SHADE,
				});
			}
			let x = this.left;
			row.wrapped.forEach((lines, i) => {
				lines.forEach((line, j) => {
					row.font.drawText(this.page, line, {
						x: x + pad,
						y: top - pad - (j + 1) * leading + size * 0.3,
						size,
						color: INK,
					});
				});
				x += widths[i] ?? 0;
			});
			this.page.drawLine({
				start: { x: this.left, y: top - row.height },
				end: { x: this.left + this.width, y: top - row.height },
				thickness: 0.4,
				color: RULE,
			});
			this.y -= row.height;
		};
		this.ensure(header.height + leading * 3);
		paint(header);
		for (const cells of rows) {
			const row = drawRow(cells, this.regular, false);
			if (this.y - row.height < this.options.margin + 24) {
				this.newPage();
				paint(header);
			}
			paint(row);
		}
		this.y -= 10;
	}

	/** Draws "footer · Page n of N" on every page, then serialises. */
	async save(): Promise<Uint8Array> {
		const pages = this.pdf.getPages();
		pages.forEach((page, index) => {
			const label = `Page ${index + 1} of ${pages.length}`;
			const size = 8;
			const y = this.options.margin / 2;
			if (this.options.footer) {
				this.regular.drawText(page, this.safe(this.options.footer), {
					x: this.left,
					y,
					size,
					color: MUTED,
				});
			}
			this.regular.drawText(page, label, {
				x: this.left + this.width - this.regular.widthOfTextAtSize(label, size),
				y,
				size,
				color: MUTED,
			});
		});
		return this.pdf.save();
	}
}
