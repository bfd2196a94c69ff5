CREATE TABLE "stamp_preparations" (
	"version_id" integer PRIMARY KEY NOT NULL,
	"format" integer NOT NULL,
	"plan" jsonb NOT NULL,
	"offsets" "bytea" NOT NULL,
	"body" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stamp_preparations" ADD CONSTRAINT "stamp_preparations_version_id_document_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."document_versions"("id") ON DELETE cascade ON UPDATE no action;