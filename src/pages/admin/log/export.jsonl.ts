import type { APIRoute } from 'astro';
import { exportAccessLog } from '../../../lib/server/audit/access-log-export.ts';
import { getDatabase } from '../../../lib/server/platform/database.ts';
import { streamedDownload } from '../../../lib/web/export.ts';
import { requireStaff } from '../../../lib/web/staff.ts';

export const prerender = false;

export const GET: APIRoute = async (context) => {
	const guard = requireStaff(context, 'log.export');
	if (!guard.ok) return guard.response;
	const exported = await exportAccessLog(await getDatabase(), context.url.searchParams, {
		format: 'jsonl',
		actor: `user:${guard.user.id}`,
		ip: context.locals.client.address,
	});
	return streamedDownload(exported.lines, exported);
};
