// `npm run bench`: the benchmark of issue 6, from a fresh clone, on demand (not in CI).
//
// Starts a throw-away PostgreSQL server on loopback (the tests' helper), loads
// the bench dataset, starts the API in production mode and the hand-written
// baseline (bench/baseline/server.ts) as processes of their own, load-tests
// them with autocannon, measures the API's cold start on the embedded
// database, writes bench/results/<date>.json and prints a Markdown table.
//
// Environment: BENCH_SECONDS (15) measured seconds per scenario and server,
// BENCH_WARMUP (3) warm-up seconds, BENCH_CONNECTIONS (10), BENCH_ROUNDS (3)
// API/baseline alternations for scenario 2, BENCH_COLD_STARTS (3) restarts of
// an initialized embedded database, BENCH_OUT (bench/results/<date>.json).
// Anything else (e.g. MAX_QUERY_COST) is passed on to the API.
//
// SQL statements per request come from pg_stat_statements: the PostgreSQL
// server is started through a wrapper of its binary that adds
// `-c shared_preload_libraries=pg_stat_statements` (the helper honours PG_BIN),
// and `sum(calls)` of the bench database is read before and after each
// measured segment. Transaction control (BEGIN/COMMIT/ROLLBACK) is reported
// apart, since Prisma's SQL counter does not see it either.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { findPostgresBin, freePort, startPostgresServer, type PostgresServer } from "../test/helpers/postgres-server.js";
import { applyMigrations, type SqlExecutor } from "../src/db/migrate.js";
import { encodeId } from "../src/domain/ids.js";
import { BENCH, seedBench } from "./seed.js";
import { bundle } from "../scripts/build.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const SECONDS = envNumber("BENCH_SECONDS", 15);
const WARMUP = envNumber("BENCH_WARMUP", Math.min(3, SECONDS));
const CONNECTIONS = envNumber("BENCH_CONNECTIONS", 10);
// Each alternation segment lasts at least 1 s (autocannon's resolution).
const ROUNDS = Math.max(1, Math.min(envNumber("BENCH_ROUNDS", 3), Math.floor(SECONDS)));
const COLD_STARTS = envNumber("BENCH_COLD_STARTS", 3);
// Both servers run as production does: one prebuilt bundle each, plain `node` (see scripts/build.ts).
const API_BUNDLE = "dist/server.mjs";
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
  let out = ""; // kept (the last 4 KB) to explain a failed start
  const keep = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-4096));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM"); // graceful: the embedded database is closed cleanly
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(killer);
  });
  return { name, child, startedAt, port, output: () => out, stop };
}

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

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd (state) on
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
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
async function statementCounter(pool: pg.Pool): Promise<(() => Promise<SqlCount>) | null> {
  try {
    await pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    await pool.query("SELECT pg_stat_statements_reset()");
  } catch (e) {
    console.warn(`pg_stat_statements unavailable (${(e as Error).message}): SQL per request not measured.`);
    return null;
  }
  return async () => {
    // This query itself is excluded (it names pg_stat_statements), so readings do not drift.
    const { rows } = await pool.query<{ tx: string; all: string; activity: string }>(
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

// ---- scenarios ------------------------------------------------------------------------

const NESTED =
  "{ viewer { organizations(first: 10) { nodes { name projects(first: 10) { nodes { name environments(first: 2) { nodes { name " +
  "annotations(first: 5) { nodes { content dateMarker createdBy { email } } } } } } } } } } }";
/** 21 settings of a project (scenario 3 asks for 20). */
const SETTINGS_FIELDS =
  "timezone appUrls anonymizeIps weekStartDay sessionRecordingOptIn completedSnippetOnboarding testAccountFilters " +
  "testAccountFiltersDefaultChecked isDemo dataAttributes autocaptureOptOut autocaptureExceptionsOptIn captureConsoleLogOptIn " +
  "capturePerformanceOptIn sessionRecordingSampleRate sessionRecordingMinimumDurationMilliseconds sessionRecordingRetentionPeriod " +
  "surveysOptIn heatmapsOptIn baseCurrency";

interface Scenario {
  id: string;
  title: string;
  /** The request body of the n-th request (n counts on across warm-up and measurement). */
  body: (n: number) => string;
  /** Whether a response body is a success (no `errors`, no `userErrors`). */
  ok: (body: string) => boolean;
  /** Scenario 2 runs on the baseline too, interleaved with the API. */
  withBaseline?: boolean;
}

function scenarios(projectIds: number[]): Scenario[] {
  const gql = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });
  const noErrors = (body: string) => !body.includes('"errors"');
  const noUserErrors = (body: string) => noErrors(body) && body.includes('"userErrors":[]');
  // Writes go round-robin over all 500 projects, so consecutive writes to one project are 500
  // requests apart (never concurrent) and alternate its value: every request is a real change.
  const project = (n: number) => encodeId("Project", projectIds[n % projectIds.length]);
  return [
    {
      id: "1-organizations",
      title: "viewer.organizations(first: 10) { name }",
      body: () => gql(`{ viewer { organizations(first: 10) { nodes { name } } } }`),
      ok: noErrors,
    },
    {
      id: "2-nested",
      title: "nested read orgs 10 → projects 10 → envs 2 → annotations 5",
      body: () => gql(NESTED),
      ok: noErrors,
      withBaseline: true,
    },
    {
      id: "3-node-settings",
      title: "node(id:) of a project, 20 settings",
      body: (n) => gql(`query($id: ID!) { node(id: $id) { ... on Project { ${SETTINGS_FIELDS} } } }`, { id: project(n) }),
      ok: noErrors,
    },
    {
      id: "4-update-project",
      title: "updateProject (one setting; activity entry)",
      body: (n) =>
        gql(
          "mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { id anonymizeIps } " +
            "userErrors { code message } } }",
          {
            input: { id: project(n), anonymizeIps: Math.floor(n / projectIds.length) % 2 === 0 },
          },
        ),
      ok: noUserErrors,
    },
    {
      id: "5-rotate-token",
      title: "rotateProjectSecretToken",
      body: (n) =>
        gql(
          "mutation($input: RotateProjectSecretTokenInput!) { rotateProjectSecretToken(input: $input) { project { id secretApiToken } " +
            "userErrors { code message } } }",
          {
            input: { id: project(n) },
          },
        ),
      ok: noUserErrors,
    },
  ];
}

// ---- load ------------------------------------------------------------------------------

interface Segment {
  seconds: number;
  completed: number;
  sent: number;
  latencies: number[];
  failed: number; // non-2xx, connection errors, timeouts, bodies with errors
  cpuMs: number;
  sql: SqlCount | null;
}

/** One autocannon run against a server; `counter` makes request bodies vary across runs. */
async function load(
  proc: Proc,
  key: string,
  scenario: Scenario,
  counter: { n: number },
  seconds: number,
): Promise<Omit<Segment, "cpuMs" | "sql">> {
  const latencies: number[] = [];
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${proc.port}/graphql`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}` },
    requests: [{ method: "POST", setupRequest: (req) => ({ ...req, body: scenario.body(counter.n++) }) }],
    verifyBody: (body) => scenario.ok(String(body)),
  };
  // The callback form returns the instance, whose "response" events give every latency
  // (autocannon's result has only percentiles, which cannot be merged across segments).
  const result = await new Promise<autocannon.Result>((res, rej) => {
    const instance = autocannon(options, (err, r) => (err ? rej(err) : res(r)));
    instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  return {
    seconds: result.duration,
    completed: result.requests.total,
    sent: result.requests.sent,
    latencies,
    failed: result.non2xx + result.errors + result.timeouts + result.mismatches,
  };
}

/**
 * Waits until the server has finished the requests autocannon left in flight when it
 * stopped (they still run, and their SQL must count in the segment that sent them):
 * until neither its CPU time nor the statement count moves for 150 ms.
 */
async function settle(proc: Proc, sql: (() => Promise<SqlCount>) | null): Promise<void> {
  const reading = async () => `${cpuMs(proc.child.pid!)}/${(await sql?.())?.statements}`;
  let last = await reading();
  for (let i = 0; i < 100; i += 1) {
    await sleep(150);
    const now = await reading();
    if (now === last) return;
    last = now;
  }
}

async function measure(
  proc: Proc,
  key: string,
  scenario: Scenario,
  counter: { n: number },
  seconds: number,
  sql: (() => Promise<SqlCount>) | null,
): Promise<Segment> {
  const sql0 = await sql?.();
  const cpu0 = cpuMs(proc.child.pid!);
  const run = await load(proc, key, scenario, counter, seconds);
  await settle(proc, sql);
  const sql1 = await sql?.();
  return {
    ...run,
    cpuMs: cpuMs(proc.child.pid!) - cpu0,
    sql:
      sql0 && sql1
        ? {
            statements: sql1.statements - sql0.statements,
            transactionControl: sql1.transactionControl - sql0.transactionControl,
            activityLog: sql1.activityLog - sql0.activityLog,
          }
        : null,
  };
}

const percentile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : Number.NaN;
const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

interface Figures {
  scenario: string;
  title: string;
  server: "api" | "baseline";
  requestsPerSecond: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  sqlPerRequest: number | null;
  transactionControlPerRequest: number | null;
  activityLogPerRequest: number | null;
  cpuMsPerRequest: number | null;
  rssMbAfter: number;
  requests: number;
  failed: number;
  error?: string;
}

function summarize(scenario: Scenario, server: Proc, segments: Segment[]): Figures {
  const sum = (f: (s: Segment) => number) => segments.reduce((a, s) => a + f(s), 0);
  const completed = sum((s) => s.completed);
  const sent = sum((s) => s.sent); // every sent request ran on the server within its segment (see settle)
  const latencies = segments.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const sqlKnown = segments.every((s) => s.sql);
  return {
    scenario: scenario.id,
    title: scenario.title,
    server: server.name as Figures["server"],
    requestsPerSecond: round(completed / sum((s) => s.seconds)),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    sqlPerRequest: sqlKnown ? round(sum((s) => s.sql!.statements) / sent, 2) : null,
    transactionControlPerRequest: sqlKnown ? round(sum((s) => s.sql!.transactionControl) / sent, 2) : null,
    activityLogPerRequest: sqlKnown ? round(sum((s) => s.sql!.activityLog) / sent, 2) : null,
    cpuMsPerRequest: round(sum((s) => s.cpuMs) / sent),
    rssMbAfter: rssMb(server.child.pid!),
    requests: completed,
    failed: sum((s) => s.failed),
  };
}

function notRun(scenario: Scenario, server: Proc, error: string): Figures {
  const none = {
    requestsPerSecond: null,
    p50Ms: null,
    p99Ms: null,
    sqlPerRequest: null,
    transactionControlPerRequest: null,
    activityLogPerRequest: null,
    cpuMsPerRequest: null,
  };
  return {
    scenario: scenario.id,
    title: scenario.title,
    server: server.name as Figures["server"],
    ...none,
    rssMbAfter: rssMb(server.child.pid!),
    requests: 0,
    failed: 0,
    error,
  };
}

/** One request, to check a scenario works before loading it; answers the parsed body or throws. */
async function probe(proc: Proc, key: string, scenario: Scenario, n: number): Promise<{ data?: unknown }> {
  const response = await fetch(`http://127.0.0.1:${proc.port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}` },
    body: scenario.body(n),
  });
  const text = await response.text();
  if (response.status !== 200 || !scenario.ok(text)) throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

// ---- cold start --------------------------------------------------------------------------

/** Process start → /readyz 200 of the API on a fresh embedded database, then on the initialized one. */
async function coldStarts(): Promise<{ firstMs: number; subsequentMs: number[]; rssMbAtReady: number }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-pglite-"));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const env = { NODE_ENV: "production", DATA_DIR: join(dir, "pglite"), SEED_DEMO: "true", DATABASE_URL: undefined };
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

function machine() {
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
  };
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const info = machine();
  console.log(
    `bench ${date}: ${info.nproc} cores (${info.cpu}), ${SECONDS} s per scenario and server, ` +
      `warm-up ${WARMUP} s, ${CONNECTIONS} connections`,
  );
  await Promise.all([bundle("src/server.ts", API_BUNDLE), bundle("bench/baseline/server.ts", BASELINE_BUNDLE)]);

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
  const admin = new pg.Pool({ connectionString: postgres.url(), max: 1 });
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
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", () => {}); // an idle client told of the server's shutdown is no failure
  const endPool = onCleanup(() => pool.end());
  const exec: SqlExecutor = {
    script: async (sql) => void (await pool.query(sql)),
    query: async (sql, params = []) => (await pool.query(sql, params)).rows,
  };
  await applyMigrations(exec);
  const seeded = await seedBench(exec);
  console.log(`seeded in ${seeded.ms} ms`);
  const key = seeded.key;
  const projectIds = (
    await pool.query<{ id: number }>(
      `SELECT p.id FROM "Project" p JOIN "Organization" o ON o.id = p."organizationId" WHERE o.slug LIKE 'bench-org-%' ORDER BY p.id`,
    )
  ).rows.map((r) => r.id);
  const sql = await statementCounter(pool);

  const api = await startNode("api", API_BUNDLE, { NODE_ENV: "production", DATABASE_URL: url, SEED_DEMO: "false" });
  const baseline = await startNode("baseline", BASELINE_BUNDLE, { DATABASE_URL: url });
  await Promise.all([waitReady(api), waitReady(baseline)]);
  // Before any load: what the processes hold when idle (code, schema, Wasm), apart from what load adds.
  const rssAtReady = { api: rssMb(api.child.pid!), baseline: rssMb(baseline.child.pid!) };

  const figures: Figures[] = [];
  const notes: string[] = [];
  for (const scenario of scenarios(projectIds)) {
    const servers = scenario.withBaseline ? [api, baseline] : [api];
    const counters = new Map(servers.map((s) => [s, { n: 0 }]));
    // A scenario that does not work (e.g. a field not yet in the schema) is reported, not loaded.
    const working: Proc[] = [];
    const answers = new Map<Proc, unknown>();
    for (const server of servers) {
      try {
        answers.set(server, (await probe(server, key, scenario, counters.get(server)!.n++)).data);
        working.push(server);
      } catch (e) {
        const message = (e as Error).message;
        console.warn(`${scenario.id} on ${server.name}: skipped: ${message}`);
        figures.push(notRun(scenario, server, message));
      }
    }
    if (answers.size === 2) {
      const same = JSON.stringify(answers.get(api)) === JSON.stringify(answers.get(baseline));
      notes.push(`${scenario.id}: API and baseline JSON ${same ? "identical" : "DIFFER"}`);
      if (!same) console.warn(`${scenario.id}: the API's and the baseline's data differ; compare them before trusting the ratio.`);
    }
    for (const server of working) {
      await load(server, key, scenario, counters.get(server)!, WARMUP);
      await settle(server, sql);
    }
    // Interleaved so that noise (other processes, CPU boost) hits both servers alike.
    const segments = new Map<Proc, Segment[]>(working.map((s) => [s, []]));
    const rounds = working.length > 1 ? ROUNDS : 1;
    for (let round = 0; round < rounds; round += 1) {
      for (const server of working)
        segments.get(server)!.push(await measure(server, key, scenario, counters.get(server)!, SECONDS / rounds, sql));
    }
    for (const server of working) {
      const f = summarize(scenario, server, segments.get(server)!);
      figures.push(f);
      console.log(
        `${scenario.id} ${server.name}: ${f.requestsPerSecond} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, SQL/req ${f.sqlPerRequest}` +
          (f.activityLogPerRequest ? `, activity entries/req ${f.activityLogPerRequest}` : "") +
          (f.failed ? `, ${f.failed} FAILED` : ""),
      );
    }
  }
  const rss = { api: rssMb(api.child.pid!), baseline: rssMb(baseline.child.pid!) };
  await api.stop();
  await baseline.stop();
  await endPool();
  await stopPostgres(); // before the cold starts: nothing else competes for the cores

  console.log("cold start on the embedded database ...");
  const cold = await coldStarts();

  const find = (server: string) => figures.find((f) => f.scenario === "2-nested" && f.server === server && f.requestsPerSecond !== null);
  const apiNested = find("api");
  const baseNested = find("baseline");
  const ratio =
    apiNested && baseNested
      ? {
          requestsPerSecond: round(apiNested.requestsPerSecond! / baseNested.requestsPerSecond!, 2),
          p99: round(apiNested.p99Ms! / baseNested.p99Ms!, 2),
        }
      : null;

  const results = {
    date,
    machine: info,
    config: { seconds: SECONDS, warmupSeconds: WARMUP, connections: CONNECTIONS, interleavedRounds: ROUNDS, autocannon: true },
    dataset: {
      ...BENCH,
      annotations: BENCH.organizations * BENCH.projectsPerOrganization * BENCH.environmentsPerProject * BENCH.annotationsPerEnvironment,
      seedMs: seeded.ms,
    },
    statementCounting: sql ? "pg_stat_statements (sum of calls in the bench database per measured segment / requests sent)" : "unavailable",
    scenarios: figures,
    nestedRatioApiOverBaseline: ratio,
    rssMbAtReady: rssAtReady,
    rssMbAfterRuns: rss,
    coldStartEmbedded: {
      ...cold,
      note: "process start → /readyz 200; NODE_ENV=production, SEED_DEMO=true; first = fresh DATA_DIR (initdb, migrations, demo seed)",
    },
    notes,
  };
  const out = process.env.BENCH_OUT ?? join(ROOT, "bench", "results", `${date}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

  const cell = (x: number | null | undefined) => (x === null || x === undefined ? "–" : String(x));
  const lines = [
    `Measured ${date} on ${info.nproc} cores (${info.cpu}), ${info.node}, ${info.postgres}; ` +
      `autocannon, ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${SECONDS} s per scenario and server` +
      (ROUNDS > 1 ? ` (scenario 2: ${ROUNDS} alternating API/baseline segments)` : "") +
      ".",
    "",
    "| scenario | server | req/s | p50 ms | p99 ms | SQL / request | server CPU ms / request | RSS MB after |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...figures.map(
      (f) =>
        `| ${f.title} | ${f.server}${f.error ? " (not run: see JSON)" : ""} ` +
        `| ${cell(f.requestsPerSecond)} | ${cell(f.p50Ms)} | ${cell(f.p99Ms)} ` +
        `| ${cell(f.sqlPerRequest)}${f.transactionControlPerRequest ? ` (+${f.transactionControlPerRequest} tx)` : ""} ` +
        `| ${cell(f.cpuMsPerRequest)} | ${f.rssMbAfter} |`,
    ),
    "",
    ratio
      ? `Scenario 2, API / baseline: ${ratio.requestsPerSecond}× the requests/s, ${ratio.p99}× the p99.`
      : "Scenario 2 ratio: not measured (a side did not run).",
    `Cold start on the embedded database (process start → /readyz 200): first ${cold.firstMs} ms (fresh data directory), ` +
      `then ${cold.subsequentMs.join(", ")} ms; RSS at ready ${cold.rssMbAtReady} MB.`,
    `RSS at ready (before load): API ${rssAtReady.api} MB, baseline ${rssAtReady.baseline} MB; ` +
      `after all runs: API ${rss.api} MB, baseline ${rss.baseline} MB.`,
  ];
  console.log(`\n${lines.join("\n")}\n\nResults: ${out}`);
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
  await main();
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
