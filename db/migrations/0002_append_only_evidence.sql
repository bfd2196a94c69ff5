-- Evidence tables are append-only: NDA acceptances are legal evidence and the audit log is a hash
-- chain, so the database itself refuses to change or remove their rows.
CREATE OR REPLACE FUNCTION trustroom_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'rows of % are append-only: they cannot be changed or deleted', TG_TABLE_NAME;
END
$$;
--> statement-breakpoint
CREATE TRIGGER nda_acceptances_append_only BEFORE UPDATE OR DELETE ON nda_acceptances
	FOR EACH ROW EXECUTE FUNCTION trustroom_forbid_change();
--> statement-breakpoint
CREATE TRIGGER nda_acceptances_no_truncate BEFORE TRUNCATE ON nda_acceptances
	FOR EACH STATEMENT EXECUTE FUNCTION trustroom_forbid_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
	FOR EACH ROW EXECUTE FUNCTION trustroom_forbid_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
	FOR EACH STATEMENT EXECUTE FUNCTION trustroom_forbid_change();
