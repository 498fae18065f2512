// One process at a time per embedded database directory (DATA_DIR). PGlite
// has no lock of its own: a second process that opens the same files serves a
// copy whose writes are lost, and one that opens them while the first is
// still initialising can leave the directory unopenable. So every process
// takes this lock before PGlite touches the directory, and holds it until it
// closes the database.
//
// How: the holder listens (from a worker thread, see HOLDER_WORKER) on a
// local socket whose name is derived from the directory's real path. Binding
// a name is atomic (one process wins), and the kernel frees the name when the
// process dies, even on `kill -9`: no stale lock to remove by hand. A process that finds the name taken connects to it
// and the holder answers one JSON line saying who it is (HolderInfo), so the
// error can name the process to stop.
// - Linux: an abstract-namespace Unix socket (no file at all). Abstract names
//   are per network namespace: two containers that share a volume but not a
//   network namespace do not see each other's lock.
// - Windows: a named pipe (libuv creates the first instance exclusively).
// - macOS and the BSDs have neither abstract sockets nor exclusive pipes:
//   there, a lock file beside the directory opened with O_EXLOCK (flock, which
//   the kernel also releases when the process dies), holding the same JSON.
//   That path could not be exercised on the Linux machines this was built on.
import { connect } from "node:net";
import { Worker } from "node:worker_threads";
import { createHash } from "node:crypto";
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, realpathSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export type HolderRole = "server" | "cli" | "seed" | "migrate" | "other";

/** Who is taking the lock, as a process that finds it taken will be told. */
export interface LockHolder {
  role: HolderRole;
  /** The server's GraphQL URL. */
  url?: string;
  /** What the process runs: the CLI's command, or a script's name. */
  command?: string;
}

/** What the holder answers to a process that finds the directory taken. */
export interface HolderInfo extends LockHolder {
  pid: number;
  /** When the holder took the lock (ISO 8601). */
  since: string;
}

export interface DataDirLock {
  /** Frees the directory for another process (after the database is closed). Idempotent. */
  release(): Promise<void>;
}

/** How long to wait for the holder to say who it is (it answers at once unless stopped, e.g. by SIGSTOP). */
const HOLDER_ANSWER_MS = 2_000;
const NAME_PREFIX = "posthog-graphql-api";
/** BSD's open(2) flag for an exclusive flock taken at open (4.4BSD value; Node does not export it). */
const O_EXLOCK = 0x20;

/** The directory is held by another process (or by this one, through another lock). */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    /** null when the holder did not say who it is. */
    readonly holder: HolderInfo | null,
  ) {
    super(
      `the embedded database in ${dataDir} is open in ${describeHolder(holder)}, and one process at a time can use it: ` +
        `${holder?.role === "server" ? "stop the server" : "stop that process"} first, or set DATA_DIR to another directory.`,
    );
    this.name = "DataDirInUseError";
  }
}

function describeHolder(holder: HolderInfo | null): string {
  if (!holder) return "another process (it did not say which)";
  const facts = [`pid ${holder.pid}`, ...(holder.url ? [holder.url] : []), `since ${holder.since}`].join(", ");
  switch (holder.role) {
    case "server":
      return `the server (${facts})`;
    case "cli":
      return `the operator CLI${holder.command ? ` running ${holder.command}` : ""} (${facts})`;
    case "seed":
      return `npm run seed (${facts})`;
    case "migrate":
      return `npm run db:migrate (${facts})`;
    default:
      return `${holder.command ?? "another process"} (${facts})`;
  }
}

/**
 * The directory's absolute path with symlinks resolved, the same for every
 * process whatever its working directory. The directory (and its parents) may
 * not exist yet: the deepest existing ancestor is resolved and the rest kept.
 */
export function canonicalPath(dir: string): string {
  let existing = resolve(dir);
  const missing: string[] = [];
  for (;;) {
    try {
      return join(realpathSync.native(existing), ...missing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    }
    const parent = dirname(existing);
    if (parent === existing) return resolve(dir);
    missing.unshift(basename(existing));
    existing = parent;
  }
}

/** The socket name a platform locks with, or null where the lock-file fallback is used. */
export function lockSocketAddress(dataDir: string, platform: NodeJS.Platform = process.platform): string | null {
  const hash = createHash("sha256").update(canonicalPath(dataDir)).digest("hex");
  if (platform === "linux" || platform === "android") return `\0${NAME_PREFIX}:${hash}`;
  if (platform === "win32") return `\\\\?\\pipe\\${NAME_PREFIX}-${hash}`;
  return null;
}

/**
 * Takes the directory for this process, before anything opens it; throws
 * DataDirInUseError at once when another process holds it. Touches nothing on
 * disk (except the lock file beside the directory on macOS and the BSDs).
 */
export async function lockDataDir(dataDir: string, holder: LockHolder): Promise<DataDirLock> {
  const info: HolderInfo = { ...holder, pid: process.pid, since: new Date().toISOString() };
  const address = lockSocketAddress(dataDir);
  return address ? lockBySocket(dataDir, address, info) : lockByFile(dataDir, info);
}

/**
 * The socket is held by a worker thread, not by the main thread: the main
 * thread can be busy for seconds at a time (PGlite's initdb, Prisma compiling
 * its query compiler at the first query), and the worker answers an asker at
 * once all the same. A worker dies with its process, so the kernel still frees
 * the name on a crash. (It costs ~10 MB of memory, on the embedded database only.)
 */
const HOLDER_WORKER = `
const { createServer } = require("node:net");
const { parentPort, workerData } = require("node:worker_threads");
const server = createServer((socket) => {
  socket.on("error", () => {});
  socket.end(workerData.answer);
});
server.once("error", (error) => {
  parentPort.postMessage({ error: { code: error.code, message: error.message } });
  parentPort.close();
});
server.listen({ path: workerData.address }, () => parentPort.postMessage({ listening: true }));
parentPort.on("message", () => server.close(() => parentPort.close()));
`;

type WorkerReport = { listening: true } | { error: { code?: string; message: string } };

async function lockBySocket(dataDir: string, address: string, info: HolderInfo): Promise<DataDirLock> {
  for (let attempt = 1; ; attempt++) {
    const worker = new Worker(HOLDER_WORKER, { eval: true, workerData: { address, answer: `${JSON.stringify(info)}\n` } });
    const report = await new Promise<WorkerReport>((res) => {
      worker.once("message", res);
      worker.once("error", (error) => res({ error: { message: error.message } }));
      worker.once("exit", () => res({ error: { message: "the lock's worker thread exited" } }));
    });
    if ("error" in report) {
      if (report.error.code !== "EADDRINUSE") throw new Error(`cannot lock ${dataDir}: ${report.error.message}`);
      const holder = await askHolder(address);
      // The holder exited between our bind and our question: the name is free now.
      if (holder === "gone" && attempt < 3) continue;
      throw new DataDirInUseError(dataDir, holder === "gone" ? null : holder);
    }
    // The lock must not keep a process alive that has nothing else to do.
    worker.unref();
    let releasing = false;
    const exited = new Promise<void>((res) => worker.once("exit", () => res()));
    void exited.then(() => {
      if (!releasing)
        console.error(`The lock on ${dataDir} was lost (its worker thread exited): another process could open the embedded database now.`);
    });
    let released: Promise<void> | undefined;
    return {
      release() {
        releasing = true;
        // Waited on: until the worker exits, it must keep the process alive.
        worker.ref();
        worker.postMessage("release");
        released ??= exited;
        return released;
      },
    };
  }
}

/** Asks the holder who it is: its answer, null if it does not answer in time, "gone" if nobody listens anymore. */
function askHolder(address: string): Promise<HolderInfo | null | "gone"> {
  return new Promise((res) => {
    const socket = connect({ path: address });
    let answer = "";
    const done = (value: HolderInfo | null | "gone") => {
      clearTimeout(timer);
      socket.destroy();
      res(value);
    };
    const timer = setTimeout(() => done(null), HOLDER_ANSWER_MS);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
      if (answer.includes("\n")) done(parseHolder(answer));
    });
    socket.on("end", () => done(parseHolder(answer)));
    socket.on("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" || error.code === "ENOENT" ? "gone" : null));
  });
}

function parseHolder(text: string): HolderInfo | null {
  try {
    const value = JSON.parse(text.split("\n")[0]) as Partial<HolderInfo>;
    return typeof value.pid === "number" && typeof value.role === "string" && typeof value.since === "string"
      ? (value as HolderInfo)
      : null;
  } catch {
    return null;
  }
}

/**
 * macOS and the BSDs: an exclusive flock taken atomically at open (O_EXLOCK,
 * non-blocking) on `.<name>.lock` beside the directory. The file stays after
 * release: deleting it would let a process that opened the old file but had
 * not locked it yet hold a lock nobody else sees.
 */
function lockByFile(dataDir: string, info: HolderInfo): DataDirLock {
  const canonical = canonicalPath(dataDir);
  const path = join(dirname(canonical), `.${basename(canonical)}.lock`);
  mkdirSync(dirname(path), { recursive: true });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NONBLOCK | O_EXLOCK, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EAGAIN" || code === "EWOULDBLOCK") throw new DataDirInUseError(dataDir, readHolderFile(path));
    throw error;
  }
  ftruncateSync(fd);
  writeSync(fd, `${JSON.stringify(info)}\n`, 0);
  let open = true;
  return {
    async release() {
      if (open) closeSync(fd); // closing the descriptor releases the flock
      open = false;
    },
  };
}

function readHolderFile(path: string): HolderInfo | null {
  try {
    return parseHolder(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}
