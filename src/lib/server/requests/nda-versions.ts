/**
 * NDA versions from the staff workspace: publishing a new one (the next access asks for it), the
 * history with how many accepted each, and the evidence of any acceptance.
 */
import { z } from 'astro/zod';
import { and, count, desc, eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client.ts';
import { ndaAcceptancesTable, ndaVersionsTable } from '../../../../db/schema.ts';
import { isRealDate, todayUtc } from '../../content/dates.ts';
import { appendAuditEvent } from '../audit/audit.ts';
import { sha256Hex } from '../platform/crypto.ts';
import { cleanText, fieldErrors, singleLine } from '../platform/input.ts';

export async function listNdaVersions(db: Database, now = new Date()) {
	const rows = await db
		.select({
			id: ndaVersionsTable.id,
			version: ndaVersionsTable.version,
			title: ndaVersionsTable.title,
			effectiveDate: ndaVersionsTable.effectiveDate,
			sha256: ndaVersionsTable.sha256,
			publishedBy: ndaVersionsTable.publishedBy,
			createdAt: ndaVersionsTable.createdAt,
			acceptances: count(ndaAcceptancesTable.id),
		})
		.from(ndaVersionsTable)
		.leftJoin(ndaAcceptancesTable, eq(ndaAcceptancesTable.ndaVersionId, ndaVersionsTable.id))
		.groupBy(ndaVersionsTable.id)
		.orderBy(desc(ndaVersionsTable.effectiveDate), desc(ndaVersionsTable.id));
	const today = todayUtc(now);
	const current = rows.find((r) => r.effectiveDate <= today);
	return rows.map((r) => ({
		...r,
		acceptances: Number(r.acceptances),
		status:
			r.effectiveDate > today
				? ('scheduled' as const)
				: r === current
					? ('current' as const)
					: ('superseded' as const),
	}));
}

export async function getNdaVersion(db: Database, id: number) {
	const [version] = await db.select().from(ndaVersionsTable).where(eq(ndaVersionsTable.id, id));
	if (!version) return null;
	const acceptances = await db
		.select({
			id: ndaAcceptancesTable.id,
			signerName: ndaAcceptancesTable.signerName,
			signerTitle: ndaAcceptancesTable.signerTitle,
			company: ndaAcceptancesTable.company,
			email: ndaAcceptancesTable.email,
			acceptedAt: ndaAcceptancesTable.acceptedAt,
		})
		.from(ndaAcceptancesTable)
		.where(eq(ndaAcceptancesTable.ndaVersionId, id))
		.orderBy(desc(ndaAcceptancesTable.acceptedAt));
	return { version, acceptances };
}

/** One acceptance's evidence, exactly as recorded (the row is append-only). */
export async function getNdaAcceptance(db: Database, id: number) {
	const [row] = await db
		.select({ acceptance: ndaAcceptancesTable, nda: ndaVersionsTable })
		.from(ndaAcceptancesTable)
		.innerJoin(ndaVersionsTable, eq(ndaVersionsTable.id, ndaAcceptancesTable.ndaVersionId))
		.where(eq(ndaAcceptancesTable.id, id));
	if (!row) return null;
	// The text signed is the version's text; the stored hash proves which text it was.
	return { ...row, textMatches: sha256Hex(row.nda.text) === row.acceptance.textSha256 };
}

const publishSchema = z.object({
	version: z
		.string()
		.trim()
		.regex(/^\d{1,4}(?:\.\d{1,4}){0,3}$/, { error: 'Version must look like 2.1 or 3' }),
	title: singleLine('Title', 200),
	effectiveDate: z
		.string()
		.refine(isRealDate, { error: 'Effective date must be a real date such as 2027-01-01' }),
	text: z
		.string()
		.transform((value) => cleanText(value, { multiline: true }))
		.pipe(
			z
				.string()
				.min(200, { error: 'The agreement text looks too short (at least 200 characters)' })
				.max(100_000, { error: 'The agreement text must be at most 100,000 characters' }),
		),
});

export function readNdaPublishForm(form: FormData) {
	return {
		version: String(form.get('version') ?? ''),
		title: String(form.get('title') ?? ''),
		effectiveDate: String(form.get('effectiveDate') ?? ''),
		text: String(form.get('text') ?? ''),
	};
}

export type PublishNdaResult =
	{ ok: true; id: number } | { ok: false; errors: Record<string, string> };

/**
 * Publishes a new NDA version. It can never change afterwards (signers accepted its exact text),
 * so a version number is used once; it takes effect on its date, today at the earliest.
 */
export async function publishNdaVersion(
	db: Database,
	values: ReturnType<typeof readNdaPublishForm>,
	publisher: { id: number },
	now = new Date(),
): Promise<PublishNdaResult> {
	const parsed = publishSchema.safeParse(values);
	if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
	const input = parsed.data;
	if (input.effectiveDate < todayUtc(now))
		return { ok: false, errors: { effectiveDate: 'Effective date cannot be in the past' } };
	const sha256 = sha256Hex(input.text);
	return db.transaction(async (tx) => {
		const [inserted] = await tx
			.insert(ndaVersionsTable)
			.values({
				version: input.version,
				title: input.title,
				effectiveDate: input.effectiveDate,
				text: input.text,
				sha256,
				publishedBy: publisher.id,
				createdAt: now,
			})
			// A version number already used (maybe by a double submit) is refused, not overwritten.
			.onConflictDoNothing({ target: ndaVersionsTable.version })
			.returning({ id: ndaVersionsTable.id });
		if (!inserted) {
			const [same] = await tx
				.select({ id: ndaVersionsTable.id })
				.from(ndaVersionsTable)
				.where(
					and(eq(ndaVersionsTable.version, input.version), eq(ndaVersionsTable.sha256, sha256)),
				);
			if (same) return { ok: true, id: same.id };
			return {
				ok: false,
				errors: { version: `Version ${input.version} is already published; use a new number` },
			};
		}
		await appendAuditEvent(tx, {
			type: 'nda.version_published',
			actor: `user:${publisher.id}`,
			subject: `nda:${input.version}`,
			data: { sha256, effectiveDate: input.effectiveDate, title: input.title },
		});
		return { ok: true, id: inserted.id };
	});
}
