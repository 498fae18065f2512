import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createApp, type App } from "../../src/app.js";
import { loadConfig, redactSecrets } from "../../src/config.js";
import { DEMO_EMAIL, DEMO_KEY_FILE, demoKeyFor, seedDemo } from "../../src/db/seed.js";
import { openEmbeddedDatabase } from "../../src/db/client.js";
import { sha256Hex } from "../../src/auth/tokens.js";
import { postTo, setupTestApp } from "../helpers/app.js";
import { spawnNode, type Running, STARTUP_MS } from "../helpers/processes.js";

const t = await setupTestApp();
const INTROSPECTION = `{ __schema { queryType { name } } }`;
const VIEWER = `{ viewer { user { email } } }`;

// Quiet: production writes an access line per request to stdout.
const appWith = (env: Record<string, string>) =>
  createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "production", LOG_LEVEL: "silent", ...env }));
const production = appWith({});

async function post(app: App, query: string, opts: { key?: string | null; origin?: string } = {}) {
  const key = opts.key === undefined ? t.ownerKey : opts.key;
  const res = await postTo(app, { query }, key, opts.origin ? { origin: opts.origin } : {});
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] },
  };
}

/** What a browser gets for GET /graphql: GraphiQL's page, or not. */
async function graphiqlPage(app: App) {
  const res = await app.yoga.fetch("http://localhost/graphql", { headers: { accept: "text/html" } });
  const text = await res.text();
  return { status: res.status, isGraphiql: /^text\/html/.test(res.headers.get("content-type") ?? "") && text.includes("graphiql-options") };
}

function preflight(app: App, origin: string) {
  return app.yoga.fetch("http://localhost/graphql", {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });
}

describe("NODE_ENV=production", () => {
  it("serves no GraphiQL page and none of its files", async () => {
    // A browser asking for HTML is told what the API accepts (406), as for any other unacceptable Accept.
    expect(await graphiqlPage(production)).toEqual({ status: 406, isGraphiql: false });
    // Not even the files a development server would serve (their names come from a development app's page).
    const page = await (
      await createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "development", LOG_LEVEL: "silent" })).yoga.fetch(
        "http://localhost/graphql",
        {
          headers: { accept: "text/html" },
        },
      )
    ).text();
    const css = /href="(\/graphiql\/[^"]+\.css)"/.exec(page)![1];
    expect((await production.yoga.fetch(`http://localhost${css}`)).status).not.toBe(200);
  });

  it("refuses keyless introspection with 401 UNAUTHENTICATED, and answers it with a key", async () => {
    const keyless = await post(production, INTROSPECTION, { key: null });
    expect(keyless.status).toBe(401);
    expect(keyless.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect(keyless.body.data).toBeUndefined();
    const keyed = await post(production, INTROSPECTION);
    expect(keyed.status).toBe(200);
    expect(keyed.body.data.__schema.queryType.name).toBe("Query");
  });

  it("gives no cross-origin access by default", async () => {
    const res = await post(production, VIEWER, { origin: "https://app.example.com" });
    expect(res.status).toBe(200); // a non-browser client is not concerned
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight(production, "https://app.example.com")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows exactly the origins of CORS_ORIGINS", async () => {
    const app = appWith({ CORS_ORIGINS: "https://app.example.com, http://localhost:3000/" });
    for (const origin of ["https://app.example.com", "http://localhost:3000"]) {
      const res = await post(app, VIEWER, { origin });
      expect(res.headers.get("access-control-allow-origin"), origin).toBe(origin);
      expect(res.headers.get("vary"), origin).toMatch(/Origin/);
      expect(res.headers.get("access-control-allow-credentials"), origin).toBeNull();
      expect(res.headers.get("access-control-expose-headers"), origin).toMatch(/x-request-id/);
      const pre = await preflight(app, origin);
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin"), origin).toBe(origin);
      expect(pre.headers.get("access-control-allow-headers"), origin).toMatch(/authorization/i);
    }
    for (const origin of ["https://evil.example.com", "http://app.example.com", "https://app.example.com:8443"]) {
      expect((await post(app, VIEWER, { origin })).headers.get("access-control-allow-origin"), origin).toBeNull();
      expect((await preflight(app, origin)).headers.get("access-control-allow-origin"), origin).toBeNull();
    }
    const any = appWith({ CORS_ORIGINS: "*" });
    expect((await post(any, VIEWER, { origin: "https://anywhere.example" })).headers.get("access-control-allow-origin")).toBe(
      "https://anywhere.example",
    );
  });

  it("turns GraphiQL and keyless introspection back on by name", async () => {
    expect(await graphiqlPage(appWith({ GRAPHIQL: "true" }))).toEqual({ status: 200, isGraphiql: true });
    const open = await post(appWith({ INTROSPECTION: "public" }), INTROSPECTION, { key: null });
    expect(open.status).toBe(200);
    expect(open.body.data.__schema.queryType.name).toBe("Query");
    // Public introspection is only introspection: anything else still needs a key.
    expect((await post(appWith({ INTROSPECTION: "public" }), VIEWER, { key: null })).status).toBe(401);
  });

  it("validates the new settings", () => {
    expect(() => loadConfig({ NODE_ENV: "production", GRAPHIQL: "yes" })).toThrow(/GRAPHIQL/);
    expect(() => loadConfig({ NODE_ENV: "production", INTROSPECTION: "everyone" })).toThrow(/INTROSPECTION/);
    expect(() => loadConfig({ NODE_ENV: "production", CORS_ORIGINS: "app.example.com" })).toThrow(
      /CORS_ORIGINS: "app.example.com" is not an origin/,
    );
    expect(() => loadConfig({ NODE_ENV: "production", CORS_ORIGINS: "https://app.example.com/path" })).toThrow(/is not an origin/);
    const defaults = loadConfig({ NODE_ENV: "production" });
    expect(defaults).toMatchObject({ GRAPHIQL: "false", INTROSPECTION: "authenticated", CORS_ORIGINS: [], SEED_DEMO: "false" });
    expect(loadConfig({ NODE_ENV: "development" })).toMatchObject({
      GRAPHIQL: "true",
      INTROSPECTION: "public",
      CORS_ORIGINS: "*",
      SEED_DEMO: "true",
    });
    expect(loadConfig({ NODE_ENV: "production", CORS_ORIGINS: "https://A.example.com:443 , *" }).CORS_ORIGINS).toBe("*");
    expect(loadConfig({ NODE_ENV: "production", CORS_ORIGINS: "https://A.example.com:443" }).CORS_ORIGINS).toEqual([
      "https://a.example.com",
    ]);
  });

  it("blanks the database password and the live-events secret out of what it prints", () => {
    const env = { DATABASE_URL: "postgres://api:s3cr%40t@db.internal:5432/app", LIVE_EVENTS_SECRET: "a-very-long-live-events-secret" };
    const line = redactSecrets(
      "Cannot start: postgres://api:s3cr%40t@db.internal:5432/app refused (s3cr@t); a-very-long-live-events-secret",
      env,
    );
    expect(line).not.toMatch(/s3cr|a-very-long/);
    expect(line).toContain("db.internal");
  });
});

describe("development (the default mode)", () => {
  const development = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "development", LOG_LEVEL: "silent" }));

  it("keeps GraphiQL, keyless introspection and any origin", async () => {
    expect(await graphiqlPage(development)).toEqual({ status: 200, isGraphiql: true });
    const open = await post(development, INTROSPECTION, { key: null });
    expect(open.status).toBe(200);
    expect((await post(development, VIEWER, { origin: "http://localhost:5173" })).headers.get("access-control-allow-origin")).toBe(
      "http://localhost:5173",
    );
  });
});

/** A fresh folder under .data/ (inside the project, ignored by git), and how to remove it. */
function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const dataRoot = resolve(".data");
  mkdirSync(dataRoot, { recursive: true });
  const dir = mkdtempSync(join(dataRoot, prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("the demo key kept in DATA_DIR (seed functions)", () => {
  let dir = "";
  let file = "";
  // Made when the tests run (a skipped or filtered-out block leaves nothing behind); removed after them.
  beforeAll(() => {
    const scratch = scratchDir("demo-key-test-");
    dir = scratch.dir;
    file = join(dir, DEMO_KEY_FILE);
    return scratch.remove;
  });
  const live = (key: string) => t.db.prisma.personalApiKey.findFirst({ where: { secureValue: sha256Hex(key), revokedAt: null } });

  it("is issued once, stored owner-only, then reused; a revoked, deleted or unreadable one is replaced", async () => {
    await seedDemo(t.db.prisma);
    const first = await demoKeyFor(t.db.prisma, dir);
    expect(first).toMatchObject({ reused: false, file });
    expect(readFileSync(file, "utf8").trim()).toBe(first!.key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await post(production, VIEWER, { key: first!.key })).status).toBe(200);

    const again = await demoKeyFor(t.db.prisma, dir);
    expect(again).toEqual({ key: first!.key, reused: true, file });

    await t.db.prisma.personalApiKey.updateMany({ where: { secureValue: sha256Hex(first!.key) }, data: { revokedAt: new Date() } });
    const afterRevoke = await demoKeyFor(t.db.prisma, dir);
    expect(afterRevoke!.reused).toBe(false);
    expect(afterRevoke!.key).not.toBe(first!.key);
    expect(await live(afterRevoke!.key)).not.toBeNull();
    expect(readFileSync(file, "utf8").trim()).toBe(afterRevoke!.key);

    await t.db.prisma.personalApiKey.deleteMany({ where: { secureValue: sha256Hex(afterRevoke!.key) } });
    const afterDelete = await demoKeyFor(t.db.prisma, dir);
    expect(afterDelete!.reused).toBe(false);
    expect(await live(afterDelete!.key)).not.toBeNull();

    writeFileSync(file, "not a key\n", { mode: 0o644 });
    const afterGarbage = await demoKeyFor(t.db.prisma, dir);
    expect(afterGarbage!.reused).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Only the demo user's keys count: another user's live key in the file is not reused.
    writeFileSync(file, `${t.ownerKey}\n`, { mode: 0o600 });
    expect((await demoKeyFor(t.db.prisma, dir))!.key).not.toBe(t.ownerKey);
  });
});

// ---- the real server, restarted on one embedded database ----------------------------------

describe.skipIf(process.env.TEST_DB !== "pglite")("the real server's demo key across restarts", () => {
  let bundlePath = "";
  let dataDir = "";
  // Made when the tests run; removed after them (a cleanup returned by beforeAll runs after the afterAll hooks).
  beforeAll(() => {
    const scratch = scratchDir("production-test-");
    bundlePath = join(scratch.dir, "server.mjs");
    dataDir = join(scratch.dir, "pglite");
    return scratch.remove;
  });
  const started: Running[] = [];
  // No server is left running on the folder.
  afterAll(async () => {
    for (const s of started) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill("SIGKILL");
        await s.exited;
      }
    }
  });

  function start(env: Record<string, string>): Running {
    const running = spawnNode(bundlePath, { HOST: "127.0.0.1", PORT: "0", DATA_DIR: dataDir, SEED_DEMO: undefined, ...env });
    started.push(running);
    return running;
  }

  /** Waits for the start-up lines (the demo key's come with the ready line), then answers the port and the key, if any. */
  async function ready(running: Running): Promise<{ base: string; key: string | null }> {
    const deadline = Date.now() + STARTUP_MS;
    let exited = false;
    void running.exited.then(() => (exited = true));
    for (;;) {
      const port = /GraphQL API on http:\/\/localhost:(\d+)\/graphql/.exec(running.stdout())?.[1];
      if (port) {
        await new Promise((r) => setTimeout(r, 100)); // the lines printed right after
        return { base: `http://127.0.0.1:${port}`, key: /Demo API key[^\n]*: (phx_\S+)/.exec(running.stdout())?.[1] ?? null };
      }
      if (exited || Date.now() > deadline)
        throw new Error(`The server did not start.\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stop(running: Running) {
    running.child.kill("SIGTERM");
    expect(await running.exited).toEqual({ code: 0, signal: null });
  }

  async function viewerStatus(base: string, key: string) {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: VIEWER }),
    });
    return res.status;
  }

  it(
    "prints the same key after a restart, a new one once it is revoked, and none in production (and serves WebSockets, closed at shutdown)",
    async () => {
      const { bundle } = await import("../../scripts/build.js");
      await bundle("src/server.ts", bundlePath);

      const first = start({ NODE_ENV: "development" });
      const one = await ready(first);
      expect(one.key).toMatch(/^phx_/);
      expect(first.stdout()).toContain(`kept in ${join(dataDir, DEMO_KEY_FILE)}`);
      expect(await viewerStatus(one.base, one.key!)).toBe(200);
      await stop(first);

      const second = start({ NODE_ENV: "development" });
      const two = await ready(second);
      expect(two.key).toBe(one.key);
      expect(second.stdout()).toContain("the same as last start");
      expect(await viewerStatus(two.base, two.key!)).toBe(200);

      // server.ts serves GraphQL over WebSocket on the same port, and closes the sockets when it stops.
      const ws = createClient({
        url: `${two.base.replace(/^http/, "ws")}/graphql`,
        connectionParams: { Authorization: `Bearer ${two.key}` },
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      const viewer = await ws.iterate({ query: VIEWER }).next();
      expect(viewer.value?.data).toEqual({ viewer: { user: { email: DEMO_EMAIL } } });
      const projects = await ws
        .iterate({ query: `{ viewer { organizations(first: 1) { nodes { projects(first: 1) { nodes { id } } } } } }` })
        .next();
      const projectId = (projects.value!.data as any).viewer.organizations.nodes[0].projects.nodes[0].id;
      const subscription = ws.iterate({
        query: `subscription($id: ID!) { activityCreated(projectId: $id) { id } }`,
        variables: { id: projectId },
      });
      const ended = subscription.next().then(
        (r) => (r.done ? "completed" : "an event"),
        (e: { code?: number }) => `closed ${e?.code}`,
      );
      await new Promise((r) => setTimeout(r, 500)); // subscribed
      await stop(second);
      expect(await ended).toMatch(/^(completed|closed 1001)$/);
      await ws.dispose();

      // Revoked while the server is down (as `npm run cli key:revoke` would): the next start issues another.
      const db = await openEmbeddedDatabase(dataDir, { role: "other", command: "production.test.ts" });
      try {
        await db.prisma.personalApiKey.updateMany({ where: { secureValue: sha256Hex(one.key!) }, data: { revokedAt: new Date() } });
      } finally {
        await db.close();
      }
      const third = start({ NODE_ENV: "development" });
      const three = await ready(third);
      expect(three.key).toMatch(/^phx_/);
      expect(three.key).not.toBe(one.key);
      expect(await viewerStatus(three.base, one.key!)).toBe(401);
      expect(await viewerStatus(three.base, three.key!)).toBe(200);
      await stop(third);

      // Production on the same data: no key issued or printed, and it says what is off.
      const prod = start({ NODE_ENV: "production" });
      const four = await ready(prod);
      expect(four.key).toBeNull();
      expect(prod.stdout()).toContain(
        "Production mode: GraphiQL off (GRAPHIQL), introspection with a key only (INTROSPECTION), " +
          "cross-origin access: none (CORS_ORIGINS).",
      );
      expect(prod.stdout() + prod.stderr()).not.toMatch(/phx_/);
      expect(readFileSync(join(dataDir, DEMO_KEY_FILE), "utf8").trim()).toBe(three.key);
      expect(await viewerStatus(four.base, three.key!)).toBe(200); // the stored key is not revoked, only not printed
      await stop(prod);
    },
    4 * STARTUP_MS,
  );
});
