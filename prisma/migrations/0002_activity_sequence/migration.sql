-- DropIndex
DROP INDEX "ActivityLog_projectId_createdAt_idx";

-- DropIndex
DROP INDEX "ActivityLog_environmentId_createdAt_idx";

-- AlterTable
ALTER TABLE "ActivityLog" ADD COLUMN     "seq" SERIAL NOT NULL;

-- CreateIndex
CREATE INDEX "ActivityLog_projectId_createdAt_seq_idx" ON "ActivityLog"("projectId", "createdAt", "seq");

-- CreateIndex
CREATE INDEX "ActivityLog_environmentId_createdAt_seq_idx" ON "ActivityLog"("environmentId", "createdAt", "seq");


-- Hand-written: annotation lists read the newest few per environment; this
-- index lets PostgreSQL stop after the page instead of sorting them all.
CREATE INDEX "Annotation_environmentId_live_dateMarker_idx" ON "Annotation" ("environmentId", "dateMarker" DESC NULLS LAST, id DESC) WHERE NOT deleted;
