CREATE TABLE "emails" (
	"id" serial PRIMARY KEY NOT NULL,
	"template" text NOT NULL,
	"to" text NOT NULL,
	"from" text NOT NULL,
	"subject" text NOT NULL,
	"html" text NOT NULL,
	"text" text NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"provider_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "nda_claims" (
	"id" serial PRIMARY KEY NOT NULL,
	"request_id" integer NOT NULL,
	"requester_id" integer NOT NULL,
	"reference" text NOT NULL,
	"signed_on" date,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by" integer,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "company" text;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "title" text;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "ip" "inet";--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "rule_id" integer;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "grant_id" integer;--> statement-breakpoint
ALTER TABLE "nda_claims" ADD CONSTRAINT "nda_claims_request_id_access_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."access_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nda_claims" ADD CONSTRAINT "nda_claims_requester_id_requesters_id_fk" FOREIGN KEY ("requester_id") REFERENCES "public"."requesters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nda_claims" ADD CONSTRAINT "nda_claims_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "emails_idempotency_key_idx" ON "emails" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "emails_status_next_idx" ON "emails" USING btree ("status","next_attempt_at");