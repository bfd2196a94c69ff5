ALTER TABLE "share_links" ADD COLUMN "form_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "share_links_form_key_idx" ON "share_links" USING btree ("created_by","form_key");