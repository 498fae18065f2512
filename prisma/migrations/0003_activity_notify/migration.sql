-- Hand-written: live activity (subscription `activityCreated`).
-- Every new activity entry sends a NOTIFY on channel "activity_created" with a
-- small JSON payload (ids only, far under PostgreSQL's 8000-byte limit):
--   {"id": "<uuid>", "organizationId": "<uuid>", "projectId": 1, "environmentId": 1}
-- NOTIFY is transactional: listeners hear it only when the inserting
-- transaction commits, and never for a rolled-back one. Listeners (see
-- src/domain/activity/live.ts) load the entry itself by id.
CREATE OR REPLACE FUNCTION "activity_log_notify"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('activity_created', json_build_object(
    'id', NEW."id",
    'organizationId', NEW."organizationId",
    'projectId', NEW."projectId",
    'environmentId', NEW."environmentId"
  )::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "ActivityLog_notify"
  AFTER INSERT ON "ActivityLog"
  FOR EACH ROW EXECUTE FUNCTION "activity_log_notify"();
