/**
 * Every table Trustroom keeps, in one place (drizzle only: no runtime logic here).
 * Later features add columns and tables through new migrations, never by editing old ones.
 */
import { sql } from 'drizzle-orm';
import {
	bigint,
	customType,
	date,
	index,
	inet,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	serial,
	text,
	timestamp,
	uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Raw bytes (PDFs). Confidential files live only here, never on disk under public/ or dist/. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
	dataType: () => 'bytea',
	fromDriver: (value) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const usersTable = pgTable(
	'users',
	{
		id: serial('id').primaryKey(),
		email: text('email').notNull(),
		name: text('name').notNull(),
		role: text('role', { enum: ['admin', 'sales'] }).notNull(),
		passwordHash: text('password_hash').notNull(),
		disabledAt: timestamp('disabled_at', { withTimezone: true }),
		/** The TOTP key once confirmed (null: no second step). The server must read it to check codes. */
		totpKey: bytea('totp_key'),
		/** A key shown for enrolment, not yet confirmed with a code. */
		totpPendingKey: bytea('totp_pending_key'),
		/** The last TOTP time step accepted, so a code cannot be used twice. */
		totpLastCounter: bigint('totp_last_counter', { mode: 'number' }),
		lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex('users_email_idx').on(t.email)],
);

/**
 * The half-signed-in state between a right password and a TOTP code: not a session (it opens no
 * page), short-lived, used once. Same token design as sessions: only the secret's SHA-256 is kept.
 */
export const signInChallengesTable = pgTable(
	'sign_in_challenges',
	{
		id: text('id').primaryKey(),
		secretHash: bytea('secret_hash').notNull(),
		userId: integer('user_id')
			.notNull()
			.references(() => usersTable.id, { onDelete: 'cascade' }),
		attempts: integer('attempts').notNull().default(0),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		createdAt: createdAt(),
	},
	(t) => [index('sign_in_challenges_user_idx').on(t.userId)],
);

/**
 * One-time links that make a staff account: an admin's invitation (email and role fixed) or the
 * first-admin setup link printed at start (email null: the person types it). Only the hash is kept.
 */
export const staffInvitationsTable = pgTable(
	'staff_invitations',
	{
		id: serial('id').primaryKey(),
		tokenHash: bytea('token_hash').notNull(),
		purpose: text('purpose', { enum: ['invite', 'setup'] }).notNull(),
		email: text('email'),
		role: text('role', { enum: ['admin', 'sales'] }).notNull(),
		invitedBy: integer('invited_by').references(() => usersTable.id),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true }),
		/** Replaced by a newer invitation to the same address, or withdrawn. */
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		userId: integer('user_id').references(() => usersTable.id),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex('staff_invitations_hash_idx').on(t.tokenHash)],
);

/** Lucia's design: the id is public, only the SHA-256 of the secret is stored. */
export const authSessionsTable = pgTable(
	'auth_sessions',
	{
		id: text('id').primaryKey(),
		secretHash: bytea('secret_hash').notNull(),
		userId: integer('user_id')
			.notNull()
			.references(() => usersTable.id, { onDelete: 'cascade' }),
		createdAt: createdAt(),
		lastVerifiedAt: timestamp('last_verified_at', { withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const requestersTable = pgTable(
	'requesters',
	{
		id: serial('id').primaryKey(),
		/** Lower-cased, NFC-normalised; the identity a grant is bound to. */
		email: text('email').notNull(),
		name: text('name').notNull(),
		company: text('company').notNull(),
		title: text('title'),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex('requesters_email_idx').on(t.email)],
);

export const requesterSessionsTable = pgTable(
	'requester_sessions',
	{
		id: text('id').primaryKey(),
		secretHash: bytea('secret_hash').notNull(),
		requesterId: integer('requester_id')
			.notNull()
			.references(() => requestersTable.id, { onDelete: 'cascade' }),
		createdAt: createdAt(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
	},
	(t) => [index('requester_sessions_requester_idx').on(t.requesterId)],
);

export const ACCESS_REQUEST_STATES = [
	'unverified',
	'verified',
	'nda_accepted',
	'pending',
	'approved',
	'denied',
	'expired',
] as const;

export const accessRequestsTable = pgTable(
	'access_requests',
	{
		id: serial('id').primaryKey(),
		requesterId: integer('requester_id')
			.notNull()
			.references(() => requestersTable.id),
		state: text('state', { enum: ACCESS_REQUEST_STATES }).notNull().default('unverified'),
		/** Document slugs asked for. */
		documentSlugs: jsonb('document_slugs').$type<string[]>().notNull(),
		reason: text('reason'),
		/**
		 * Name, company and title as typed on this request. They reach the requester row (and so the
		 * stamp) only when this request's link is confirmed: typing them proves nothing.
		 */
		name: text('name'),
		company: text('company'),
		title: text('title'),
		ip: inet('ip'),
		userAgent: text('user_agent'),
		/** The approval rule that decided it, if one did. */
		ruleId: integer('rule_id'),
		grantId: integer('grant_id'),
		shareLinkId: integer('share_link_id'),
		decidedBy: integer('decided_by').references(() => usersTable.id),
		decidedAt: timestamp('decided_at', { withTimezone: true }),
		decisionNote: text('decision_note'),
		createdAt: createdAt(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		index('access_requests_requester_idx').on(t.requesterId),
		index('access_requests_state_idx').on(t.state),
	],
);

/** Magic links and other single-use grants: only the hash is kept. */
export const oneTimeTokensTable = pgTable(
	'one_time_tokens',
	{
		id: serial('id').primaryKey(),
		tokenHash: bytea('token_hash').notNull(),
		purpose: text('purpose').notNull(),
		requestId: integer('request_id').references(() => accessRequestsTable.id, {
			onDelete: 'cascade',
		}),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true }),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex('one_time_tokens_hash_idx').on(t.tokenHash)],
);

export const ndaVersionsTable = pgTable(
	'nda_versions',
	{
		id: serial('id').primaryKey(),
		version: text('version').notNull(),
		/** As shown to signers ("Mutual non-disclosure agreement"); null only for rows made before titles were kept. */
		title: text('title'),
		effectiveDate: date('effective_date', { mode: 'string' }).notNull(),
		text: text('text').notNull(),
		/** SHA-256 (hex) of `text`, exactly as shown to signers. */
		sha256: text('sha256').notNull(),
		/** The admin who published it from the staff workspace; null for versions from src/content/nda. */
		publishedBy: integer('published_by').references(() => usersTable.id),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex('nda_versions_version_idx').on(t.version)],
);

/** Evidence of a click-through: rows are only ever inserted. */
export const ndaAcceptancesTable = pgTable('nda_acceptances', {
	id: serial('id').primaryKey(),
	ndaVersionId: integer('nda_version_id')
		.notNull()
		.references(() => ndaVersionsTable.id),
	textSha256: text('text_sha256').notNull(),
	requesterId: integer('requester_id')
		.notNull()
		.references(() => requestersTable.id),
	requestId: integer('request_id').references(() => accessRequestsTable.id),
	signerName: text('signer_name').notNull(),
	signerTitle: text('signer_title').notNull(),
	company: text('company').notNull(),
	email: text('email').notNull(),
	ip: inet('ip'),
	userAgent: text('user_agent'),
	acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
});

export const approvalRulesTable = pgTable('approval_rules', {
	id: serial('id').primaryKey(),
	/** `example.com` (exact) or `*.example.com` (any subdomain). */
	domainPattern: text('domain_pattern').notNull(),
	action: text('action', { enum: ['approve', 'review', 'deny'] }).notNull(),
	priority: integer('priority').notNull().default(100),
	grantDays: integer('grant_days'),
	downloadCap: integer('download_cap'),
	expiresAt: timestamp('expires_at', { withTimezone: true }),
	createdBy: integer('created_by').references(() => usersTable.id),
	createdAt: createdAt(),
});

export const documentsTable = pgTable(
	'documents',
	{
		id: serial('id').primaryKey(),
		/** Matches the report's id in src/content/reports. */
		slug: text('slug').notNull(),
		kind: text('kind').notNull(),
		title: text('title').notNull(),
		accessLevel: text('access_level', { enum: ['public', 'nda', 'approval'] }).notNull(),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex('documents_slug_idx').on(t.slug)],
);

export const documentVersionsTable = pgTable(
	'document_versions',
	{
		id: serial('id').primaryKey(),
		documentId: integer('document_id')
			.notNull()
			.references(() => documentsTable.id),
		bytes: bytea('bytes').notNull(),
		byteLength: integer('byte_length').notNull(),
		sha256: text('sha256').notNull(),
		pages: integer('pages').notNull(),
		filename: text('filename').notNull(),
		periodStart: date('period_start', { mode: 'string' }),
		periodEnd: date('period_end', { mode: 'string' }),
		supersededBy: integer('superseded_by'),
		uploadedBy: integer('uploaded_by').references(() => usersTable.id),
		createdAt: createdAt(),
	},
	(t) => [index('document_versions_document_idx').on(t.documentId)],
);

/**
 * A version prepared for copy-speed stamping (src/lib/server/watermark/prepare.ts): its objects
 * serialised once, with the pages pointing at per-copy watermark forms. One per version; a
 * preparation of an older `format` is made again on first use.
 */
export const stampPreparationsTable = pgTable('stamp_preparations', {
	versionId: integer('version_id')
		.primaryKey()
		.references(() => documentVersionsTable.id, { onDelete: 'cascade' }),
	format: integer('format').notNull(),
	/** The plan without its offsets (StampPlan). */
	plan: jsonb('plan').$type<Record<string, unknown>>().notNull(),
	/** Where each object starts in the body, by object number: float64, little-endian. */
	offsets: bytea('offsets').notNull(),
	body: bytea('body').notNull(),
	createdAt: createdAt(),
});

export const grantsTable = pgTable(
	'grants',
	{
		id: serial('id').primaryKey(),
		requesterId: integer('requester_id')
			.notNull()
			.references(() => requestersTable.id),
		requestId: integer('request_id').references(() => accessRequestsTable.id),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		downloadCap: integer('download_cap'),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		revokedBy: integer('revoked_by').references(() => usersTable.id),
		createdBy: integer('created_by').references(() => usersTable.id),
		createdAt: createdAt(),
	},
	(t) => [index('grants_requester_idx').on(t.requesterId)],
);

export const grantDocumentsTable = pgTable(
	'grant_documents',
	{
		grantId: integer('grant_id')
			.notNull()
			.references(() => grantsTable.id, { onDelete: 'cascade' }),
		documentId: integer('document_id')
			.notNull()
			.references(() => documentsTable.id),
	},
	(t) => [primaryKey({ columns: [t.grantId, t.documentId] })],
);

export const shareLinksTable = pgTable(
	'share_links',
	{
		id: serial('id').primaryKey(),
		/** The public half of the `<tokenId>.<secret>` token; only the secret's SHA-256 is kept. */
		tokenId: text('token_id'),
		tokenHash: bytea('token_hash').notNull(),
		createdBy: integer('created_by')
			.notNull()
			.references(() => usersTable.id),
		boundEmail: text('bound_email'),
		boundDomain: text('bound_domain'),
		documentSlugs: jsonb('document_slugs').$type<string[]>().notNull(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		maxUses: integer('max_uses').notNull(),
		uses: integer('uses').notNull().default(0),
		/** "An NDA is on file with this company", as the rep stated it: the prospect skips the click-through. */
		ndaOnFileReference: text('nda_on_file_reference'),
		firstOpenedAt: timestamp('first_opened_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		revokedBy: integer('revoked_by').references(() => usersTable.id),
		/** The creating form's one-time key: the same form sent twice (reload, double click) makes one link. */
		formKey: text('form_key'),
		createdAt: createdAt(),
	},
	(t) => [
		uniqueIndex('share_links_hash_idx').on(t.tokenHash),
		uniqueIndex('share_links_form_key_idx').on(t.createdBy, t.formKey),
		uniqueIndex('share_links_token_id_idx').on(t.tokenId),
		index('share_links_created_by_idx').on(t.createdBy),
	],
);

export const downloadsTable = pgTable(
	'downloads',
	{
		id: serial('id').primaryKey(),
		/** Printed on every page of the copy, e.g. 7F3K-Q9MD. */
		copyId: text('copy_id').notNull(),
		grantId: integer('grant_id')
			.notNull()
			.references(() => grantsTable.id),
		documentVersionId: integer('document_version_id')
			.notNull()
			.references(() => documentVersionsTable.id),
		requesterId: integer('requester_id')
			.notNull()
			.references(() => requestersTable.id),
		status: text('status', { enum: ['started', 'served', 'failed'] })
			.notNull()
			.default('started'),
		ip: inet('ip'),
		userAgent: text('user_agent'),
		outputSha256: text('output_sha256'),
		createdAt: createdAt(),
	},
	(t) => [
		uniqueIndex('downloads_copy_id_idx').on(t.copyId),
		index('downloads_grant_idx').on(t.grantId),
	],
);

/** Append-only, hash-chained: each row's hash covers the previous row's hash. */
export const auditEventsTable = pgTable('audit_events', {
	seq: bigint('seq', { mode: 'number' }).primaryKey(),
	at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
	type: text('type').notNull(),
	actor: text('actor').notNull(),
	subject: text('subject'),
	data: jsonb('data')
		.$type<Record<string, unknown>>()
		.notNull()
		.default(sql`'{}'::jsonb`),
	prevHash: text('prev_hash').notNull(),
	hash: text('hash').notNull(),
});

export const settingsTable = pgTable('settings', {
	key: text('key').primaryKey(),
	value: jsonb('value').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Buckets of rate-limiter-flexible's Drizzle store, shared by every instance. */
export const rateLimitsTable = pgTable('rate_limits', {
	key: text('key').primaryKey(),
	points: integer('points').notNull().default(0),
	expire: timestamp('expire', { withTimezone: true }),
});

export const EMAIL_STATUSES = ['pending', 'sent', 'failed'] as const;

/**
 * The transactional outbox: an email is written in the same transaction as the change it reports,
 * then delivered (with retries) by the sender. A provider outage delays mail but loses none.
 */
export const emailsTable = pgTable(
	'emails',
	{
		id: serial('id').primaryKey(),
		template: text('template').notNull(),
		to: text('to').notNull(),
		from: text('from').notNull(),
		subject: text('subject').notNull(),
		html: text('html').notNull(),
		text: text('text').notNull(),
		/** [{ filename, contentType, contentBase64 }] */
		attachments: jsonb('attachments')
			.$type<{ filename: string; contentType: string; contentBase64: string }[]>()
			.notNull()
			.default(sql`'[]'::jsonb`),
		/** Sent as Resend's Idempotency-Key, so a retry after a lost answer never sends twice. */
		idempotencyKey: text('idempotency_key').notNull(),
		status: text('status', { enum: EMAIL_STATUSES }).notNull().default('pending'),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
		lastError: text('last_error'),
		providerId: text('provider_id'),
		/** Replies go here (a rep sending a share link), not to the trust center's address. */
		replyTo: text('reply_to'),
		/** `slack`: a message for SLACK_WEBHOOK_URL (`text` is what is posted), not an email. */
		channel: text('channel', { enum: ['email', 'slack'] })
			.notNull()
			.default('email'),
		createdAt: createdAt(),
		sentAt: timestamp('sent_at', { withTimezone: true }),
	},
	(t) => [
		uniqueIndex('emails_idempotency_key_idx').on(t.idempotencyKey),
		index('emails_status_next_idx').on(t.status, t.nextAttemptAt),
	],
);

/** "We already have an NDA/MSA with you": staff confirm the claim instead of a click-through. */
export const ndaClaimsTable = pgTable('nda_claims', {
	id: serial('id').primaryKey(),
	requestId: integer('request_id')
		.notNull()
		.references(() => accessRequestsTable.id),
	requesterId: integer('requester_id')
		.notNull()
		.references(() => requestersTable.id),
	reference: text('reference').notNull(),
	signedOn: date('signed_on', { mode: 'string' }),
	status: text('status', { enum: ['pending', 'confirmed', 'rejected'] })
		.notNull()
		.default('pending'),
	decidedBy: integer('decided_by').references(() => usersTable.id),
	decidedAt: timestamp('decided_at', { withTimezone: true }),
	createdAt: createdAt(),
});
