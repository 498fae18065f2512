// The benchmark's load generator: wrk (Debian's package), driven from bench/run.ts.
//
// Why wrk and not a Node load generator: on a 2-core machine the client shares the
// cores with the server under test and PostgreSQL. autocannon spent as much CPU per
// request as a cheap server does (JSON bodies, per-response events in JavaScript), so
// the benchmark partly measured itself. wrk is C with one event loop; it uses a few
// per cent of a core at these rates (the runner reports its CPU per request).
//
// Each run gets a generated Lua script in bench/.work/ (ignored): it POSTs the
// scenario's request bodies (read from a file, one JSON body a line, sent in a cycle
// that continues across runs), checks every response (a non-2xx status or a body that
// fails the scenario's check is counted, never averaged in), and its `done()` prints
// one JSON line: requests sent and completed, the failures by kind, and a grid of latency
// percentiles (dense in the tail), so that segments can be pooled (pooledPercentile).
//
// One wrk thread: it drives 32 connections at these rates with CPU to spare, and it
// keeps the write scenarios' order (the n-th request is the n-th body of the cycle, so
// two writes to one project are a whole cycle apart and each one changes the value).
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { delimiter, join } from "node:path";

/** Reported by the runner as a message and exit code 1, without a stack trace. */
export class BenchSetupError extends Error {}

function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * The path of wrk: BENCH_WRK, else `wrk` on PATH. When it is missing, installs Debian's
 * package the way .ci/run installs its packages (apt-get with TMPDIR=/var/tmp; sudo when
 * not root, non-interactively), since machines of this project start without it and the
 * project's own files must install what it needs. BENCH_INSTALL=0, no apt-get, or a sudo
 * that would ask for a password: prints the command instead and stops.
 */
export function ensureWrk(): string {
  const explicit = process.env.BENCH_WRK;
  if (explicit) {
    if (!existsSync(explicit)) throw new BenchSetupError(`BENCH_WRK=${explicit}: no such file.`);
    return explicit;
  }
  const found = which("wrk");
  if (found) return found;
  const root = process.getuid?.() === 0;
  const sudo = root ? "" : "sudo ";
  const update = `${sudo}env TMPDIR=/var/tmp apt-get update -qq`;
  const install = `${sudo}env TMPDIR=/var/tmp DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk`;
  const manual = `wrk (the load generator) is missing. Install Debian's package, then run the benchmark again:\n  ${update} && ${install}`;
  if (process.env.BENCH_INSTALL === "0") throw new BenchSetupError(`${manual}\n(BENCH_INSTALL=0: not installing it myself.)`);
  if (!which("apt-get")) throw new BenchSetupError(`wrk (the load generator) is missing and this machine has no apt-get: install wrk 4.x.`);
  if (!root) {
    try {
      execFileSync("sudo", ["-n", "true"], { stdio: "ignore" });
    } catch {
      throw new BenchSetupError(`${manual}\n(sudo needs a password here, so the benchmark does not run it.)`);
    }
  }
  console.log(`bench: installing Debian's wrk package: ${update} && ${install}`);
  const prefix = root ? [] : ["sudo", "-n"];
  const apt = (args: string[], extraEnv: string[]) => {
    const [cmd, ...rest] = [...prefix, "env", "TMPDIR=/var/tmp", ...extraEnv, "apt-get", ...args];
    execFileSync(cmd, rest, { stdio: ["ignore", "ignore", "inherit"] }); // as .ci/run: progress to /dev/null
  };
  try {
    apt(["update", "-qq"], []);
    apt(["install", "-y", "-qq", "wrk"], ["DEBIAN_FRONTEND=noninteractive"]);
  } catch (e) {
    throw new BenchSetupError(`${manual}\n(installing it failed: ${(e as Error).message})`);
  }
  const installed = which("wrk") ?? (existsSync("/usr/bin/wrk") ? "/usr/bin/wrk" : null);
  if (!installed) throw new BenchSetupError(`${manual}\n(apt-get finished but wrk is still not on PATH.)`);
  return installed;
}

/** `wrk 4.1.0 [epoll] ...` → "wrk 4.1.0 [epoll]" (wrk -v exits 1 after printing its usage). */
export function wrkVersion(wrk: string): string {
  let text: string;
  try {
    text = execFileSync(wrk, ["-v"], { stdio: ["ignore", "pipe", "pipe"] }).toString();
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer };
    text = `${err.stdout ?? ""}${err.stderr ?? ""}`;
  }
  return /wrk \S+( \[\w+\])?/.exec(text)?.[0] ?? "wrk (unknown version)";
}

// ---- scripts ----------------------------------------------------------------------------

/** A Lua string literal for any text (escapes quotes, backslashes and control characters). */
function lua(text: string): string {
  let out = '"';
  for (const ch of Buffer.from(text, "utf8")) {
    if (ch === 0x22 || ch === 0x5c) out += `\\${String.fromCharCode(ch)}`;
    else if (ch < 0x20 || ch >= 0x7f)
      out += `\\${ch}`; // decimal escape, byte by byte
    else out += String.fromCharCode(ch);
  }
  return `${out}"`;
}

export interface WrkLoad {
  /** Where the generated script and bodies go, and the run's raw output (a name unique per load). */
  workDir: string;
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The cycle of request bodies: request n sends bodies[n % length]. No body may contain a newline. */
  bodies: readonly string[];
  /** A 2xx body counts as failed when it lacks one of these, or contains one of `mustNotContain`. */
  mustContain: readonly string[];
  mustNotContain: readonly string[];
}

/** The percentiles (0–100) each run reports, besides its minimum and maximum: dense in the tail. */
const PERCENTILE_GRID = [
  ...Array.from({ length: 97 }, (_, i) => i + 1), // 1 … 97
  97.5,
  98,
  98.5,
  ...Array.from({ length: 10 }, (_, i) => (990 + i) / 10), // 99 … 99.9
  99.95,
  99.99,
];

/** Writes the load's bodies file and Lua script once; answers the script's path. */
export function writeWrkScript(load: WrkLoad): { script: string } {
  mkdirSync(load.workDir, { recursive: true });
  const bodiesFile = join(load.workDir, `${load.name}.bodies`);
  for (const body of load.bodies) if (body.includes("\n")) throw new Error(`${load.name}: a body contains a newline`);
  writeFileSync(bodiesFile, `${load.bodies.join("\n")}\n`);
  const script = join(load.workDir, `${load.name}.lua`);
  const list = (xs: readonly string[]) => `{ ${xs.map(lua).join(", ")} }`;
  writeFileSync(
    script,
    `-- Generated by bench/wrk.ts for the load "${load.name}"; rewritten on every run of the benchmark.
-- Arguments (after --): the first n (request n sends body n % #bodies + 1), and the number of
-- responses after which to stop (0: run for wrk's -d duration).
wrk.method = "POST"
${Object.entries(load.headers)
  .map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`)
  .join("\n")}

local MUST = ${list(load.mustContain)}
local MUST_NOT = ${list(load.mustNotContain)}
local GRID = { ${PERCENTILE_GRID.join(", ")} }
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Globals of the thread's own Lua state, read by done() through thread:get().
n, sent, responses, non2xx, badbody = 0, 0, 0, 0, 0
local bodies, stop_after, single = {}, 0, nil

function init(args)
  for line in io.lines(${lua(bodiesFile)}) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  -- wrk calls request() once before the run to check it (script_verify_request): start one
  -- early so that the first request sent is body n of the cycle and \`sent\` counts real ones.
  n = tonumber(args[1] or "0") - 1
  sent = -1
  stop_after = tonumber(args[2] or "0")
  if #bodies == 1 then single = wrk.format(nil, nil, nil, bodies[1]) end
end

function request()
  local body = bodies[n % #bodies + 1]
  n = n + 1
  sent = sent + 1
  if single then return single end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  else
    local ok = true
    for _, m in ipairs(MUST) do
      if not string.find(body, m, 1, true) then ok = false end
    end
    for _, m in ipairs(MUST_NOT) do
      if string.find(body, m, 1, true) then ok = false end
    end
    if not ok then badbody = badbody + 1 end
  end
  if stop_after > 0 and responses == stop_after then
    -- wrk's main thread sleeps for the whole -d: the runner ends it with SIGINT on this line.
    io.write("BENCH_WRK_STOP\\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t = { sent = 0, responses = 0, non2xx = 0, badbody = 0, next = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      if k ~= "next" then t[k] = t[k] + thread:get(k) end
    end
    t.next = math.max(t.next, thread:get("n"))
  end
  -- wrk's Lua API gives percentiles, not the samples: a grid of them (each a scan of wrk's
  -- 1 µs histogram), so that segments can be pooled (bench/wrk.ts, pooledPercentile).
  local grid = {}
  if summary.requests > 0 then
    grid[1] = "[0," .. latency.min .. "]"
    for _, p in ipairs(GRID) do grid[#grid + 1] = "[" .. p .. "," .. latency:percentile(p) .. "]" end
    grid[#grid + 1] = "[100," .. latency.max .. "]"
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_WRK_JSON {"durationUs":%d,"completed":%d,"bytes":%d,"sent":%d,"responses":%d,"non2xx":%d,"badBody":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"next":%d,' ..
    '"p50Us":%d,"p90Us":%d,"p99Us":%d,"grid":[%s]}\\n',
    summary.duration, summary.requests, summary.bytes, t.sent, t.responses, t.non2xx, t.badbody,
    e.connect, e.read, e.write, e.status, e.timeout, t.next,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), table.concat(grid, ",")))
end
`,
  );
  return { script };
}

// ---- runs ------------------------------------------------------------------------------

export interface WrkResult {
  /** Measured duration (wrk's own clock), s. */
  seconds: number;
  /** Responses received (any status). */
  completed: number;
  /** Requests written, including those still in flight when wrk stopped (the server runs them). */
  sent: number;
  /** The n of the next request, to continue the body cycle in the next run. */
  next: number;
  failures: { non2xx: number; badBody: number; connect: number; read: number; write: number; timeout: number };
  /** [percentile 0–100, latency µs] pairs, in order, from the minimum (0) to the maximum (100). */
  grid: [number, number][];
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** wrk's own CPU (user + system), ms. */
  clientCpuMs: number;
}

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
/** CPU time of this process's reaped children (cutime + cstime), ms: wrk's, once it has exited. */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
}

export function totalFailures(f: WrkResult["failures"]): number {
  return f.non2xx + f.badBody + f.connect + f.read + f.write + f.timeout;
}

/**
 * Runs wrk once: `seconds` long (whole seconds: wrk's -d has no finer unit), or until
 * `stopAfter` responses (then `seconds` is only the limit). Starts the body cycle at `start`.
 */
export async function runWrk(
  wrk: string,
  load: WrkLoad,
  script: string,
  opts: {
    connections: number;
    seconds: number;
    start: number;
    stopAfter?: number;
    label: string;
    /** Ends the run early (e.g. the server under test exited): wrk still prints its figures. */
    signal?: AbortSignal;
  },
): Promise<WrkResult> {
  const args = [
    "-t1",
    `-c${opts.connections}`,
    `-d${Math.max(1, Math.round(opts.seconds))}s`,
    "--timeout",
    "60s", // a slow response is a latency, not an error (wrk drops latencies over the timeout)
    "--latency",
    "-s",
    script,
    load.url,
    "--",
    String(opts.start),
    String(opts.stopAfter ?? 0),
  ];
  const cpu0 = childrenCpuMs();
  const child = spawn(wrk, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
    if (opts.stopAfter && stdout.includes("BENCH_WRK_STOP\n")) child.kill("SIGINT"); // wrk then prints its results
  });
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const interrupt = () => child.kill("SIGINT");
  if (opts.signal?.aborted) interrupt();
  opts.signal?.addEventListener("abort", interrupt, { once: true });
  const code = await new Promise<number | null>((res, rej) => {
    child.once("error", rej);
    child.once("close", (c) => res(c));
  });
  opts.signal?.removeEventListener("abort", interrupt);
  const clientCpuMs = childrenCpuMs() - cpu0;
  writeFileSync(join(load.workDir, `${opts.label}.wrk.txt`), `$ ${wrk} ${args.join(" ")}\n${stdout}${stderr}`);
  const line = stdout.split("\n").find((l) => l.startsWith("BENCH_WRK_JSON "));
  if (code !== 0 || !line) {
    throw new Error(
      `wrk failed (exit ${code}) for ${opts.label}:\n${stderr.slice(-2000)}${stdout.replace(/BENCH_WRK_JSON .*/, "").slice(-2000)}`,
    );
  }
  const j = JSON.parse(line.slice("BENCH_WRK_JSON ".length)) as Record<string, number> & { grid: [number, number][] };
  // Cross-checks: wrk's own counters against the script's (a mismatch means the script did not see every response).
  if (j.responses !== j.completed)
    throw new Error(`wrk ${opts.label}: ${j.completed} responses counted by wrk, ${j.responses} by the script`);
  const printed = /(\d+) requests in /.exec(stdout)?.[1]; // wrk's own summary line
  if (printed !== undefined && Number(printed) !== j.completed) {
    throw new Error(`wrk ${opts.label}: it printed ${printed} requests, its done() ${j.completed}`);
  }
  if (j.status > j.non2xx)
    throw new Error(`wrk ${opts.label}: ${j.status} error statuses counted by wrk, ${j.non2xx} non-2xx by the script`);
  for (let i = 1; i < j.grid.length; i += 1) {
    if (j.grid[i][1] < j.grid[i - 1][1]) throw new Error(`wrk ${opts.label}: percentiles out of order: ${JSON.stringify(j.grid)}`);
  }
  return {
    seconds: j.durationUs / 1e6,
    completed: j.completed,
    sent: j.sent,
    next: j.next,
    // wrk's `status` (status > 399) is within the script's non2xx.
    failures: { non2xx: j.non2xx, badBody: j.badBody, connect: j.connect, read: j.read, write: j.write, timeout: j.timeout },
    grid: j.grid,
    p50Ms: j.p50Us / 1000,
    p90Ms: j.p90Us / 1000,
    p99Ms: j.p99Us / 1000,
    clientCpuMs,
  };
}

/**
 * The q-quantile (0..1), in ms, of the requests of several runs together. Each run's
 * distribution function is known at its percentile grid (linear in between); the pooled
 * one is their mixture weighted by the runs' requests, inverted by bisection. Exact at the
 * grid's points for a single run; within a grid step (0.1 percentile in the tail) otherwise.
 */
export function pooledPercentile(runs: { grid: [number, number][]; completed: number }[], q: number): number {
  const used = runs.filter((r) => r.completed > 0 && r.grid.length > 1);
  const total = used.reduce((a, r) => a + r.completed, 0);
  if (total === 0) return Number.NaN;
  /** The fraction of a run's requests at or under `us`. */
  const cdf = (grid: [number, number][], us: number) => {
    if (us < grid[0][1]) return 0;
    if (us >= grid.at(-1)![1]) return 1;
    let i = 0;
    while (grid[i + 1][1] <= us) i += 1; // grid[i].us <= us < grid[i + 1].us
    const [p0, x0] = grid[i];
    const [p1, x1] = grid[i + 1];
    return (p0 + ((p1 - p0) * (us - x0)) / (x1 - x0)) / 100;
  };
  const mixed = (us: number) => used.reduce((a, r) => a + r.completed * cdf(r.grid, us), 0) / total;
  let lo = Math.min(...used.map((r) => r.grid[0][1]));
  let hi = Math.max(...used.map((r) => r.grid.at(-1)![1]));
  if (mixed(lo) >= q) return lo / 1000;
  for (let k = 0; k < 60 && hi - lo > 1; k += 1) {
    const mid = (lo + hi) / 2;
    if (mixed(mid) >= q) hi = mid;
    else lo = mid;
  }
  return Math.round(hi) / 1000;
}
