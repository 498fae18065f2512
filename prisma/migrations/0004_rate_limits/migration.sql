-- CreateTable
CREATE TABLE "RateLimitWindow" (
    "bucket" TEXT NOT NULL,
    "used" INTEGER NOT NULL,
    "charged" INTEGER NOT NULL,
    "resetAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RateLimitWindow_pkey" PRIMARY KEY ("bucket")
);

-- CreateIndex
CREATE INDEX "RateLimitWindow_resetAt_idx" ON "RateLimitWindow"("resetAt");

-- Hand-written: every request writes a row here (src/rate-limits/store.ts). The
-- windows are short-lived counters, not records: unlogged, a write skips the
-- WAL (no flush to disk per request). What that costs is acceptable: after a
-- crash of PostgreSQL the table is empty (every budget starts afresh), and
-- standbys do not have it (after a failover, likewise).
ALTER TABLE "RateLimitWindow" SET UNLOGGED;
