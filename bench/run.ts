// `npm run bench`: the benchmark of issues 6 and 14, from a fresh clone, on demand (not in CI).
//
// Starts a throw-away PostgreSQL server on loopback (the tests' helper), loads the bench
// dataset, starts the API in production mode and the hand-written baseline
// (bench/baseline/server.ts) as processes of their own, load-tests them with wrk
// (bench/wrk.ts; installed from Debian's package when missing), sends 10,000 distinct
// documents to a fresh API on PostgreSQL and on the embedded database (bench/documents.ts),
// measures the API's cold start on the embedded database, writes
// bench/results/<date>.json and prints a Markdown table.
//
//   npm run bench                  # everything (~10 minutes, half of it the documents pass)
//   npm run bench -- --documents   # only the distinct-documents memory pass
//
// Environment: BENCH_SECONDS (15) measured seconds per scenario, connection count and
// server, BENCH_WARMUP (3) warm-up seconds, BENCH_CONNECTIONS (10) for every scenario but
// the nested read, BENCH_NESTED_CONNECTIONS ("10,32") for the nested read, BENCH_ROUNDS (3)
// API/baseline alternations for the nested read, BENCH_DOCUMENTS (10000; 0 skips the
// pass), BENCH_COLD_STARTS (3; 0 skips them), BENCH_SCENARIOS (e.g. "2,4": only those
// scenarios; all by default), BENCH_OUT (bench/results/<date>.json),
// BENCH_WRK (a wrk binary), BENCH_INSTALL=0 (never install wrk). Anything else
// (e.g. NODE_OPTIONS, MAX_QUERY_COST) is passed on to the API.
//
// What each figure is:
// - requests/s: successful responses (2xx, body passing the scenario's check) per second
//   of wrk's measured time; failures of any kind (non-2xx, socket errors, timeouts,
//   GraphQL errors in the body) are counted and shown in their own column, never in it.
// - latency percentiles: wrk's (1 µs histogram), pooled over the interleaved segments.
// - server CPU ms per request: the server process's user + system time (/proc/<pid>/stat)
//   from before a segment until the server is idle again after it, over the requests
//   wrk sent (those in flight at the end ran on the server too).
// - PostgreSQL CPU ms per request: the same over the test server's postgres processes (the
//   postmaster, its children, and its reaped children's time), less the benchmark's own
//   connection that reads the statement counts.
// - SQL per request: pg_stat_statements. The PostgreSQL server is started through a wrapper
//   of its binary that adds `-c shared_preload_libraries=pg_stat_statements` (the helper
//   honours PG_BIN), and `sum(calls)` of the bench database is read before and after each
//   segment. Transaction control (BEGIN/COMMIT/ROLLBACK) is reported apart, since Prisma's
//   SQL counter does not see it either.
// - RSS: VmRSS of the server process after the scenario's runs; the peak is VmHWM.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { findPostgresBin, freePort, startPostgresServer, type PostgresServer } from "../test/helpers/postgres-server.js";
import { applyMigrations, type SqlExecutor } from "../src/db/migrate.js";
import { encodeId } from "../src/domain/ids.js";
import { BENCH, seedBench } from "./seed.js";
import { bundle } from "../scripts/build.js";
import { distinctDocumentBodies, NESTED_READ } from "./documents.js";
import {
  BenchSetupError,
  ensureWrk,
  pooledPercentile,
  runWrk,
  totalFailures,
  writeWrkScript,
  wrkVersion,
  type WrkLoad,
  type WrkResult,
} from "./wrk.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WORK = join(ROOT, "bench", ".work");
const envNumber = (name: string, fallback: number, { zero = false } = {}) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < (zero ? 0 : 1)) throw new Error(`${name} must be a whole number ${zero ? "≥ 0" : "> 0"}`);
  return value;
};
const DOCUMENTS_ONLY = process.argv.includes("--documents");
/** BENCH_SCENARIOS=2,4: only the scenarios whose ids start with these (all by default). */
const ONLY = (process.env.BENCH_SCENARIOS ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const SECONDS = envNumber("BENCH_SECONDS", 15);
const WARMUP = envNumber("BENCH_WARMUP", Math.min(3, SECONDS));
const CONNECTIONS = envNumber("BENCH_CONNECTIONS", 10);
const NESTED_CONNECTIONS = (process.env.BENCH_NESTED_CONNECTIONS ?? "10,32").split(",").map((c) => {
  const value = Number(c.trim());
  if (!Number.isInteger(value) || value < 1) throw new Error("BENCH_NESTED_CONNECTIONS must be a list of whole numbers, e.g. 10,32");
  return value;
});
// Each alternation segment lasts at least 1 s (wrk's -d takes whole seconds).
const ROUNDS = Math.max(1, Math.min(envNumber("BENCH_ROUNDS", 3), SECONDS));
const DOCUMENTS = envNumber("BENCH_DOCUMENTS", 10_000, { zero: true });
/** How long the servers are left quiet after the runs before their RSS is read again (the API collects after 15 s of quiet). */
const QUIET_MS = envNumber("BENCH_QUIET_SECONDS", 18) * 1000;
const COLD_STARTS = envNumber("BENCH_COLD_STARTS", 3, { zero: true });
// Both servers run as production does: one prebuilt bundle each, plain `node` (see scripts/build.ts).
// The API's bundle goes to bench/.work/, not dist/, so a benchmark never replaces a build in use.
const API_BUNDLE = "bench/.work/api.mjs";
/** The baseline connects as a role of its own, so that pg_stat_statements tells its statements from the API's. */
const BASELINE_ROLE = "bench_baseline";
const BASELINE_BUNDLE = "bench/.work/baseline.mjs";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- processes: every one we start is stopped at the end, whatever happens ------------

const cleanups: (() => Promise<void>)[] = [];
/** Registers a stop function for the end; it runs at most once, so it may also be called earlier. */
function onCleanup(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  const once = () => (done ??= fn());
  cleanups.push(once);
  return once;
}
async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((e) => console.error("cleanup:", e));
}

interface Proc {
  name: string;
  child: ChildProcess;
  /** Aborted when the process exits (a load against it then ends early). */
  exited: AbortSignal;
  /** performance.now() just before the spawn (cold start is measured from it). */
  startedAt: number;
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `node <file>` (a bundle built by scripts/build.ts) and answers once it is spawned (not yet ready). */
async function startNode(name: string, file: string, env: Record<string, string | undefined>): Promise<Proc> {
  const port = await freePort();
  const merged: NodeJS.ProcessEnv = { ...process.env, HOST: "127.0.0.1", PORT: String(port), ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k]; // undefined = unset
  const startedAt = performance.now();
  const child = spawn(process.execPath, [file], {
    cwd: ROOT,
    env: merged,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = ""; // kept (the last 16 KB) to explain a failed start or an exit
  const keep = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-16_384));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exitedController = new AbortController();
  const exited = new Promise<void>((r) =>
    child.once("exit", () => {
      exitedController.abort();
      r();
    }),
  );
  const stop = onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM"); // graceful: the embedded database is closed cleanly
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(killer);
  });
  return { name, child, exited: exitedController.signal, startedAt, port, output: () => out, stop };
}

const describeExit = (proc: Proc) =>
  proc.child.signalCode ? `signal ${proc.child.signalCode}` : `exit code ${proc.child.exitCode ?? "none yet"}`;

/** Polls /readyz until it answers 200; fails when the process exits first. */
async function waitReady(proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}):\n${proc.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${proc.port}/readyz`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(10);
  }
  throw new Error(`${proc.name} not ready after ${timeoutMs} ms:\n${proc.output()}`);
}

// ---- /proc -------------------------------------------------------------------------------

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
/** /proc/<pid>/stat's fields from the 3rd (state) on: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime; null when gone. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}
/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const f = procStat(pid);
  if (!f) throw new Error(`process ${pid} is gone`);
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}
function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);
}
const rssMb = (pid: number) => Math.round(statusKb(pid, "VmRSS") / 1024);
const peakRssMb = (pid: number) => Math.round(statusKb(pid, "VmHWM") / 1024);

/**
 * CPU time of a PostgreSQL server so far, in ms: the postmaster's own and its reaped children's
 * (backends that ended), plus every live child's (backends, background workers), less `excluded`'s.
 */
function postgresCpuMs(postmasterPid: number, excluded: ReadonlySet<number>): number {
  const own = procStat(postmasterPid);
  if (!own) return Number.NaN;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || excluded.has(Number(entry))) continue;
    const f = procStat(Number(entry));
    if (f && Number(f[1]) === postmasterPid) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / CLK_TCK;
}

// ---- PostgreSQL with pg_stat_statements ------------------------------------------------

/** A PG_BIN folder whose `postgres` preloads pg_stat_statements (the helper takes no server options). */
function statementsPgBin(): string | null {
  const real = findPostgresBin();
  if (!real) return null;
  const dir = mkdtempSync(join(tmpdir(), "bench-pgbin-"));
  chmodSync(dir, 0o755); // the helper runs the server as `nobody` when we are root
  const wrap = (bin: string, extra: string) =>
    writeFileSync(join(dir, bin), `#!/bin/sh\nexec '${join(real, bin)}' ${extra}"$@"\n`, { mode: 0o755 });
  wrap("postgres", "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top ");
  wrap("initdb", "");
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface SqlCount {
  statements: number;
  transactionControl: number;
  /** Rows in ActivityLog, to show that every write scenario's request logged its change. */
  activityLog: number;
}

/** Reads the bench database's statement count; null when pg_stat_statements is not loaded. */
async function statementCounter(client: pg.Client): Promise<(() => Promise<SqlCount>) | null> {
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    await client.query("SELECT pg_stat_statements_reset()");
  } catch (e) {
    console.warn(`pg_stat_statements unavailable (${(e as Error).message}): SQL per request not measured.`);
    return null;
  }
  return async () => {
    // This query itself is excluded (it names pg_stat_statements), so readings do not drift.
    const { rows } = await client.query<{ tx: string; all: string; activity: string }>(
      `SELECT coalesce(sum(calls) FILTER (WHERE query ~* '^\\s*(begin|commit|rollback|start transaction|savepoint|release)\\M'), 0) AS tx,
              coalesce(sum(calls), 0) AS all, (SELECT count(*) FROM "ActivityLog") AS activity
       FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'`,
    );
    return {
      statements: Number(rows[0].all) - Number(rows[0].tx),
      transactionControl: Number(rows[0].tx),
      activityLog: Number(rows[0].activity),
    };
  };
}

/** Per-statement readings of the bench database (the SQL texts, calls, rows and executor time). */
function statementReader(client: pg.Client): NonNullable<Meter["statements"]> {
  return {
    reset: async () => void (await client.query("SELECT pg_stat_statements_reset()")),
    read: async () =>
      (
        await client.query<{ role: string; calls: string; rows: string; total: number; query: string }>(
          `SELECT r.rolname AS role, s.calls, s.rows, s.total_exec_time AS total, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 600) AS query
           FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
           WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.query NOT LIKE '%pg_stat_statements%'
             AND s.calls > 0
           ORDER BY s.total_exec_time DESC LIMIT 25`,
        )
      ).rows.map((r) => ({
        server: r.role === BASELINE_ROLE ? "baseline" : "api",
        calls: Number(r.calls),
        rows: Number(r.rows),
        totalMs: r.total,
        query: r.query,
      })),
  };
}

// ---- scenarios ------------------------------------------------------------------------

const NESTED = NESTED_READ;

/**
 * How the API runs in every scenario: production mode, with rate limits on (each request is charged, one statement on
 * PostgreSQL) but budgets out of the benchmark's reach, so that what is measured is the work of answering.
 */
const PRODUCTION = { NODE_ENV: "production", RATE_LIMIT_POINTS: "1000000000", AUTH_FAILURE_LIMIT: "1000000000" } as const;
/** 21 settings of a project (scenario 3 asks for 20). */
const SETTINGS_FIELDS =
  "timezone appUrls anonymizeIps weekStartDay sessionRecordingOptIn completedSnippetOnboarding testAccountFilters " +
  "testAccountFiltersDefaultChecked isDemo dataAttributes autocaptureOptOut autocaptureExceptionsOptIn captureConsoleLogOptIn " +
  "capturePerformanceOptIn sessionRecordingSampleRate sessionRecordingMinimumDurationMilliseconds sessionRecordingRetentionPeriod " +
  "surveysOptIn heatmapsOptIn baseCurrency";

interface Scenario {
  id: string;
  title: string;
  /** The cycle of request bodies: request n sends bodies[n % length] (n counts on across warm-up and segments). */
  bodies: string[];
  /** A 2xx response body is a success when it contains all of `mustContain` and none of `mustNotContain`. */
  mustContain: string[];
  mustNotContain: string[];
  /** The nested read runs on the baseline too, interleaved with the API. */
  withBaseline?: boolean;
  connections: number[];
}

function scenarios(projectIds: number[]): Scenario[] {
  const gql = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });
  const cycle = (length: number, body: (n: number) => string) => Array.from({ length }, (_, n) => body(n));
  const noErrors = { mustContain: [], mustNotContain: ['"errors"'] };
  const noUserErrors = { mustContain: ['"userErrors":[]'], mustNotContain: ['"errors"'] };
  // Writes go round-robin over all 500 projects, so consecutive writes to one project are 500
  // requests apart (never concurrent) and alternate its value: every request is a real change.
  const P = projectIds.length;
  const project = (n: number) => encodeId("Project", projectIds[n % P]);
  return [
    {
      id: "1-organizations",
      title: "viewer.organizations(first: 10) { name }",
      bodies: [gql(`{ viewer { organizations(first: 10) { nodes { name } } } }`)],
      ...noErrors,
      connections: [CONNECTIONS],
    },
    {
      id: "2-nested",
      title: "nested read orgs 10 → projects 10 → envs 2 → annotations 5",
      bodies: [gql(NESTED)],
      ...noErrors,
      withBaseline: true,
      connections: NESTED_CONNECTIONS,
    },
    {
      id: "3-node-settings",
      title: "node(id:) of a project, 20 settings",
      bodies: cycle(P, (n) => gql(`query($id: ID!) { node(id: $id) { ... on Project { ${SETTINGS_FIELDS} } } }`, { id: project(n) })),
      ...noErrors,
      connections: [CONNECTIONS],
    },
    {
      id: "4-update-project",
      title: "updateProject (one setting; activity entry)",
      // Two passes over the projects: true on the first, false on the second.
      bodies: cycle(2 * P, (n) =>
        gql(
          "mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { id anonymizeIps } " +
            "userErrors { code message } } }",
          { input: { id: project(n), anonymizeIps: Math.floor(n / P) % 2 === 0 } },
        ),
      ),
      ...noUserErrors,
      connections: [CONNECTIONS],
    },
    {
      id: "5-rotate-token",
      title: "rotateProjectSecretToken",
      bodies: cycle(P, (n) =>
        gql(
          "mutation($input: RotateProjectSecretTokenInput!) { rotateProjectSecretToken(input: $input) { project { id secretApiToken } " +
            "userErrors { code message } } }",
          { input: { id: project(n) } },
        ),
      ),
      ...noUserErrors,
      connections: [CONNECTIONS],
    },
  ];
}

// ---- load ------------------------------------------------------------------------------

/** What the runner reads around each segment. */
interface Meter {
  sql: (() => Promise<SqlCount>) | null;
  postgresCpuMs: () => number;
  /** pg_stat_statements per statement (null without it): reset before a scenario's measured rounds, read after. */
  statements: { reset: () => Promise<void>; read: () => Promise<StatementRow[]> } | null;
}

interface StatementRow {
  /** The database role: the API connects as `postgres`, the baseline as `bench_baseline`. */
  server: "api" | "baseline";
  calls: number;
  rows: number;
  /** Time in the executor (wall, not CPU), ms. */
  totalMs: number;
  query: string;
}

/** The statements of one scenario's measured rounds, per request of the server that sent them. */
interface StatementFigure {
  server: "api" | "baseline";
  callsPerRequest: number | null;
  rowsPerCall: number | null;
  meanMs: number | null;
  /** Whitespace collapsed, cut at 600 characters. */
  query: string;
}

interface Segment extends WrkResult {
  round: number;
  serverCpuMs: number;
  postgresCpuMs: number;
  sql: SqlCount | null;
}

const headers = (key: string) => ({ "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${key}` });
const succeeded = (r: { completed: number; failures: WrkResult["failures"] }) => r.completed - r.failures.non2xx - r.failures.badBody;

/**
 * Waits until the server has finished the requests wrk left in flight when it stopped (they
 * still run, and their CPU and SQL belong to the segment that sent them): until neither its
 * CPU time nor the statement count moves for 150 ms.
 */
async function settle(proc: Proc, meter: Meter): Promise<void> {
  const reading = async () => `${cpuMs(proc.child.pid!)}/${(await meter.sql?.())?.statements}`;
  let last = await reading();
  for (let i = 0; i < 100; i += 1) {
    await sleep(150);
    const now = await reading();
    if (now === last) return;
    last = now;
  }
}

interface LoadState {
  wrk: string;
  load: WrkLoad;
  script: string;
  /** The n of the next request of this server's body cycle. */
  next: number;
}

async function measure(proc: Proc, state: LoadState, connections: number, seconds: number, meter: Meter, label: string, round: number) {
  const sql0 = await meter.sql?.();
  const cpu0 = cpuMs(proc.child.pid!);
  const pg0 = meter.postgresCpuMs();
  const run = await runWrk(state.wrk, state.load, state.script, { connections, seconds, start: state.next, label, signal: proc.exited });
  if (proc.exited.aborted) throw new Error(`${proc.name} exited during ${label} (${describeExit(proc)}):\n${proc.output()}`);
  state.next = run.next;
  await settle(proc, meter);
  const sql1 = await meter.sql?.();
  const segment: Segment = {
    ...run,
    round,
    serverCpuMs: cpuMs(proc.child.pid!) - cpu0,
    postgresCpuMs: meter.postgresCpuMs() - pg0,
    sql:
      sql0 && sql1
        ? {
            statements: sql1.statements - sql0.statements,
            transactionControl: sql1.transactionControl - sql0.transactionControl,
            activityLog: sql1.activityLog - sql0.activityLog,
          }
        : null,
  };
  return segment;
}

const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

type Failures = WrkResult["failures"];
const noFailures = (): Failures => ({ non2xx: 0, badBody: 0, connect: 0, read: 0, write: 0, timeout: 0 });
function addFailures(a: Failures, b: Failures): Failures {
  return {
    non2xx: a.non2xx + b.non2xx,
    badBody: a.badBody + b.badBody,
    connect: a.connect + b.connect,
    read: a.read + b.read,
    write: a.write + b.write,
    timeout: a.timeout + b.timeout,
  };
}
const describeFailures = (f: Failures) =>
  Object.entries(f)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${v} ${k === "badBody" ? "with errors in the body" : k}`)
    .join(", ");

interface PerRequest {
  requestsPerSecond: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  serverCpuMsPerRequest: number | null;
  postgresCpuMsPerRequest: number | null;
  sqlPerRequest: number | null;
  transactionControlPerRequest: number | null;
  activityLogPerRequest: number | null;
  /** wrk's own CPU: small next to the server's, or the figures measure the client. */
  loadGeneratorCpuMsPerRequest: number | null;
}

interface Figures extends PerRequest {
  /** The scenario's statements by executor time (pg_stat_statements), this server's only. */
  statements?: StatementFigure[];
  scenario: string;
  title: string;
  connections: number;
  server: "api" | "baseline";
  /** API req/s over the baseline's at the same connections (the baseline's own row: 1). */
  timesBaseline?: number | null;
  rssMbAfter: number;
  peakRssMb: number;
  /** Responses received; `sent` counts those in flight at the end too (the per-request denominators). */
  requests: number;
  sent: number;
  failed: number;
  failures: Failures;
  rounds: (PerRequest & { round: number; seconds: number; requests: number; failed: number })[];
  error?: string;
}

function perRequest(segments: Segment[]): PerRequest {
  const sum = (f: (s: Segment) => number) => segments.reduce((a, s) => a + f(s), 0);
  const sent = sum((s) => s.sent); // every sent request ran on the server within its segment (see settle)
  const sqlKnown = segments.every((s) => s.sql);
  return {
    requestsPerSecond: round(sum(succeeded) / sum((s) => s.seconds)),
    p50Ms: round(pooledPercentile(segments, 0.5)),
    p90Ms: round(pooledPercentile(segments, 0.9)),
    p99Ms: round(pooledPercentile(segments, 0.99)),
    serverCpuMsPerRequest: round(sum((s) => s.serverCpuMs) / sent),
    postgresCpuMsPerRequest: round(sum((s) => s.postgresCpuMs) / sent),
    sqlPerRequest: sqlKnown ? round(sum((s) => s.sql!.statements) / sent, 2) : null,
    transactionControlPerRequest: sqlKnown ? round(sum((s) => s.sql!.transactionControl) / sent, 2) : null,
    activityLogPerRequest: sqlKnown ? round(sum((s) => s.sql!.activityLog) / sent, 2) : null,
    loadGeneratorCpuMsPerRequest: round(sum((s) => s.clientCpuMs) / sent, 2),
  };
}

function summarize(scenario: Scenario, connections: number, server: Proc, segments: Segment[]): Figures {
  const failures = segments.map((s) => s.failures).reduce(addFailures, noFailures());
  return {
    scenario: scenario.id,
    title: scenario.title,
    connections,
    server: server.name as Figures["server"],
    ...perRequest(segments),
    rssMbAfter: rssMb(server.child.pid!),
    peakRssMb: peakRssMb(server.child.pid!),
    requests: segments.reduce((a, s) => a + s.completed, 0),
    sent: segments.reduce((a, s) => a + s.sent, 0),
    failed: totalFailures(failures),
    failures,
    rounds: segments.map((s) => ({
      round: s.round,
      seconds: round(s.seconds, 2)!,
      requests: s.completed,
      failed: totalFailures(s.failures),
      ...perRequest([s]),
    })),
  };
}

function statementFigures(rows: StatementRow[], server: StatementRow["server"], sent: number): StatementFigure[] {
  return rows
    .filter((r) => r.server === server)
    .map((r) => ({
      server,
      callsPerRequest: round(r.calls / sent, 2),
      rowsPerCall: round(r.rows / r.calls, 1),
      meanMs: round(r.totalMs / r.calls, 2),
      query: r.query,
    }));
}

function notRun(scenario: Scenario, connections: number, server: Proc, error: string): Figures {
  const none: PerRequest = {
    requestsPerSecond: null,
    p50Ms: null,
    p90Ms: null,
    p99Ms: null,
    serverCpuMsPerRequest: null,
    postgresCpuMsPerRequest: null,
    sqlPerRequest: null,
    transactionControlPerRequest: null,
    activityLogPerRequest: null,
    loadGeneratorCpuMsPerRequest: null,
  };
  return {
    scenario: scenario.id,
    title: scenario.title,
    connections,
    server: server.name as Figures["server"],
    ...none,
    rssMbAfter: rssMb(server.child.pid!),
    peakRssMb: peakRssMb(server.child.pid!),
    requests: 0,
    sent: 0,
    failed: 0,
    failures: noFailures(),
    rounds: [],
    error,
  };
}

const passes = (text: string, must: readonly string[], mustNot: readonly string[]) =>
  must.every((m) => text.includes(m)) && !mustNot.some((m) => text.includes(m));

/** One request, to check a body works before loading it; answers the parsed response or throws. */
async function probe(
  proc: Proc,
  key: string,
  body: string,
  must: readonly string[],
  mustNot: readonly string[],
): Promise<{ data?: unknown }> {
  const response = await fetch(`http://127.0.0.1:${proc.port}/graphql`, { method: "POST", headers: headers(key), body });
  const text = await response.text();
  if (response.status !== 200 || !passes(text, must, mustNot)) throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "–" : String(x));
function roundLine(label: string, p: PerRequest, extra = ""): string {
  return (
    `${label}: ${fmt(p.requestsPerSecond)} req/s, p50 ${fmt(p.p50Ms)} / p90 ${fmt(p.p90Ms)} / p99 ${fmt(p.p99Ms)} ms, ` +
    `CPU ms/req server ${fmt(p.serverCpuMsPerRequest)}, PostgreSQL ${fmt(p.postgresCpuMsPerRequest)}, wrk ${fmt(p.loadGeneratorCpuMsPerRequest)}; ` +
    `SQL/req ${fmt(p.sqlPerRequest)}${extra}`
  );
}

// ---- distinct documents ------------------------------------------------------------------

interface DocumentsFigures {
  database: "postgresql" | "embedded";
  documents: number;
  requestsPerSecond: number | null;
  serverCpuMsPerRequest: number | null;
  rssMbAtReady: number;
  rssMbAfter: number;
  /** After BENCH_QUIET_SECONDS of quiet (whether the memory is given back). */
  rssMbAfterIdle: number;
  peakRssMb: number;
  failed: number;
  failures: Failures;
  error?: string;
  /** The end of the server's output when it exited during the pass. */
  serverOutput?: string;
}

/**
 * Starts a fresh API (so that nothing else has grown it), sends `count` distinct valid
 * documents (bench/documents.ts) over CONNECTIONS connections and reads its RSS.
 */
async function documentsPass(
  wrk: string,
  database: DocumentsFigures["database"],
  env: Record<string, string | undefined>,
  key: string,
  count: number,
): Promise<DocumentsFigures> {
  const proc = await startNode(`api-documents-${database}`, API_BUNDLE, env);
  try {
    await waitReady(proc, 120_000);
    const rssMbAtReady = rssMb(proc.child.pid!);
    const bodies = distinctDocumentBodies(count);
    const load: WrkLoad = {
      workDir: WORK,
      name: `documents-${database}`,
      url: `http://127.0.0.1:${proc.port}/graphql`,
      headers: headers(key),
      bodies,
      mustContain: ['"data"'],
      mustNotContain: ['"errors"'],
    };
    try {
      await probe(proc, key, bodies[0], load.mustContain, load.mustNotContain);
    } catch (e) {
      const message = `the first document fails: ${(e as Error).message}`;
      console.warn(`documents on ${database}: skipped: ${message}`);
      const rss = rssMb(proc.child.pid!);
      return {
        database,
        documents: 0,
        requestsPerSecond: null,
        serverCpuMsPerRequest: null,
        rssMbAtReady,
        rssMbAfter: rss,
        rssMbAfterIdle: rss,
        peakRssMb: peakRssMb(proc.child.pid!),
        failed: 0,
        failures: noFailures(),
        error: message,
      };
    }
    const { script } = writeWrkScript(load);
    const cpu0 = cpuMs(proc.child.pid!);
    // Documents 1 … count-1 (0 was the probe), then stop; a limit of an hour, not a duration.
    const run = await runWrk(wrk, load, script, {
      connections: CONNECTIONS,
      seconds: 3600,
      start: 1,
      stopAfter: count - 1,
      label: `documents-${database}`,
      signal: proc.exited,
    });
    if (proc.exited.aborted) {
      // E.g. out of memory under a cap (NODE_OPTIONS=--max-old-space-size=…): that is the finding.
      const output = proc.output();
      const why = /FATAL ERROR[^\n]*/.exec(output)?.[0] ?? output.trim().split("\n").at(-1) ?? "";
      const message = `the API exited (${describeExit(proc)}) after ${run.completed} of ${count} documents: ${why}`;
      return {
        database,
        documents: run.completed,
        requestsPerSecond: round(succeeded(run) / run.seconds),
        serverCpuMsPerRequest: null,
        rssMbAtReady,
        rssMbAfter: Number.NaN,
        rssMbAfterIdle: Number.NaN,
        peakRssMb: Number.NaN,
        failed: totalFailures(run.failures),
        failures: run.failures,
        error: message,
        serverOutput: output.slice(-1500),
      };
    }
    const cpu = cpuMs(proc.child.pid!) - cpu0;
    const rssMbAfter = rssMb(proc.child.pid!);
    await sleep(QUIET_MS);
    return {
      database,
      documents: count,
      requestsPerSecond: round(succeeded(run) / run.seconds),
      serverCpuMsPerRequest: round(cpu / run.sent),
      rssMbAtReady,
      rssMbAfter,
      rssMbAfterIdle: rssMb(proc.child.pid!),
      peakRssMb: peakRssMb(proc.child.pid!),
      failed: totalFailures(run.failures),
      failures: run.failures,
    };
  } finally {
    await proc.stop();
  }
}

/** Loads the bench dataset into a fresh embedded database (its own process: the API takes the data directory's lock). */
async function seedEmbedded(dataDir: string): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SEED_DEMO: "false", ...PRODUCTION };
  delete env.DATABASE_URL;
  execFileSync(process.execPath, ["--import", "tsx", "bench/seed.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
}

function documentsLine(d: DocumentsFigures): string {
  return (
    `${d.documents} distinct documents on ${d.database === "postgresql" ? "PostgreSQL" : "the embedded database"}: ` +
    (d.error
      ? `FAILED: ${d.error.slice(0, 400)}`
      : `RSS ${d.rssMbAtReady} MB at ready → ${d.rssMbAfter} MB after (${d.rssMbAfterIdle} MB ${QUIET_MS / 1000} s later, peak ${d.peakRssMb} MB); ` +
        `${fmt(d.requestsPerSecond)} documents/s, ${fmt(d.serverCpuMsPerRequest)} ms CPU each` +
        (d.failed ? `; ${d.failed} FAILED (${describeFailures(d.failures)})` : ""))
  );
}

// ---- cold start --------------------------------------------------------------------------

/** Process start → /readyz 200 of the API on a fresh embedded database, then on the initialized one. */
async function coldStarts(): Promise<{ firstMs: number; subsequentMs: number[]; rssMbAtReady: number }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-pglite-"));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const env = { ...PRODUCTION, DATA_DIR: join(dir, "pglite"), SEED_DEMO: "true", DATABASE_URL: undefined };
  const timeOne = async () => {
    const proc = await startNode("api-embedded", API_BUNDLE, env);
    await waitReady(proc, 120_000);
    const ms = Math.round(performance.now() - proc.startedAt);
    const rss = rssMb(proc.child.pid!);
    await proc.stop();
    return { ms, rss };
  };
  const first = await timeOne(); // initdb + migrations + demo seed
  const later = [];
  for (let i = 0; i < COLD_STARTS; i += 1) later.push(await timeOne());
  return { firstMs: first.ms, subsequentMs: later.map((l) => l.ms), rssMbAtReady: later.at(-1)?.rss ?? first.rss };
}

// ---- main --------------------------------------------------------------------------------

function machine(wrk: string) {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args).toString().trim();
    } catch {
      return "unknown";
    }
  };
  return {
    nproc: Number(sh("nproc", [])),
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: sh(join(findPostgresBin() ?? "/usr/local/bin", "postgres"), ["--version"]),
    loadGenerator: wrkVersion(wrk),
  };
}

interface Database {
  url: string;
  /** The same database as the baseline's role. */
  baselineUrl: string;
  key: string;
  projectIds: number[];
  meter: Meter;
  stop: () => Promise<void>;
}

/** The throw-away PostgreSQL server with the bench data, a statement counter and a CPU meter. */
async function startDatabase(): Promise<Database> {
  // PostgreSQL on loopback, with pg_stat_statements when the wrapper works.
  const wrapped = statementsPgBin();
  const savedPgBin = process.env.PG_BIN;
  if (wrapped) process.env.PG_BIN = wrapped;
  let postgres: PostgresServer;
  try {
    postgres = await startPostgresServer("bench");
  } finally {
    if (savedPgBin === undefined) delete process.env.PG_BIN;
    else process.env.PG_BIN = savedPgBin;
  }
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  // The helper stops the server with SIGINT to its child, which is `runuser` when we are root;
  // runuser blocks SIGINT, so that stop would wait forever. Signal the postmaster itself first.
  const postmasterPid = Number((await admin.query(`SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1) AS pid`)).rows[0].pid);
  const stopPostgres = onCleanup(async () => {
    try {
      process.kill(postmasterPid, "SIGINT"); // fast shutdown
    } catch {
      /* already gone */
    }
    await postgres.stop();
  });
  await admin.query("CREATE DATABASE bench");
  await admin.end();
  const url = postgres.url("bench");
  // The runner's one connection (seed, statement counts); its backend's CPU is not the servers'.
  const client = new pg.Client({ connectionString: url, application_name: "bench-runner" });
  client.on("error", () => {}); // told of the server's shutdown: no failure
  await client.connect();
  const endClient = onCleanup(() => client.end());
  const ownBackend = new Set([Number((await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid)]);
  const exec: SqlExecutor = {
    script: async (sql) => void (await client.query(sql)),
    query: async (sql, params = []) => (await client.query(sql, params)).rows,
  };
  await applyMigrations(exec);
  const seeded = await seedBench(exec);
  console.log(`seeded in ${seeded.ms} ms`);
  const projectIds = (
    await client.query<{ id: number }>(
      `SELECT p.id FROM "Project" p JOIN "Organization" o ON o.id = p."organizationId" WHERE o.slug LIKE 'bench-org-%' ORDER BY p.id`,
    )
  ).rows.map((r) => r.id);
  await client.query(`CREATE ROLE ${BASELINE_ROLE} LOGIN; GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO ${BASELINE_ROLE}`);
  const baselineUrl = new URL(url);
  baselineUrl.username = BASELINE_ROLE;
  const sql = await statementCounter(client);
  return {
    url,
    baselineUrl: baselineUrl.href,
    key: seeded.key,
    projectIds,
    meter: {
      sql,
      postgresCpuMs: () => postgresCpuMs(postmasterPid, ownBackend),
      statements: sql ? statementReader(client) : null,
    },
    stop: async () => {
      await endClient();
      await stopPostgres();
    },
  };
}

/** The distinct-documents pass on PostgreSQL (while `db` runs) and then, with it stopped, on the embedded database. */
async function documentsPasses(wrk: string, db: Database): Promise<DocumentsFigures[]> {
  const out: DocumentsFigures[] = [];
  console.log(`${DOCUMENTS} distinct documents on PostgreSQL ...`);
  out.push(await documentsPass(wrk, "postgresql", { ...PRODUCTION, DATABASE_URL: db.url, SEED_DEMO: "false" }, db.key, DOCUMENTS));
  console.log(documentsLine(out[0]));
  await db.stop(); // nothing else competes for the cores
  console.log(`${DOCUMENTS} distinct documents on the embedded database (loading the bench data into it first) ...`);
  const dir = mkdtempSync(join(tmpdir(), "bench-documents-"));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, "pglite");
  seedEmbedded(dataDir);
  const env = { ...PRODUCTION, DATA_DIR: dataDir, SEED_DEMO: "false", DATABASE_URL: undefined };
  out.push(await documentsPass(wrk, "embedded", env, db.key, DOCUMENTS));
  console.log(documentsLine(out[1]));
  return out;
}

function writeResults(date: string, results: object): string {
  const out = process.env.BENCH_OUT ?? join(ROOT, "bench", "results", `${date}${DOCUMENTS_ONLY ? "-documents" : ""}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  return out;
}

async function main(): Promise<number> {
  const wrk = ensureWrk();
  const date = new Date().toISOString().slice(0, 10);
  const info = machine(wrk);
  mkdirSync(WORK, { recursive: true });
  if (DOCUMENTS_ONLY) {
    if (DOCUMENTS === 0) throw new BenchSetupError("--documents with BENCH_DOCUMENTS=0: nothing to do.");
    console.log(`bench ${date} --documents: ${info.nproc} cores (${info.cpu}), ${info.loadGenerator}, ${CONNECTIONS} connections`);
    await bundle("src/server.ts", API_BUNDLE);
    const db = await startDatabase();
    const documents = await documentsPasses(wrk, db);
    const out = writeResults(date, { date, machine: info, config: { connections: CONNECTIONS, documents: DOCUMENTS }, documents });
    console.log(`\n${documents.map(documentsLine).join("\n")}\n\nResults: ${out}`);
    return documents.some((d) => d.failed || d.error) ? 2 : 0;
  }

  console.log(
    `bench ${date}: ${info.nproc} cores (${info.cpu}), ${info.loadGenerator}, ${SECONDS} s per scenario, connection count and server, ` +
      `warm-up ${WARMUP} s, ${CONNECTIONS} connections (nested read: ${NESTED_CONNECTIONS.join(" and ")})`,
  );
  await Promise.all([bundle("src/server.ts", API_BUNDLE), bundle("bench/baseline/server.ts", BASELINE_BUNDLE)]);
  const db = await startDatabase();
  const { key, meter } = db;

  const api = await startNode("api", API_BUNDLE, { ...PRODUCTION, DATABASE_URL: db.url, SEED_DEMO: "false" });
  const baseline = await startNode("baseline", BASELINE_BUNDLE, { DATABASE_URL: db.baselineUrl });
  await Promise.all([waitReady(api), waitReady(baseline)]);
  // Before any load: what the processes hold when idle (code, schema, Wasm), apart from what load adds.
  const rssAtReady = { api: rssMb(api.child.pid!), baseline: rssMb(baseline.child.pid!) };

  const figures: Figures[] = [];
  const notes: string[] = [];
  for (const scenario of scenarios(db.projectIds).filter((s) => ONLY.length === 0 || ONLY.some((o) => s.id.startsWith(o)))) {
    const servers = scenario.withBaseline ? [api, baseline] : [api];
    const load: WrkLoad = {
      workDir: WORK,
      name: scenario.id,
      url: "", // per server, below
      headers: headers(key),
      bodies: scenario.bodies,
      mustContain: scenario.mustContain,
      mustNotContain: scenario.mustNotContain,
    };
    const { script } = writeWrkScript(load);
    // A scenario that does not work (e.g. a field not yet in the schema) is reported, not loaded.
    const states = new Map<Proc, LoadState>();
    const answers = new Map<Proc, unknown>();
    for (const server of servers) {
      try {
        answers.set(server, (await probe(server, key, scenario.bodies[0], scenario.mustContain, scenario.mustNotContain)).data);
        states.set(server, { wrk, script, load: { ...load, url: `http://127.0.0.1:${server.port}/graphql` }, next: 1 });
      } catch (e) {
        const message = (e as Error).message;
        console.warn(`${scenario.id} on ${server.name}: skipped: ${message}`);
        for (const c of scenario.connections) figures.push(notRun(scenario, c, server, message));
      }
    }
    if (answers.size === 2) {
      const same = JSON.stringify(answers.get(api)) === JSON.stringify(answers.get(baseline));
      notes.push(`${scenario.id}: API and baseline JSON ${same ? "identical" : "DIFFER"}`);
      if (!same) console.warn(`${scenario.id}: the API's and the baseline's data differ; compare them before trusting the ratio.`);
    }
    const working = servers.filter((s) => states.has(s));
    for (const connections of scenario.connections) {
      const tag = `${scenario.id}-c${connections}`;
      for (const server of working) {
        const state = states.get(server)!;
        const warm = await runWrk(wrk, state.load, script, {
          connections,
          seconds: WARMUP,
          start: state.next,
          label: `${tag}-${server.name}-warmup`,
        });
        state.next = warm.next;
        if (totalFailures(warm.failures)) console.warn(`${tag} ${server.name} warm-up: ${describeFailures(warm.failures)}`);
        await settle(server, meter);
      }
      // Interleaved so that noise (other processes, CPU boost) hits both servers alike.
      const segments = new Map<Proc, Segment[]>(working.map((s) => [s, []]));
      await meter.statements?.reset();
      const rounds = working.length > 1 ? ROUNDS : 1;
      const segmentSeconds = Math.max(1, Math.round(SECONDS / rounds));
      for (let r = 1; r <= rounds; r += 1) {
        for (const server of working) {
          const s = await measure(server, states.get(server)!, connections, segmentSeconds, meter, `${tag}-${server.name}-r${r}`, r);
          segments.get(server)!.push(s);
          if (rounds > 1) {
            const failed = totalFailures(s.failures);
            console.log(roundLine(`  ${tag} ${server.name} round ${r}`, perRequest([s]), failed ? `, ${failed} FAILED` : ""));
          }
        }
      }
      const statements = (await meter.statements?.read()) ?? null;
      const group = working.map((server) => {
        const f = summarize(scenario, connections, server, segments.get(server)!);
        if (statements) f.statements = statementFigures(statements, f.server, f.sent);
        return f;
      });
      const base = group.find((f) => f.server === "baseline");
      for (const f of group) {
        if (base?.requestsPerSecond && f.requestsPerSecond !== null)
          f.timesBaseline = round(f.requestsPerSecond / base.requestsPerSecond, 2);
        figures.push(f);
        if (scenario.withBaseline && f.statements) {
          for (const st of f.statements.slice(0, 8))
            console.log(
              `    ${f.server} SQL: ${fmt(st.callsPerRequest)}/req, ${fmt(st.rowsPerCall)} rows/call, ${fmt(st.meanMs)} ms: ${st.query.slice(0, 110)}`,
            );
        }
        console.log(
          roundLine(`${tag} ${f.server}`, f) +
            (f.timesBaseline !== undefined && f.server === "api" ? `, ${f.timesBaseline}× baseline` : "") +
            (f.activityLogPerRequest ? `, activity entries/req ${f.activityLogPerRequest}` : "") +
            `, RSS ${f.rssMbAfter} MB` +
            (f.failed ? `, ${f.failed} FAILED (${describeFailures(f.failures)})` : ""),
        );
      }
    }
  }
  const rss = { api: rssMb(api.child.pid!), baseline: rssMb(baseline.child.pid!) };
  const peakRss = { api: peakRssMb(api.child.pid!), baseline: peakRssMb(baseline.child.pid!) };
  // And once the servers have been quiet for a while: the API gives a burst's memory back IDLE_COLLECT_MS (15 s)
  // after its last request (src/http/idle-collection.ts).
  await new Promise((r) => setTimeout(r, QUIET_MS));
  const rssQuiet = { api: rssMb(api.child.pid!), baseline: rssMb(baseline.child.pid!) };
  await api.stop();
  await baseline.stop();

  const documents = DOCUMENTS > 0 ? await documentsPasses(wrk, db) : [];
  await db.stop(); // before the cold starts: nothing else competes for the cores (a no-op after the documents pass)

  let cold: Awaited<ReturnType<typeof coldStarts>> | null = null;
  if (COLD_STARTS > 0) {
    console.log("cold start on the embedded database ...");
    cold = await coldStarts();
  }

  const nested = figures.filter((f) => f.scenario === "2-nested" && f.requestsPerSecond !== null);
  const ratios = NESTED_CONNECTIONS.map((connections) => {
    const a = nested.find((f) => f.connections === connections && f.server === "api");
    const b = nested.find((f) => f.connections === connections && f.server === "baseline");
    const ratio = (x: number | null | undefined, y: number | null | undefined) => (x && y ? round(x / y, 2) : null);
    return {
      connections,
      requestsPerSecond: ratio(a?.requestsPerSecond, b?.requestsPerSecond),
      p99: ratio(a?.p99Ms, b?.p99Ms),
      serverCpu: ratio(a?.serverCpuMsPerRequest, b?.serverCpuMsPerRequest),
      postgresCpu: ratio(a?.postgresCpuMsPerRequest, b?.postgresCpuMsPerRequest),
    };
  });
  const failedTotal = figures.reduce((a, f) => a + f.failed, 0) + documents.reduce((a, d) => a + d.failed, 0);
  const documentsError = documents.some((d) => d.error);

  const results = {
    date,
    machine: info,
    config: {
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      connections: CONNECTIONS,
      nestedConnections: NESTED_CONNECTIONS,
      interleavedRounds: ROUNDS,
      documents: DOCUMENTS,
      loadGenerator: `${info.loadGenerator}, 1 thread, Lua script per scenario (bench/wrk.ts)`,
    },
    dataset: {
      ...BENCH,
      annotations: BENCH.organizations * BENCH.projectsPerOrganization * BENCH.environmentsPerProject * BENCH.annotationsPerEnvironment,
    },
    statementCounting: meter.sql
      ? "pg_stat_statements (sum of calls in the bench database per measured segment / requests sent)"
      : "unavailable",
    cpuAccounting:
      "server: /proc/<pid>/stat utime+stime of the server process; PostgreSQL: the same summed over the postmaster, its children " +
      "and its reaped children (cutime+cstime), less the runner's own backend; from before a segment until the server is idle after it; " +
      "divided by requests sent",
    scenarios: figures,
    nestedRatioApiOverBaseline: ratios,
    rssMbAtReady: rssAtReady,
    rssMbAfterRuns: rss,
    rssMbQuiet: { ...rssQuiet, note: `${QUIET_MS / 1000} s after the last run` },
    peakRssMb: peakRss,
    documents,
    coldStartEmbedded: cold && {
      ...cold,
      note: "process start → /readyz 200; NODE_ENV=production, SEED_DEMO=true; first = fresh DATA_DIR (initdb, migrations, demo seed)",
    },
    failedRequests: failedTotal,
    notes,
  };
  const out = writeResults(date, results);

  const lines = [
    `Measured ${date} on ${info.nproc} cores (${info.cpu}), ${info.node}, ${info.postgres}; ` +
      `${info.loadGenerator} (1 thread), ${WARMUP} s warm-up, ${SECONDS} s per scenario, connection count and server` +
      (ROUNDS > 1 ? ` (nested read: ${ROUNDS} alternating API/baseline segments)` : "") +
      ".",
    "",
    "| scenario | connections | server | req/s | × baseline | p50 ms | p99 ms | server CPU ms / request | PostgreSQL CPU ms / request " +
      "| SQL / request | RSS MB after | failed |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...figures.map(
      (f) =>
        `| ${f.title} | ${f.connections} | ${f.server}${f.error ? " (not run: see JSON)" : ""} ` +
        `| ${fmt(f.requestsPerSecond)} | ${f.timesBaseline === undefined ? "" : fmt(f.timesBaseline)} | ${fmt(f.p50Ms)} | ${fmt(f.p99Ms)} ` +
        `| ${fmt(f.serverCpuMsPerRequest)} | ${fmt(f.postgresCpuMsPerRequest)} ` +
        `| ${fmt(f.sqlPerRequest)}${f.transactionControlPerRequest ? ` (+${f.transactionControlPerRequest} tx)` : ""} ` +
        `| ${f.rssMbAfter} | ${f.failed ? `**${f.failed}**` : "0"} |`,
    ),
    "",
    ...ratios.map((r) =>
      r.requestsPerSecond === null
        ? `Nested read, ${r.connections} connections: ratio not measured (a side did not run).`
        : `Nested read, ${r.connections} connections, API / baseline: ${r.requestsPerSecond}× the requests/s, ${fmt(r.p99)}× the p99, ` +
          `${fmt(r.serverCpu)}× the server CPU and ${fmt(r.postgresCpu)}× the PostgreSQL CPU per request.`,
    ),
    `RSS at ready (before load): API ${rssAtReady.api} MB, baseline ${rssAtReady.baseline} MB; ` +
      `after all runs: API ${rss.api} MB (peak ${peakRss.api} MB), baseline ${rss.baseline} MB (peak ${peakRss.baseline} MB); ` +
      `${QUIET_MS / 1000} s later: API ${rssQuiet.api} MB, baseline ${rssQuiet.baseline} MB.`,
    ...documents.map(documentsLine),
    cold
      ? `Cold start on the embedded database (process start → /readyz 200): first ${cold.firstMs} ms (fresh data directory), ` +
        `then ${cold.subsequentMs.join(", ")} ms; RSS at ready ${cold.rssMbAtReady} MB.`
      : "Cold start: not measured (BENCH_COLD_STARTS=0).",
  ];
  console.log(`\n${lines.join("\n")}\n\nResults: ${out}`);
  if (failedTotal > 0) {
    console.error(
      `\n${failedTotal} requests FAILED (see the "failed" column and the JSON): the figures of those rows are not valid. ` +
        "wrk's raw output is in bench/.work/*.wrk.txt.",
    );
    return 2;
  }
  if (documentsError) {
    console.error("\nThe distinct-documents pass did not complete (see above).");
    return 2;
  }
  return 0;
}

let exiting = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (exiting) return;
    exiting = true;
    void cleanup().then(() => process.exit(130));
  });
}
try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof BenchSetupError) console.error(`bench: ${e.message}`);
  else console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
