/** The NDA in force, accepted in the database directly (domain tests that deliver copies). */
import type { Database } from '../../db/client.ts';
import { ndaAcceptancesTable } from '../../db/schema.ts';
import { getCurrentNdaVersion } from '../../src/lib/server/requests/nda.ts';

export async function acceptNdaInForce(
	db: Database,
	requester: { id: number; name: string; email: string; company: string },
): Promise<void> {
	const current = await getCurrentNdaVersion(db);
	if (!current) throw new Error('no NDA version in force: sync the content first');
	await db.insert(ndaAcceptancesTable).values({
		ndaVersionId: current.id,
		textSha256: current.sha256,
		requesterId: requester.id,
		signerName: requester.name,
		signerTitle: 'CISO',
		company: requester.company,
		email: requester.email,
	});
}
