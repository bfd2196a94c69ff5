/** Publishing NDA versions from the staff workspace, and what a new version asks of reviewers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../db/client.ts';
import { auditEventsTable, ndaAcceptancesTable, requestersTable } from '../../../db/schema.ts';
import { readTrustContent } from '../../../src/lib/server/content/reader.ts';
import { syncContent } from '../../../src/lib/server/content/sync.ts';
import { createUser } from '../../../src/lib/server/auth/users.ts';
import { getCurrentNdaVersion, verifyNdaOnFile } from '../../../src/lib/server/requests/nda.ts';
import {
	getNdaAcceptance,
	listNdaVersions,
	publishNdaVersion,
} from '../../../src/lib/server/requests/nda-versions.ts';
import { databases } from '../../helpers/db.ts';

const content = readTrustContent('src/content');
const TEXT = `# Mutual NDA\n\n${'Each party keeps the other party’s confidential information secret. '.repeat(8)}`;
const NOW = new Date('2026-12-01T12:00:00Z');

describe.each(databases())('NDA versions on %s', (backend) => {
	let handle: DatabaseHandle;
	let admin: { id: number };
	let requesterId: number;
	beforeAll(async () => {
		handle = await backend.open();
		await syncContent(handle.db, content);
		const created = await createUser(
			handle.db,
			{ email: 'a@kestrel.example', name: 'Ada', role: 'admin' },
			'test',
		);
		if (!created.ok) throw new Error(created.reason);
		admin = created.user;
		const [r] = await handle.db
			.insert(requestersTable)
			.values({ email: 'r@acme.example', name: 'R', company: 'Acme' })
			.returning();
		requesterId = r!.id;
		const current = (await getCurrentNdaVersion(handle.db, NOW))!;
		await handle.db.insert(ndaAcceptancesTable).values({
			ndaVersionId: current.id,
			textSha256: current.sha256,
			requesterId,
			signerName: 'R',
			signerTitle: 'CISO',
			company: 'Acme',
			email: 'r@acme.example',
		});
	});
	afterAll(() => handle.close());

	const values = (overrides: Record<string, string> = {}) => ({
		version: '9.0',
		title: 'Mutual non-disclosure agreement',
		effectiveDate: '2026-12-15',
		text: TEXT,
		...overrides,
	});

	it.each([
		[{ version: 'two' }, 'version', 'Version must look like 2.1 or 3'],
		[
			{ effectiveDate: '2026-02-30' },
			'effectiveDate',
			'Effective date must be a real date such as 2027-01-01',
		],
		[{ effectiveDate: '2026-11-30' }, 'effectiveDate', 'Effective date cannot be in the past'],
		[
			{ text: 'Too short.' },
			'text',
			'The agreement text looks too short (at least 200 characters)',
		],
		[{ title: 'Two\nlines' }, 'title', 'Title must be on one line'],
	])('refuses %j with a message on the field', async (bad, field, message) => {
		const result = await publishNdaVersion(handle.db, values(bad), admin, NOW);
		expect(result).toEqual({ ok: false, errors: { [field]: message } });
	});

	it('schedules a version for its date; until then the old one stays in force', async () => {
		const result = await publishNdaVersion(handle.db, values(), admin, NOW);
		expect(result.ok).toBe(true);
		const list = await listNdaVersions(handle.db, NOW);
		expect(list[0]).toMatchObject({ version: '9.0', status: 'scheduled', acceptances: 0 });
		expect(list.find((v) => v.status === 'current')?.acceptances).toBe(1);
		expect(await verifyNdaOnFile(handle.db, requesterId, NOW)).toBe(true);
		// From its date, everyone must accept the new one.
		const later = new Date('2026-12-16T00:00:00Z');
		expect((await getCurrentNdaVersion(handle.db, later))?.version).toBe('9.0');
		expect(await verifyNdaOnFile(handle.db, requesterId, later)).toBe(false);
	});

	it('never reuses a version number for other text, and treats a double submit as the first', async () => {
		const again = await publishNdaVersion(handle.db, values(), admin, NOW);
		expect(again.ok).toBe(true);
		const other = await publishNdaVersion(
			handle.db,
			values({ text: `${TEXT} Changed.` }),
			admin,
			NOW,
		);
		expect(other).toEqual({
			ok: false,
			errors: { version: 'Version 9.0 is already published; use a new number' },
		});
		const published = (await handle.db.select().from(auditEventsTable)).filter(
			(e) => e.subject === 'nda:9.0',
		);
		expect(published).toHaveLength(1);
	});

	it('shows an acceptance’s evidence and that its hash matches the text', async () => {
		const [acceptance] = await handle.db.select().from(ndaAcceptancesTable);
		const evidence = await getNdaAcceptance(handle.db, acceptance!.id);
		expect(evidence).toMatchObject({
			textMatches: true,
			acceptance: { signerName: 'R', email: 'r@acme.example' },
		});
	});
});
