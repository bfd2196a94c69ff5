import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/server/platform/crypto.ts';
import { generateNdaReceipt, type NdaReceiptInput } from '../../src/lib/server/pdf/nda-receipt.ts';
import { readTrustContent } from '../../src/lib/server/content/reader.ts';
import { hasTool, pdfPagesText, qpdfCheck } from '../helpers/pdf.ts';

const nda = readTrustContent('src/content').ndas.find((n) => n.version === '1.1')!;

function receiptInput(overrides: Partial<NdaReceiptInput> = {}): NdaReceiptInput {
	const ndaText = overrides.ndaText ?? nda.body;
	return {
		trustCenterName: 'Kestrel Analytics Trust Center',
		ndaTitle: nda.title,
		ndaVersion: nda.version,
		ndaEffectiveDate: nda.effectiveDate,
		ndaText,
		textSha256: sha256Hex(ndaText),
		signerName: 'Łukasz Żółć',
		signerTitle: 'Head of Vendor Risk',
		signerCompany: 'Żabka Polska sp. z o.o.',
		signerEmail: 'lukasz.zolc@zabka.example',
		ip: '203.0.113.7',
		userAgent:
			'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
		acceptedAt: new Date('2026-11-23T01:59:22.743Z'),
		acceptanceId: 42,
		...overrides,
	};
}

/** All pages' text with runs of whitespace (layout padding, line ends) collapsed and bidi marks removed. */
function flatText(bytes: Uint8Array): string {
	return pdfPagesText(bytes)
		.join('\n')
		.replace(/[\u202A-\u202E]/g, '')
		.replace(/\s+/g, ' ');
}

/** The NDA's Markdown as plain sentences: markers and bold stripped, soft line breaks joined. */
function ndaSentences(markdown: string): string[] {
	return markdown
		.split(/\n(?=\d+\. )|\n\n/)
		.map((block) =>
			block
				.replace(/^\d+\. /, '')
				.replace(/\*\*/g, '')
				.replace(/\s+/g, ' ')
				.trim(),
		)
		.filter(Boolean);
}

describe('generateNdaReceipt', () => {
	it('makes an A4 PDF that qpdf finds clean', async () => {
		const bytes = await generateNdaReceipt(receiptInput());
		const pdf = await PDFDocument.load(bytes);
		expect(pdf.getPage(0).getSize()).toEqual({ width: 595.28, height: 841.89 });
		if (!hasTool('qpdf')) return;
		expect(qpdfCheck(bytes)).toMatchObject({ status: 0 });
	});

	it('reproduces the NDA text as shown, without Markdown markers', async () => {
		const bytes = await generateNdaReceipt(receiptInput());
		if (!hasTool('pdftotext')) return;
		const text = flatText(bytes);
		expect(text).toContain('NDA acceptance receipt');
		expect(text).toContain(nda.title);
		const sentences = ndaSentences(nda.body);
		expect(sentences.length).toBeGreaterThanOrEqual(8);
		for (const sentence of sentences) expect(text).toContain(sentence);
		expect(text).toContain('1. Confidential information.');
		expect(text).toContain('7. Law.');
		expect(text).not.toContain('**');
	});

	it('records the signer, the time, the connection, the version, the hash and the id', async () => {
		const input = receiptInput();
		const bytes = await generateNdaReceipt(input);
		if (!hasTool('pdftotext')) return;
		const text = flatText(bytes);
		for (const [label, value] of [
			['Signer', 'Łukasz Żółć'],
			['Title', 'Head of Vendor Risk'],
			['Company', 'Żabka Polska sp. z o.o.'],
			['Email', 'lukasz.zolc@zabka.example'],
			['Accepted at (UTC)', '2026-11-23T01:59:22.743Z Monday, 23 November 2026 at 01:59:22 UTC'],
			['IP address', '203.0.113.7'],
			['Version', '1.1, effective 2026-06-01'],
			['Acceptance id', '42'],
		]) {
			expect(text).toContain(`${label} ${value}`);
		}
		expect(text).toContain('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)');
		// The hash is printed whole, on one line, so it can be compared by eye or copied.
		expect(text).toContain(input.textSha256);
		expect(text).toMatch(
			/Kestrel Analytics Trust Center · NDA acceptance receipt #42 Page 1 of \d/,
		);
	});

	it('says so when the IP address and user agent were not recorded', async () => {
		const bytes = await generateNdaReceipt(receiptInput({ ip: null, userAgent: null }));
		if (!hasTool('pdftotext')) return;
		const text = flatText(bytes);
		expect(text).toContain('IP address not recorded');
		expect(text).toContain('User agent not recorded');
	});

	it.each([
		['Greek', 'Ελένη Παπαδοπούλου', 'Αθηναϊκή Τεχνική Α.Ε.'],
		['Cyrillic', 'Дмитрий Иванов', 'ООО «Ромашка»'],
		['Hebrew', 'דוד כהן', 'אלביט מערכות'],
		['Arabic', 'محمد العلي', 'شركة الاتصالات'],
		['Chinese', '张伟', '北京字节跳动科技有限公司'],
		['Japanese', '山田太郎', '株式会社メルカリ'],
		['Korean', '김민준', '삼성전자 주식회사'],
		['mixed', 'Anna 张 Müller', 'José Müller GmbH'],
	])('shows a %s signer and company with real glyphs', async (_script, name, company) => {
		const bytes = await generateNdaReceipt(
			receiptInput({ signerName: name, signerCompany: company }),
		);
		if (!hasTool('pdftotext')) return;
		const text = flatText(bytes);
		expect(text).toContain(`Signer ${name}`);
		expect(text).toContain(company);
		expect(text).not.toContain('\uFFFD');
	});

	it('sets the title, subject, author, producer, keywords and the acceptance time', async () => {
		const bytes = await generateNdaReceipt(receiptInput({ signerName: '张伟' }));
		const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
		expect(pdf.getTitle()).toBe('NDA acceptance receipt #42: 张伟');
		expect(pdf.getSubject()).toBe(
			`${nda.title}, version 1.1, accepted by 张伟 (Żabka Polska sp. z o.o.)`,
		);
		expect(pdf.getAuthor()).toBe('Kestrel Analytics Trust Center');
		expect(pdf.getProducer()).toBe('Trustroom');
		expect(pdf.getCreator()).toBe('Trustroom');
		expect(pdf.getKeywords()).toContain(`sha256:${sha256Hex(nda.body)}`);
		expect(pdf.getCreationDate()?.toISOString()).toBe('2026-11-23T01:59:22.000Z');
	});

	it('gives the same bytes for the same acceptance, so a rebuilt receipt matches the emailed one', async () => {
		const first = await generateNdaReceipt(receiptInput({ signerName: 'محمد العلي' }));
		await generateNdaReceipt(receiptInput({ signerName: 'Ελένη Παπαδοπούλου' }));
		const again = await generateNdaReceipt(receiptInput({ signerName: 'محمد العلي' }));
		expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
	});

	it('refuses to certify text that does not match the recorded hash', async () => {
		await expect(
			generateNdaReceipt({ ...receiptInput(), textSha256: sha256Hex('another text') }),
		).rejects.toThrow(/NDA version 1\.1: the text does not match the recorded SHA-256/);
	});

	it('renders headings, numbered and nested lists, quotes, links and tables', async () => {
		const ndaText = [
			'## Definitions',
			'',
			'3. **Third** clause',
			'4. Fourth clause',
			'   - a nested point with `code`',
			'5. Fifth clause &amp; more',
			'',
			'> Quoted *emphasis*',
			'',
			'See [the policy](https://trust.example/policy).',
			'',
			'| Term | Meaning |',
			'| --- | --- |',
			'| Recipient | You |',
		].join('\n');
		const bytes = await generateNdaReceipt(receiptInput({ ndaText }));
		if (!hasTool('pdftotext')) return;
		const text = flatText(bytes);
		for (const expected of [
			'Definitions',
			'3. Third clause',
			'4. Fourth clause',
			'• a nested point with code',
			'5. Fifth clause & more',
			'Quoted emphasis',
			'See the policy (https://trust.example/policy).',
			'Term Meaning',
			'Recipient You',
		]) {
			expect(text).toContain(expected);
		}
		expect(text).not.toMatch(/\*|&amp;|`/);
	});

	it('numbers every page of a long agreement', async () => {
		const ndaText = Array.from(
			{ length: 60 },
			(_, i) => `${i + 1}. Clause ${i + 1} of a long agreement, with enough words to wrap.`,
		).join('\n');
		const bytes = await generateNdaReceipt(receiptInput({ ndaText }));
		const pages = (await PDFDocument.load(bytes)).getPageCount();
		expect(pages).toBeGreaterThan(1);
		if (!hasTool('pdftotext')) return;
		pdfPagesText(bytes).forEach((page, i) => {
			expect(page).toContain(`Page ${i + 1} of ${pages}`);
		});
		expect(flatText(bytes)).toContain('60. Clause 60 of a long agreement');
	});
});
