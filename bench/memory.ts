// `npx tsx bench/memory.ts`: how the API's memory grows with distinct documents, and what holds it
// (part of issue 14). A focused, quick companion of `npm run bench -- --documents`: no wrk,
// no baseline, one database, and figures every few hundred documents instead of only at the end.
//
// Starts the API as production runs it (one esbuild bundle, plain `node`, NODE_ENV=production) on
// a throw-away PostgreSQL server (the tests' helper) or on a fresh embedded database, both loaded
// with the benchmark's data (bench/seed.ts), sends N distinct valid documents (bench/documents.ts,
// the same ones as the benchmark's memory pass) from this process, CONCURRENCY at a time, checks
// that each one answers data and no errors, and prints the server's RSS (/proc/<pid>/status) as it
// goes. With `--gc` the server also gets `--inspect` on loopback, and at each sample this script
// asks V8 (through the inspector) to collect garbage and reads the live heap: RSS alone mixes what
// is kept with garbage not collected yet. `--snapshot` adds a heap snapshot at the end, summarized
// by constructor (self size): what the kept memory is made of.
//
//   npx tsx bench/memory.ts                                  # PostgreSQL, 10,000 documents
//   npx tsx bench/memory.ts --embedded --documents 2000 --gc
//   npx tsx bench/memory.ts --documents 1500 --gc --snapshot
//
// Options: --embedded (the embedded database instead of PostgreSQL), --documents N (10000),
// --every N (samples; 1000), --concurrency N (8), --nested N (sends the benchmark's nested read
// N times first, CONCURRENCY at a time, and prints requests/s and the server's CPU per request;
// 0 by default: a repeated document, which must stay compiled), --gc, --snapshot,
// --node "<flags>" (flags for the API's node, e.g. "--max-semi-space-size=8", V8 flags that
// NODE_OPTIONS does not take included). Any environment variable (e.g. NODE_OPTIONS, the cache
// sizes, MALLOC_ARENA_MAX) reaches the API.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import WebSocket from "ws";
import { freePort, startPostgresServer, type PostgresServer } from "../test/helpers/postgres-server.js";
import { applyMigrations, type SqlExecutor } from "../src/db/migrate.js";
import { bundle } from "../scripts/build.js";
import { distinctDocument } from "./documents.js";
import { BENCH_API_KEY, seedBench } from "./seed.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BUNDLE = "bench/.work/memory-api.mjs";

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
  return value;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const EMBEDDED = flag("embedded");
const DOCUMENTS = option("documents", 10_000);
const EVERY = Math.max(1, option("every", 1000));
const CONCURRENCY = Math.max(1, option("concurrency", 8));
const NESTED_REPEATS = option("nested", 0);
const GC = flag("gc") || flag("snapshot");
const SNAPSHOT = flag("snapshot");
const NODE_FLAGS = process.argv.includes("--node") ? process.argv[process.argv.indexOf("--node") + 1].split(/\s+/).filter(Boolean) : [];

/** The benchmark's scenario 2 (bench/run.ts): the document that must stay compiled. */
const NESTED =
  "{ viewer { organizations(first: 10) { nodes { name projects(first: 10) { nodes { name environments(first: 2) { nodes { name " +
  "annotations(first: 5) { nodes { content dateMarker createdBy { email } } } } } } } } } } }";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => Promise<void>)[] = [];

// ---- /proc ---------------------------------------------------------------------------------

function statusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
/** CPU time (user + system) of a process so far, in ms (/proc/<pid>/stat's utime and stime). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

// ---- the database --------------------------------------------------------------------------

interface Target {
  env: Record<string, string | undefined>;
  describe: string;
}

async function postgres(): Promise<Target> {
  const server: PostgresServer = await startPostgresServer("memory");
  cleanups.push(() => server.stop());
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query("CREATE DATABASE bench");
  await admin.end();
  const url = server.url("bench");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const exec: SqlExecutor = {
    script: async (sql) => void (await client.query(sql)),
    query: async (sql, params = []) => (await client.query(sql, params)).rows,
  };
  await applyMigrations(exec);
  await seedBench(exec);
  await client.end();
  return { env: { DATABASE_URL: url }, describe: "PostgreSQL 15 on loopback" };
}

function embedded(): Target {
  const dir = mkdtempSync(join(tmpdir(), "bench-memory-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, "pglite");
  // Its own process: the API takes the data directory's lock when it opens it.
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SEED_DEMO: "false", NODE_ENV: "production" };
  delete env.DATABASE_URL;
  execFileSync(process.execPath, ["--import", "tsx", "bench/seed.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
  return { env: { DATA_DIR: dataDir, DATABASE_URL: undefined }, describe: "the embedded database (PGlite)" };
}

// ---- the server ----------------------------------------------------------------------------

interface Server {
  child: ChildProcess;
  port: number;
  inspectorPort?: number;
  output: () => string;
}

async function startServer(target: Target): Promise<Server> {
  const port = await freePort();
  const inspectorPort = GC ? await freePort() : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    SEED_DEMO: "false",
    // Thousands of requests with one key: the cost budget would refuse most of them.
    RATE_LIMIT: process.env.RATE_LIMIT ?? "off",
    HOST: "127.0.0.1",
    PORT: String(port),
    ...target.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const args = [...NODE_FLAGS, ...(inspectorPort ? [`--inspect=127.0.0.1:${inspectorPort}`] : []), BUNDLE];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-16_384));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(killer);
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}):\n${out}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return { child, port, inspectorPort, output: () => out };
    } catch {
      /* not listening yet */
    }
    await sleep(20);
  }
  throw new Error(`the API was not ready after 120 s:\n${out}`);
}

// ---- V8 through the inspector (only with --gc) ---------------------------------------------

interface Inspector {
  call<T = unknown>(method: string, params?: object): Promise<T>;
  on(method: string, listener: (params: Record<string, unknown>) => void): void;
  close(): void;
}

async function inspector(port: number): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl, { maxPayload: 1 << 30 });
  await new Promise<void>((res, rej) => {
    socket.once("open", () => res());
    socket.once("error", rej);
  });
  let id = 0;
  const waiting = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  const listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (message.id !== undefined) {
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) w?.rej(new Error(JSON.stringify(message.error)));
      else w?.res(message.result);
    } else {
      for (const l of listeners.get(message.method) ?? []) l(message.params);
    }
  });
  return {
    call: (method, params = {}) =>
      new Promise((res, rej) => {
        id += 1;
        waiting.set(id, { res: (value) => res(value as never), rej });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    on: (method, listener) => listeners.set(method, [...(listeners.get(method) ?? []), listener]),
    close: () => socket.close(),
  };
}

interface HeapFigures {
  /** Before the collection: V8's heap spaces, committed (used) MB each. */
  spacesBefore: string;
  heapUsedMb: number;
  externalMb: number;
}

/** V8's heap spaces as "new 33 (12), old 120 (80), ..." (committed MB, used MB in parentheses). */
const SPACES =
  "JSON.stringify(require('v8').getHeapSpaceStatistics().filter((s) => s.space_size > 1048576)" +
  ".map((s) => s.space_name.replace('_space', '') + ' ' + Math.round(s.space_size / 1048576) + ' (' + Math.round(s.space_used_size / 1048576) + ')')" +
  ".join(', '))";

/**
 * Reads the heap spaces as they are, then collects garbage (twice: weak references and their maps settle) and
 * reads process.memoryUsage().
 */
async function collectAndMeasure(port: number): Promise<HeapFigures> {
  const v8 = await inspector(port);
  const evaluate = async (expression: string) =>
    JSON.parse(
      (await v8.call<{ result: { value: string } }>("Runtime.evaluate", { expression, returnByValue: true, includeCommandLineAPI: true }))
        .result.value,
    );
  try {
    const spacesBefore = (await evaluate(SPACES)) as string;
    await v8.call("HeapProfiler.collectGarbage");
    await v8.call("HeapProfiler.collectGarbage");
    const usage = (await evaluate("JSON.stringify(process.memoryUsage())")) as NodeJS.MemoryUsage;
    return { spacesBefore, heapUsedMb: Math.round(usage.heapUsed / 1048576), externalMb: Math.round(usage.external / 1048576) };
  } finally {
    v8.close();
  }
}

/** A heap snapshot, summarized: self size and count per node type and constructor, largest first. */
async function snapshotSummary(port: number, top = 30): Promise<string> {
  const v8 = await inspector(port);
  const chunks: string[] = [];
  v8.on("HeapProfiler.addHeapSnapshotChunk", (p) => chunks.push(String(p.chunk)));
  try {
    await v8.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  } finally {
    v8.close();
  }
  const snapshot = JSON.parse(chunks.join("")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const byKind = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt]];
    const name = snapshot.strings[snapshot.nodes[i + nameAt]];
    const size = snapshot.nodes[i + sizeAt];
    total += size;
    // Strings and code are grouped by type (their names are their contents); objects and closures by name.
    const key = ["string", "concatenated string", "sliced string", "number", "code", "hidden", "array"].includes(type)
      ? `(${type})`
      : `${type} ${name.slice(0, 60)}`;
    const entry = byKind.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += size;
    entry.count += 1;
    byKind.set(key, entry);
  }
  const rows = [...byKind.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
  const mb = (b: number) => (b / 1048576).toFixed(1).padStart(7);
  return [
    `heap snapshot: ${mb(total)} MB in ${snapshot.nodes.length / fields.length} nodes; largest kinds by self size:`,
    ...rows.map(([k, v]) => `  ${mb(v.bytes)} MB  ${String(v.count).padStart(8)}  ${k}`),
  ].join("\n");
}

// ---- the load ------------------------------------------------------------------------------

async function send(port: number, query: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${BENCH_API_KEY}` },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"data"') || text.includes('"errors"')) {
    throw new Error(`HTTP ${response.status} for ${query.slice(0, 80)}…: ${text.slice(0, 400)}`);
  }
}

/** Sends documents from..to-1, CONCURRENCY at a time. */
async function sendRange(port: number, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const n = next;
      next += 1;
      await send(port, distinctDocument(n));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  await bundle("src/server.ts", join(ROOT, BUNDLE));
  const target = EMBEDDED ? embedded() : await postgres();
  const server = await startServer(target);
  const pid = server.child.pid!;
  const line = async (label: string) => {
    const rss = statusMb(pid, "VmRSS");
    const heap = server.inspectorPort ? await collectAndMeasure(server.inspectorPort) : null;
    const after = heap
      ? `; heap spaces ${heap.spacesBefore}; after GC: heap ${heap.heapUsedMb} MB, external ${heap.externalMb} MB, RSS ${statusMb(pid, "VmRSS")} MB`
      : "";
    console.log(`${label.padEnd(24)} RSS ${String(rss).padStart(5)} MB (peak ${statusMb(pid, "VmHWM")} MB)${after}`);
  };
  console.log(
    `API on ${target.describe}, NODE_ENV=production${process.env.NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.NODE_OPTIONS}` : ""}` +
      `${NODE_FLAGS.length ? `, node ${NODE_FLAGS.join(" ")}` : ""}; ` +
      `${DOCUMENTS} distinct documents, ${CONCURRENCY} at a time${GC ? "; GC forced at each sample (--gc)" : ""}`,
  );
  await line("at ready");
  if (NESTED_REPEATS) {
    // CONCURRENCY at a time, like the documents; CPU per request is the figure that noise on a shared machine moves least.
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < NESTED_REPEATS) {
          sent += 1;
          await send(server.port, NESTED);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `nested read ×${NESTED_REPEATS}: ${(NESTED_REPEATS / seconds).toFixed(1)} req/s, ` +
        `server CPU ${((cpuMs(pid) - cpu0) / NESTED_REPEATS).toFixed(1)} ms/request`,
    );
    await line(`nested read ×${NESTED_REPEATS}`);
  }
  const started = performance.now();
  for (let from = 0; from < DOCUMENTS; from += EVERY) {
    const to = Math.min(DOCUMENTS, from + EVERY);
    await sendRange(server.port, from, to);
    await line(`${to} documents`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${DOCUMENTS} documents in ${seconds.toFixed(1)} s (${(DOCUMENTS / seconds).toFixed(0)}/s, measurements included)`);
  await sleep(5_000);
  await line("5 s idle");
  if (SNAPSHOT && server.inspectorPort) console.log(await snapshotSummary(server.inspectorPort));
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  for (const fn of cleanups.reverse()) await fn().catch((e) => console.error("cleanup:", e));
}
