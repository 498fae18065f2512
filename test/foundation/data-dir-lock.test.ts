import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/build.js";
import { DataDirInUseError, lockDataDir } from "../../src/db/data-dir-lock.js";
import { spawnNode, type Running, waitFor, STARTUP_MS } from "../helpers/processes.js";

/** "At once": well under the seconds a server needs to open and migrate a database. */
const PROMPT_MS = 15_000;

let dir: string;
const bundles = { server: "", cli: "", seed: "", migrate: "", holder: "" };

function run(script: string, env: Record<string, string>, args: string[] = []): Running {
  return spawnNode(script, { NODE_ENV: "development", HOST: "127.0.0.1", PORT: "0", SEED_DEMO: "true", ...env }, args);
}

/** Runs to the end (or kills it after timeoutMs); answers the exit, its output and how long it took. */
async function finish(running: Running, timeoutMs = 60_000) {
  const started = Date.now();
  const exit = await Promise.race([running.exited, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
  if (exit === null) {
    running.child.kill("SIGKILL");
    throw new Error(`Still running after ${timeoutMs} ms.\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`);
  }
  return { ...exit, ms: Date.now() - started, stdout: running.stdout(), stderr: running.stderr() };
}

interface Server extends Running {
  base: string;
  port: number;
  key: string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const running = run(bundles.server, env);
  const ready = await waitFor(
    "the server to be ready",
    () => {
      const port = /GraphQL API on http:\/\/localhost:(\d+)\/graphql/.exec(running.stdout())?.[1];
      const key = /Demo API key[^\n]*: (phx_\S+)/.exec(running.stdout())?.[1];
      return port && key ? { port: Number(port), key } : null;
    },
    running,
  );
  return { ...running, ...ready, base: `http://127.0.0.1:${ready.port}` };
}

async function stop(running: Running | undefined, signal: NodeJS.Signals = "SIGKILL") {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill(signal);
    await running.exited;
  }
}

async function graphql(server: Server, query: string) {
  const res = await fetch(`${server.base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${server.key}` },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

async function organizationNames(server: Server): Promise<string[]> {
  const res = await graphql(server, `{ viewer { organizations(first: 50) { nodes { name } } } }`);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.viewer.organizations.nodes.map((n: { name: string }) => n.name);
}

async function createOrganization(server: Server, name: string) {
  const res = await graphql(server, `mutation { createOrganization(input: { name: ${JSON.stringify(name)} }) { organization { name } } }`);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.createOrganization.organization).toEqual({ name });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, "127.0.0.1", res));
  const port = (probe.address() as { port: number }).port;
  await new Promise((res) => probe.close(res));
  return port;
}

/** One line on stderr, saying the directory is open in `holder`'s server and what to do. */
function expectHeldByServer(stderr: string, prefix: string, dataDir: string, holder: Server) {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toContain(
    `${prefix}: the embedded database in ${dataDir} is open in the server ` +
      `(pid ${holder.child.pid}, http://localhost:${holder.port}/graphql, since `,
  );
  expect(lines[0]).toContain("stop the server first, or set DATA_DIR to another directory.");
}

describe.skipIf(process.env.TEST_DB === "postgres")("one process per embedded database", () => {
  beforeAll(async () => {
    const dataRoot = resolve(".data");
    mkdirSync(dataRoot, { recursive: true });
    dir = mkdtempSync(join(dataRoot, "data-dir-lock-test-"));
    // A process that takes the lock, says so, and holds it until killed.
    const holderEntry = join(dir, "holder-entry.ts");
    writeFileSync(
      holderEntry,
      `import { lockDataDir } from ${JSON.stringify(resolve("src/db/data-dir-lock.ts"))};\n` +
        `await lockDataDir(process.argv[2], { role: "seed" });\nconsole.log("locked");\nsetInterval(() => {}, 60_000);\n`,
    );
    // Built into this test's own folder (inside the project, so node_modules and prisma/ are found as from dist/).
    const entries = {
      server: "src/server.ts",
      cli: "src/cli/index.ts",
      seed: "src/db/seed-cli.ts",
      migrate: "src/db/migrate-cli.ts",
      holder: holderEntry,
    };
    await Promise.all(
      Object.entries(entries).map(async ([name, entry]) => {
        bundles[name as keyof typeof bundles] = join(dir, `${name}.mjs`);
        await bundle(entry, join(dir, `${name}.mjs`));
      }),
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("the lock", () => {
    it("is exclusive per directory, whatever the path's spelling, and free again once released", async () => {
      const dataDir = join(dir, "unit", "pglite");
      mkdirSync(join(dir, "unit"));
      symlinkSync(join(dir, "unit"), join(dir, "unit-link"));
      const lock = await lockDataDir(dataDir, { role: "server", url: "http://localhost:1234/graphql" });
      // The directory does not exist yet, and taking the lock did not create it.
      expect(existsSync(dataDir)).toBe(false);

      for (const spelling of [dataDir, relative(process.cwd(), dataDir), join(dir, "unit-link", "pglite"), `${dataDir}/../pglite/`]) {
        const error = await lockDataDir(spelling, { role: "cli" }).catch((e: unknown) => e);
        expect(error, spelling).toBeInstanceOf(DataDirInUseError);
        expect((error as DataDirInUseError).holder).toMatchObject({
          pid: process.pid,
          role: "server",
          url: "http://localhost:1234/graphql",
        });
        expect((error as Error).message).toMatch(
          new RegExp(
            `^the embedded database in .* is open in the server \\(pid ${process.pid}, http://localhost:1234/graphql, ` +
              "since \\d{4}-.*\\), .*stop the server first, or set DATA_DIR to another directory\\.$",
          ),
        );
      }
      // Another directory is another lock.
      const other = await lockDataDir(join(dir, "unit", "other"), { role: "cli" });
      await other.release();

      await lock.release();
      await lock.release(); // idempotent
      const again = await lockDataDir(join(dir, "unit-link", "pglite"), { role: "cli" });
      await again.release();
    });

    it("is refused to a second process while the first holds it, and freed at once when the holder is killed -9", async () => {
      const dataDir = join(dir, "two-processes", "pglite");
      const holder = run(bundles.holder, {}, [dataDir]);
      await waitFor("the holder to lock", () => (holder.stdout().includes("locked") ? true : null), holder, 30_000);
      try {
        const error = await lockDataDir(dataDir, { role: "cli" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DataDirInUseError);
        expect((error as DataDirInUseError).holder).toMatchObject({ pid: holder.child.pid, role: "seed" });
        expect((error as Error).message).toContain(`is open in npm run seed (pid ${holder.child.pid}, since `);
        expect((error as Error).message).toContain("stop that process first");
      } finally {
        await stop(holder, "SIGKILL");
      }
      // No stale lock: the kernel freed it with the process.
      const lock = await lockDataDir(dataDir, { role: "cli" });
      await lock.release();
    }, 60_000);
  });

  describe("processes on one DATA_DIR", () => {
    let first: Server | undefined;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = join(dir, "shared", "pglite");
      first = await startServer({ DATA_DIR: dataDir });
      await createOrganization(first, "Written by the first server");
    }, STARTUP_MS + 10_000);

    afterAll(() => stop(first));

    it("a second server exits 1 at once with one line naming the first, which keeps serving its data", async () => {
      const second = await finish(run(bundles.server, { DATA_DIR: dataDir }));
      expect(second.code, second.stderr).toBe(1);
      expect(second.ms).toBeLessThan(PROMPT_MS);
      expectHeldByServer(second.stderr, "Cannot start", dataDir, first!);
      expect(second.stdout).not.toContain("Demo API key");

      expect((await organizationNames(first!)).sort()).toEqual(["Hogflix", "Written by the first server"]);
      await createOrganization(first!, "Written after the second server gave up");
      expect(await organizationNames(first!)).toContain("Written after the second server gave up");
    });

    it("the CLI, npm run seed and npm run db:migrate exit 1 at once with one line naming the server, and write nothing", async () => {
      const cli = await finish(run(bundles.cli, { DATA_DIR: dataDir }, ["user:create", "--email", "while-serving@example.com"]));
      expect(cli.code, cli.stderr).toBe(1);
      expect(cli.ms).toBeLessThan(PROMPT_MS);
      expectHeldByServer(cli.stderr, "user:create", dataDir, first!);
      expect(cli.stdout).toBe("");

      const seed = await finish(run(bundles.seed, { DATA_DIR: dataDir }));
      expect(seed.code, seed.stderr).toBe(1);
      expectHeldByServer(seed.stderr, "Cannot seed", dataDir, first!);
      expect(seed.stdout).not.toContain("Demo API key");

      const migrate = await finish(run(bundles.migrate, { DATA_DIR: dataDir }));
      expect(migrate.code, migrate.stderr).toBe(1);
      expectHeldByServer(migrate.stderr, "Cannot migrate", dataDir, first!);

      expect(await organizationNames(first!)).toHaveLength(3);

      // Once the server is stopped, the same command runs: so the refused one had written nothing.
      first!.child.kill("SIGTERM");
      expect(await first!.exited).toEqual({ code: 0, signal: null });
      const after = await finish(run(bundles.cli, { DATA_DIR: dataDir }, ["user:create", "--email", "while-serving@example.com"]));
      expect(after.code, after.stderr).toBe(0);
      expect(after.stdout).toMatch(/^Created user \S+ <while-serving@example\.com>\.$/m);
      // And the others run and let go of the directory when done.
      const migrated = await finish(run(bundles.migrate, { DATA_DIR: dataDir }));
      expect(migrated, migrated.stderr).toMatchObject({ code: 0, stdout: "Up to date.\n" });
      const seeded = await finish(run(bundles.seed, { DATA_DIR: dataDir }));
      expect(seeded.code, seeded.stderr).toBe(0);
      expect(seeded.stdout).toMatch(/^Demo data present\. Demo API key \(all scopes\): phx_\S+$/m);
    }, 120_000);

    it(
      "a server killed -9 leaves no lock: a restart on the same directory starts at once, and the data is there",
      async () => {
        const killed = await startServer({ DATA_DIR: dataDir });
        await createOrganization(killed, "Written just before kill -9");
        killed.child.kill("SIGKILL");
        await killed.exited;

        first = await startServer({ DATA_DIR: dataDir });
        expect((await organizationNames(first)).sort()).toEqual(
          ["Hogflix", "Written after the second server gave up", "Written by the first server", "Written just before kill -9"].sort(),
        );
      },
      2 * STARTUP_MS,
    );

    it("a second server on a taken port exits 1 having created, migrated and printed nothing", async () => {
      const elsewhere = join(dir, "never-created", "pglite");
      const second = await finish(run(bundles.server, { PORT: String(first!.port), DATA_DIR: elsewhere }));
      expect(second.code, second.stderr).toBe(1);
      expect(second.ms).toBeLessThan(PROMPT_MS);
      expect(second.stderr.trim()).toBe(
        `Cannot start: port ${first!.port} on 127.0.0.1 is already in use (another server?): ` +
          "stop that process, or set PORT to a free port.",
      );
      expect(second.stdout).toBe("");
      expect(existsSync(join(dir, "never-created"))).toBe(false);
      // The server on that port is untouched.
      expect(await organizationNames(first!)).toContain("Written just before kill -9");
    });
  });

  it(
    "of two servers started together on a fresh directory, one serves and the other exits 1",
    async () => {
      const dataDir = join(dir, "race", "pglite");
      const a = run(bundles.server, { DATA_DIR: dataDir });
      const b = run(bundles.server, { DATA_DIR: dataDir });
      try {
        const loser = await Promise.race([a.exited.then(() => a), b.exited.then(() => b)]);
        const winner = loser === a ? b : a;
        const lost = await finish(loser);
        expect(lost.code, lost.stderr).toBe(1);
        expect(lost.stderr).toContain(
          `Cannot start: the embedded database in ${dataDir} is open in the server (pid ${winner.child.pid}, http://localhost:`,
        );
        expect(lost.stdout).not.toContain("Demo API key");
        await waitFor("the winner to be ready", () => (/Demo API key/.test(winner.stdout()) ? true : null), winner);
      } finally {
        await stop(a);
        await stop(b);
      }
    },
    STARTUP_MS + 30_000,
  );

  it(
    "answers 503 SERVICE_UNAVAILABLE with Retry-After while it opens the database, then serves",
    async () => {
      const port = await freePort();
      const dataDir = join(dir, "starting", "pglite");
      const server = run(bundles.server, { DATA_DIR: dataDir, PORT: String(port) });
      try {
        const first = await waitForResponse(`http://127.0.0.1:${port}/graphql`, server);
        expect(first.status).toBe(503);
        expect(first.headers.get("retry-after")).toBe("1");
        expect(await first.json()).toEqual({
          errors: [{ message: "The server is starting: retry in a moment.", extensions: { code: "SERVICE_UNAVAILABLE" } }],
        });
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        const live = await fetch(`http://127.0.0.1:${port}/healthz`);
        // Unless it got ready in between (it takes seconds on a fresh directory).
        if (!/Demo API key/.test(server.stdout())) {
          expect(ready.status).toBe(503);
          expect(live.status).toBe(200);
        }
        await waitFor("the server to be ready", () => (/Demo API key/.test(server.stdout()) ? true : null), server);
        expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
        expect(readdirSync(dataDir).length).toBeGreaterThan(0);
      } finally {
        await stop(server);
      }
    },
    STARTUP_MS + 10_000,
  );
});

/** The first HTTP response the process gives (retrying while the port is not bound yet). */
async function waitForResponse(url: string, running: Running): Promise<Response> {
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    try {
      return await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
    } catch (error) {
      if (running.child.exitCode !== null || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
