/** What every step of the requester's journey needs: the database, the config, the company. */
import type { Database } from '../../../../db/client.ts';
import type { Config } from '../platform/config.ts';

export interface JourneyContext {
	db: Database;
	config: Config;
	/** The company whose trust center this is, for emails ("Kestrel Analytics"). */
	companyName: string;
	/** A PNG or JPEG logo under the site, for the head of every email (null: the name alone). */
	companyLogo?: string | null;
	/** NDA titles by version, from the content (the database keeps only the text). */
	ndaTitles?: Record<string, string>;
	now?: Date;
}

/** Where a request came from, as recorded in the evidence and the audit log. */
export interface RequestMeta {
	ip: string | null;
	userAgent: string | null;
	/** The browser's fetch metadata (Sec-Fetch-Mode, Sec-Fetch-Dest, Sec-Purpose), when sent. */
	fetch?: { mode: string | null; dest: string | null; purpose: string | null };
}

export const trustCenterName = (ctx: JourneyContext) => `${ctx.companyName} Trust Center`;

export const siteLink = (ctx: JourneyContext, path: string) => `${ctx.config.siteUrl}${path}`;

export const ndaTitle = (ctx: JourneyContext, version: string) =>
	ctx.ndaTitles?.[version] ?? `${ctx.companyName} NDA`;
