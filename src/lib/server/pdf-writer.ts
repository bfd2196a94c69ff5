/**
 * A small flowing-text layout on top of pdf-lib: headings, paragraphs, bullet lists and wrapped
 * tables over as many pages as they need, with a running footer. Used to make the demo reports
 * and (later) NDA receipts.
 */
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from 'pdf-lib';

export const A4 = { width: 595.28, height: 841.89 } as const;
export const LETTER = { width: 612, height: 792 } as const;

const INK = rgb(0.1, 0.12, 0.16);
const MUTED = rgb(0.38, 0.42, 0.48);
const RULE = rgb(0.78, 0.8, 0.84);
const SHADE = rgb(0.93, 0.94, 0.96);

export interface WriterOptions {
	pageSize?: { width: number; height: number };
	margin?: number;
	/** Left part of the running footer, e.g. "Kestrel Analytics, Inc. · Confidential". */
	footer?: string;
	title: string;
	author: string;
	subject?: string;
}

export class PdfWriter {
	readonly pdf: PDFDocument;
	regular!: PDFFont;
	bold!: PDFFont;
	italic!: PDFFont;
	page!: PDFPage;
	y = 0;
	private readonly options: Required<Omit<WriterOptions, 'subject'>> & { subject?: string };
	private charset = new Set<number>();

	private constructor(pdf: PDFDocument, options: WriterOptions) {
		this.pdf = pdf;
		this.options = { pageSize: A4, margin: 64, footer: '', ...options };
	}

	static async create(options: WriterOptions): Promise<PdfWriter> {
		const pdf = await PDFDocument.create();
		const writer = new PdfWriter(pdf, options);
		writer.regular = await pdf.embedFont(StandardFonts.Helvetica);
		writer.bold = await pdf.embedFont(StandardFonts.HelveticaBold);
		writer.italic = await pdf.embedFont(StandardFonts.HelveticaOblique);
		writer.charset = new Set(writer.regular.getCharacterSet());
		pdf.setTitle(options.title);
		pdf.setAuthor(options.author);
		if (options.subject) pdf.setSubject(options.subject);
		pdf.setProducer('Trustroom');
		pdf.setCreator('Trustroom demo generator');
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

	/** Replaces characters the standard fonts cannot encode (they only cover WinAnsi). */
	safe(text: string): string {
		let out = '';
		for (const ch of text) out += this.charset.has(ch.codePointAt(0) ?? 0) ? ch : '?';
		return out;
	}

	wrap(text: string, font: PDFFont, size: number, width: number): string[] {
		const lines: string[] = [];
		for (const paragraph of this.safe(text).split('\n')) {
			let line = '';
			for (const word of paragraph.split(/\s+/).filter(Boolean)) {
				const candidate = line ? `${line} ${word}` : word;
				if (font.widthOfTextAtSize(candidate, size) <= width || !line) line = candidate;
				else {
					lines.push(line);
					line = word;
				}
			}
			lines.push(line);
		}
		return lines;
	}

	text(
		text: string,
		options: {
			font?: PDFFont;
			size?: number;
			color?: ReturnType<typeof rgb>;
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
			this.page.drawText(line, {
				x: this.left + indent,
				y: this.y,
				size,
				font,
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
		for (const item of items) {
			const lines = this.wrap(item, this.regular, size, this.width - 16);
			lines.forEach((line, index) => {
				this.ensure(size * 1.42);
				this.y -= size * 1.42;
				if (index === 0)
					this.page.drawText('•', {
						x: this.left + 4,
						y: this.y,
						size,
						font: this.regular,
						color: INK,
					});
				this.page.drawText(line, {
					x: this.left + 16,
					y: this.y,
					size,
					font: this.regular,
					color: INK,
				});
			});
			this.y -= 3;
		}
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
		const drawRow = (cells: string[], font: PDFFont, shade: boolean) => {
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
					this.page.drawText(line, {
						x: x + pad,
						y: top - pad - (j + 1) * leading + size * 0.3,
						size,
						font: row.font,
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
				page.drawText(this.safe(this.options.footer), {
					x: this.left,
					y,
					size,
					font: this.regular,
					color: MUTED,
				});
			}
			page.drawText(label, {
				x: this.left + this.width - this.regular.widthOfTextAtSize(label, size),
				y,
				size,
				font: this.regular,
				color: MUTED,
			});
		});
		return this.pdf.save();
	}
}
