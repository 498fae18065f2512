-- Hand-written: an environment's annotation list merges its own annotations
-- (read from "Annotation_environmentId_live_dateMarker_idx") with its
-- organization's ORGANIZATION-scoped ones. This index gives the second branch
-- the list's order too, so each branch stops after the page instead of
-- reading and sorting every organization-scoped annotation.
CREATE INDEX "Annotation_organization_scoped_dateMarker_idx" ON "Annotation" ("organizationId", "dateMarker" DESC NULLS LAST, id DESC)
  WHERE scope = 'organization' AND NOT deleted;
