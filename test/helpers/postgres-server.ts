// Starts a throw-away PostgreSQL server on a loopback port for the tests and
// the benchmark: initdb into an ignored folder, run as an unprivileged user
// when we are root (initdb refuses root), stop it by its pid.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

/** Where the PostgreSQL server binaries are, or null when this machine has none. */
export function findPostgresBin(): string | null {
  const candidates = [process.env.PG_BIN, "/usr/local/bin"].filter(Boolean) as string[];
  if (existsSync("/usr/lib/postgresql")) {
    for (const v of readdirSync("/usr/lib/postgresql").sort().reverse()) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  }
  return candidates.find((dir) => existsSync(join(dir, "postgres")) && existsSync(join(dir, "initdb"))) ?? null;
}

/** A TCP port free on loopback right now (the servers of tests and benchmark listen on it). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.on("error", rej);
  });
}

export interface PostgresServer {
  url: (database?: string) => string;
  /** Stops the server and deletes its data. */
  stop: () => Promise<void>;
  /** Stops the server but keeps its data (an outage); `start` brings it back. */
  halt: () => Promise<void>;
  /** Starts a halted server again, on the same port with the same data, and waits until it accepts connections. */
  start: () => Promise<void>;
}

export async function startPostgresServer(name = "test"): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("No PostgreSQL server binaries found (install Debian's postgresql package).");
  const root = resolve(".data", `pg-${name}-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, run everything as `nobody`; it needs to reach and own the folder.
  const run = (cmd: string, args: string[]) =>
    (asRoot ? ["runuser", ["-u", "nobody", "--", cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (asRoot) {
    chmodSync(root, 0o777);
    for (let dir = resolve(root, ".."); dir !== "/"; dir = resolve(dir, "..")) {
      try {
        chmodSync(dir, 0o755);
      } catch {
        /* best effort: the folder may already be reachable */
      }
    }
  }
  const dataDir = join(root, "data");
  execFileSync(...run(join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]), {
    stdio: "pipe",
  });
  const port = await freePort();
  const spawnPostgres = (): ChildProcess =>
    spawn(
      ...run(join(bin, "postgres"), [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-h",
        "127.0.0.1",
        "-k",
        root,
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
      ]),
      { stdio: "ignore", detached: false },
    );
  let child = spawnPostgres();
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const pg = (await import("pg")).default;
  const waitUntilAccepting = async () => {
    for (let attempt = 0; ; attempt += 1) {
      const client = new pg.Client({ connectionString: url() });
      try {
        await client.connect();
        await client.end();
        break;
      } catch (error) {
        await client.end().catch(() => {});
        if (attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await waitUntilAccepting();
  const running = () => child.exitCode === null && child.signalCode === null;
  const halt = async () => {
    if (!running()) return;
    const exited = new Promise((r) => child.once("exit", r));
    // Signal postgres itself (runuser, its parent when we are root, ignores
    // SIGINT): SIGINT is PostgreSQL's "fast" shutdown.
    const pidFile = join(dataDir, "postmaster.pid");
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGINT");
    else child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    url,
    halt,
    start: async () => {
      if (running()) return;
      child = spawnPostgres();
      await waitUntilAccepting();
    },
    stop: async () => {
      await halt();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
