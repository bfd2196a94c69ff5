ALTER TABLE "nda_versions" ADD COLUMN "title" text;--> statement-breakpoint
ALTER TABLE "nda_versions" ADD COLUMN "published_by" integer;--> statement-breakpoint
ALTER TABLE "nda_versions" ADD CONSTRAINT "nda_versions_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;