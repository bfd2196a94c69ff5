import type { StampInput } from '../../src/lib/server/watermark/form.ts';

const NAMES: [string, string][] = [
	['Łukasz Żółć', 'Żabka Polska sp. z o.o.'],
	['Jane Doe', 'Acme Inc'],
	['Ana Núñez', 'Telefónica Tech'],
	['Zoë Brontë', 'Haworth Analytics Ltd'],
];
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A different recipient and copy id per round, so no cache can carry a copy over. */
export function benchInput(round: number): StampInput {
	const [name, company] = NAMES[round % NAMES.length]!;
	const id = Array.from({ length: 8 }, (_, i) => ALPHABET[(round * 7 + i * 13) % ALPHABET.length]);
	const copyId = `${id.slice(0, 4).join('')}-${id.slice(4).join('')}`;
	return {
		name,
		email: `${name.split(' ')[0]!.toLowerCase()}@example.com`,
		company,
		issuedAt: new Date(Date.UTC(2026, 10, 22, 14, round % 60)),
		validUntil: new Date('2027-02-20T00:00:00Z'),
		periodStart: '2025-01-01',
		periodEnd: '2025-12-31',
		copyId,
		verifyUrl: `https://trust.example.com/verify/${copyId}`,
		documentTitle: 'SOC 2 Type II report 2025',
	};
}
