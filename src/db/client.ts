// Opens the database: an embedded PGlite (the default; files under DATA_DIR,
// or in memory) or a PostgreSQL server named by DATABASE_URL. Both are reached
// through a Prisma driver adapter, so the rest of the code cannot tell them apart.
import { mkdirSync } from "node:fs";
import { dirname, relative } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient, type Prisma } from "../generated/prisma/client.js";
import { SqlCounter, countingAdapter } from "./sql-counter.js";
import { isStalePreparedStatement, PreparedStatements } from "./prepared-statements.js";
import { applyMigrations, type SqlExecutor } from "./migrate.js";
import { lockDataDir, type LockHolder } from "./data-dir-lock.js";

export type { PrismaClient };

/** A connection pool's state: its size limit, the connections open, those idle, and the requests waiting for one. */
export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

export type DatabaseTarget =
  | { kind: "postgres"; url: string; poolSize?: number; preparedStatements?: number }
  | { kind: "pglite"; dataDir?: string /* undefined = in memory */; loadDataDir?: Blob; sharedBuffers?: string };

/**
 * PostgreSQL's buffer cache inside the embedded database (PGLITE_SHARED_BUFFERS). PostgreSQL's default, 128 MB, is
 * allocated in PGlite's Wasm memory and touched as it fills: measured, the server's RSS at ready is ~290 MB with it and
 * ~165 MB with 16 MB, and ~350 vs ~200 MB after reading the benchmark's data (35 MB on disk). A page that is not in the
 * cache is read from the data directory's file, which the OS keeps cached: cheap at this size.
 */
export const DEFAULT_PGLITE_SHARED_BUFFERS = "16MB";

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseTarget["kind"];
  /** Counts every SQL statement sent through Prisma (tests, benchmark). */
  counter: SqlCounter;
  /**
   * Runs one parameterized read straight through the driver, counted like
   * Prisma's statements. For the hottest reads (pages of connections, rows by
   * id): Prisma's raw-query path costs more CPU per row than the query itself.
   * Rows come back as the driver parses them: the same JS types as Prisma's for
   * this schema (timestamptz → Date, json → value, int → number, arrays).
   */
  sql<T>(query: Prisma.Sql): Promise<T[]>;
  /** Runs a multi-statement SQL script outside Prisma (migrations). */
  exec: SqlExecutor;
  /** Answers true when the database accepts a query (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** The PGlite instance when embedded (tests dump it to clone fresh databases). */
  pglite?: PGlite;
  /** The connections in use and waited for right now (metrics, src/observability/metrics.ts). */
  poolStats?(): PoolStats;
  /** The PostgreSQL server's URL (not when embedded): live activity LISTENs on a connection of its own. */
  url?: string;
}

const TIMESTAMPTZ_OID = 1184;
const parseDefaultTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, "text");

/** The digit at `i` of `s`, NaN when it is not one. */
const digitAt = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const twoDigitsAt = (s: string, i: number): number => digitAt(s, i) * 10 + digitAt(s, i + 1);

/**
 * PostgreSQL's `2026-11-29 21:30:38.123+00` (fraction of 1–6 digits, offset `±HH` or `±HH:MM`) as a Date, read
 * digit by digit: about three times faster than V8's ISO parser and twelve times faster than pg's regex-based one,
 * and a nested read parses thousands of them. Anything else (BC dates, years before 100 or after 9999, offsets with
 * seconds, infinity) goes to pg's parser. Sub-millisecond digits are cut, as pg and V8 cut them.
 */
export function parseTimestamptz(value: string): Date {
  const n = value.length;
  const shaped = n >= 22 && value[4] === "-" && value[7] === "-" && value[10] === " " && value[13] === ":" && value[16] === ":";
  const year = shaped ? twoDigitsAt(value, 0) * 100 + twoDigitsAt(value, 2) : Number.NaN;
  // Date.UTC reads years 0–99 as 1900–1999.
  if (!(year >= 100)) return parseDefaultTimestamptz(value) as Date;
  let i = 19;
  let microseconds = 0;
  if (value[i] === ".") {
    const start = ++i;
    for (let scale = 100_000; i < n && i - start < 6; scale /= 10, i += 1) {
      const digit = digitAt(value, i);
      if (Number.isNaN(digit)) break;
      microseconds += digit * scale;
    }
    if (i === start) return parseDefaultTimestamptz(value) as Date;
  }
  const sign = value[i] === "+" ? 1 : value[i] === "-" ? -1 : 0;
  let offsetMinutes = twoDigitsAt(value, i + 1) * 60;
  i += 3;
  if (i < n && value[i] === ":" && n === i + 3) {
    offsetMinutes += twoDigitsAt(value, i + 1);
    i += 3;
  }
  const time =
    Date.UTC(
      year,
      twoDigitsAt(value, 5) - 1,
      twoDigitsAt(value, 8),
      twoDigitsAt(value, 11),
      twoDigitsAt(value, 14),
      twoDigitsAt(value, 17),
      Math.trunc(microseconds / 1000),
    ) -
    sign * offsetMinutes * 60_000;
  if (sign === 0 || i !== n || Number.isNaN(time)) return parseDefaultTimestamptz(value) as Date;
  return new Date(time);
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  const counter = new SqlCounter();
  let factory: SqlDriverAdapterFactory;
  let exec: SqlExecutor;
  let closeDriver: () => Promise<void>;
  // PGlite is one connection in the process: always open, nothing queues for a slot in a pool.
  let poolStats: () => PoolStats = () => ({ max: 1, total: 1, idle: 1, waiting: 0 });
  let pglite: PGlite | undefined;
  // PostgreSQL only: the embedded database has no named statements to keep.
  let prepared: PreparedStatements | undefined;

  if (target.kind === "pglite") {
    if (target.dataDir) mkdirSync(dirname(target.dataDir), { recursive: true });
    pglite = await PGlite.create({
      dataDir: target.dataDir,
      loadDataDir: target.loadDataDir,
      // On the command line, not in postgresql.conf: PGlite's `postgresqlconf` option rewrites that whole file in DATA_DIR.
      startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${target.sharedBuffers ?? DEFAULT_PGLITE_SHARED_BUFFERS}`],
    });
    const db = pglite;
    // The adapter bundles its own copy of the adapter types; the runtime contract is the same.
    factory = new PrismaPGlite(db) as unknown as SqlDriverAdapterFactory;
    exec = {
      script: async (sql) => {
        await db.exec(sql);
      },
      query: async (sql, params = []) => (await db.query<Record<string, unknown>>(sql, params)).rows,
    };
    closeDriver = () => db.close();
  } else {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      // A database host that drops packets fails a request in seconds (answered 503), instead of hanging it.
      connectionTimeoutMillis: 5_000,
      // For db.sql's rows (Prisma's adapter brings its own parsers per query).
      types: {
        getTypeParser: (oid: number, format?: string) =>
          oid === TIMESTAMPTZ_OID && format !== "binary" ? parseTimestamptz : pg.types.getTypeParser(oid, format as "text"),
      },
    });
    // An idle connection that the server closes (a restart, a failover) is reported on the pool; without a
    // listener Node would end the process. The pool has already dropped that connection and connects anew
    // when asked; requests meanwhile are answered 503 (src/http/faults.ts).
    pool.on("error", (error) => {
      if (process.env.NODE_ENV !== "test") {
        console.warn(
          JSON.stringify({ level: "warn", time: new Date().toISOString(), msg: "idle database connection lost", message: error.message }),
        );
      }
    });
    factory = new PrismaPg(pool) as unknown as SqlDriverAdapterFactory;
    exec = {
      script: async (sql) => {
        await pool.query(sql);
      },
      query: async (text, values = [], name) => (await pool.query({ text, values, name })).rows,
    };
    prepared = new PreparedStatements(target.preparedStatements);
    closeDriver = () => pool.end();
    poolStats = () => ({ max: target.poolSize ?? 10, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
  }

  // Generous transaction waits: under load (or with many concurrent writers on a
  // small pool) Prisma's defaults (2 s to get a connection, 5 s to finish) turn
  // a slow moment into a server error.
  const prisma = new PrismaClient({
    adapter: countingAdapter(factory, counter),
    transactionOptions: { maxWait: 10_000, timeout: 20_000 },
  });
  return {
    prisma,
    kind: target.kind,
    counter,
    sql: async <T>(query: Prisma.Sql) => {
      const name = prepared?.nameFor(query.text);
      const run = (as: string | undefined) => counter.run(query.text, () => exec.query(query.text, query.values, as));
      try {
        return (await run(name)) as T[];
      } catch (error) {
        if (name === undefined || !isStalePreparedStatement(error)) throw error;
        prepared?.forget(query.text);
        return (await run(undefined)) as T[];
      }
    },
    exec,
    pglite,
    url: target.kind === "postgres" ? target.url : undefined,
    poolStats,
    async ping() {
      try {
        await exec.query("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

/**
 * Opens the embedded database in dataDir, holding the directory's lock until
 * close (src/db/data-dir-lock.ts): throws DataDirInUseError, before anything
 * touches the directory, when another process has it open.
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  holder: LockHolder,
  options: { sharedBuffers?: string } = {},
): Promise<Database> {
  const lock = await lockDataDir(dataDir, holder);
  let db: Database;
  try {
    db = await openDatabase({ kind: "pglite", dataDir, sharedBuffers: options.sharedBuffers });
  } catch (error) {
    await lock.release();
    throw error;
  }
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        await lock.release();
      }
    },
  };
}

/**
 * Opens the database the configuration names and brings its schema up to date.
 * `holder` says who this process is to another that finds the embedded database taken.
 */
export async function openConfiguredDatabase(
  config: { DATABASE_URL?: string; DATA_DIR: string; PGLITE_SHARED_BUFFERS?: string; PREPARED_STATEMENTS?: number },
  holder: LockHolder = { role: "other", command: scriptName() },
): Promise<Database> {
  if (config.DATABASE_URL) {
    return openDatabase({ kind: "postgres", url: config.DATABASE_URL, preparedStatements: config.PREPARED_STATEMENTS });
  }
  const db = await openEmbeddedDatabase(config.DATA_DIR, holder, { sharedBuffers: config.PGLITE_SHARED_BUFFERS });
  try {
    await applyMigrations(db.exec);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** This process's script, relative to the working directory (for a holder that did not say what it is). */
function scriptName(): string | undefined {
  return process.argv[1] ? relative(process.cwd(), process.argv[1]) || undefined : undefined;
}
