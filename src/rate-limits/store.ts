// Where rate-limit windows live. A fixed window per bucket, as GitHub's: the
// first charge after a window ended starts the next one, `windowMs` long, and
// every charge in it adds its cost to `used` unless that would pass the limit
// (then nothing is added and the request is refused whole).
//
// Two stores behind one interface, chosen by the database:
// - PostgreSQL: one row per bucket in "RateLimitWindow", updated by ONE atomic
//   `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per charge, so every
//   process on the same server shares each budget and concurrent charges never
//   overspend it (the row lock orders them).
// - The embedded PGlite: a Map in this process. One process at a time can open
//   an embedded database (src/db/data-dir-lock.ts), so the process IS the whole
//   deployment, and a write per request to PGlite (one query at a time for the
//   whole server) would cost every request more than the budget is worth.
//
// Time comes from the caller (the app's clock, which tests move): on
// PostgreSQL the processes' clocks decide when a window ends, so keep them in
// sync (NTP); a skew of a second moves a reset by a second.
import type { Database } from "../db/client.js";

export interface Window {
  /** Points used in the current window (after this charge, when it was accepted). */
  used: number;
  /** When the current window ends. */
  resetAt: Date;
}

export interface Charge extends Window {
  /** Whether the cost was added; false: it would have passed the limit, and nothing was added. */
  accepted: boolean;
}

export interface RateLimitStore {
  /** Adds `cost` to the bucket's current window (starting a window of `windowMs` when none is current) unless `used` would pass `limit`. */
  charge(bucket: string, cost: number, limit: number, windowMs: number, now: Date): Promise<Charge>;
  /** Forgets windows that ended before `now` (they mean nothing any more). */
  sweep(now: Date): Promise<void>;
}

/** The store for this database: shared rows on a PostgreSQL server, this process's memory on the embedded database. */
export function storeFor(db: Pick<Database, "kind" | "exec">): RateLimitStore {
  return db.kind === "postgres" ? new PostgresStore(db.exec) : new MemoryStore();
}

/** The embedded database's store: one process, one Map. JavaScript runs one charge at a time, so each is atomic. */
export class MemoryStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();

  async charge(bucket: string, cost: number, limit: number, windowMs: number, now: Date): Promise<Charge> {
    let window = this.windows.get(bucket);
    if (!window || window.resetAt <= now) {
      window = { used: 0, resetAt: new Date(now.getTime() + windowMs) };
      this.windows.set(bucket, window);
    }
    const accepted = window.used + cost <= limit;
    if (accepted) window.used += cost;
    return { used: window.used, resetAt: window.resetAt, accepted };
  }

  async sweep(now: Date): Promise<void> {
    for (const [bucket, window] of this.windows) if (window.resetAt <= now) this.windows.delete(bucket);
  }

  /** Buckets held (tests: the sweep forgets ended windows). */
  get size(): number {
    return this.windows.size;
  }
}

/**
 * One statement per charge. A new bucket is inserted with the cost (or 0 when
 * the cost alone passes the limit); an existing one whose window ended starts
 * a new window the same way; a current one adds the cost only when it fits.
 * `charged` records what this statement added, so RETURNING tells an accepted
 * charge from a refused one (RETURNING sees only the new row).
 */
const CHARGE = `
INSERT INTO "RateLimitWindow" AS w (bucket, used, charged, "resetAt")
VALUES ($1,
  CASE WHEN $2::bigint <= $3::bigint THEN $2::bigint ELSE 0 END,
  CASE WHEN $2::bigint <= $3::bigint THEN $2::bigint ELSE 0 END,
  $5::timestamptz)
ON CONFLICT (bucket) DO UPDATE SET
  used = CASE WHEN w."resetAt" <= $4::timestamptz THEN EXCLUDED.used
              WHEN w.used + $2::bigint <= $3::bigint THEN w.used + $2::bigint
              ELSE w.used END,
  charged = CASE WHEN w."resetAt" <= $4::timestamptz THEN EXCLUDED.charged
                 WHEN w.used + $2::bigint <= $3::bigint THEN $2::bigint
                 ELSE 0 END,
  "resetAt" = CASE WHEN w."resetAt" <= $4::timestamptz THEN EXCLUDED."resetAt" ELSE w."resetAt" END
RETURNING used, charged, "resetAt"`;

const SWEEP = `DELETE FROM "RateLimitWindow" WHERE "resetAt" <= $1::timestamptz`;

/**
 * A PostgreSQL server's store. Statements go straight to the driver (db.exec),
 * not through Prisma: not counted by the SQL counter, which counts the
 * statements of a request's own work (tests assert them per request on both
 * databases; this one is a fixed one per request, on PostgreSQL only).
 */
export class PostgresStore implements RateLimitStore {
  constructor(private readonly exec: Database["exec"]) {}

  async charge(bucket: string, cost: number, limit: number, windowMs: number, now: Date): Promise<Charge> {
    const rows = await this.exec.query(CHARGE, [bucket, cost, limit, now, new Date(now.getTime() + windowMs)]);
    const row = rows[0] as { used: number; charged: number; resetAt: Date | string };
    // Every charge costs at least 1 (src/rate-limits/service.ts), so 0 added means refused.
    return { used: row.used, resetAt: new Date(row.resetAt), accepted: row.charged > 0 };
  }

  async sweep(now: Date): Promise<void> {
    await this.exec.query(SWEEP, [now]);
  }
}
