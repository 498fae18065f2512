// Several API processes on one PostgreSQL, as production runs them behind a
// load balancer: two real server processes (the production bundle, plain
// node) on one database share each key's rate-limit budget (one row per key,
// charged atomically), and an activity entry written through one reaches a
// WebSocket subscriber of the other (LISTEN/NOTIFY). The embedded database
// has one process per data directory (test/foundation/data-dir-lock.test.ts),
// so this runs on PostgreSQL only.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { bundle } from "../../scripts/build.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import type { Database } from "../../src/db/client.js";
import { fixtures, freshDatabase } from "../helpers/app.js";
import { spawnNode, STARTUP_MS, waitFor, type Running } from "../helpers/processes.js";

const onPostgres = process.env.TEST_DB === "postgres";

const RATE_LIMIT = `{ rateLimit { limit cost used remaining resetAt } }`;
const ORGANIZATIONS = `{ viewer { organizations(first: 5) { nodes { name } } } }`;
const CREATE = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { databaseId } userErrors { code } } }`;
const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } userErrors { code } } }`;
const ACTIVITY = `subscription($projectId: ID!) { activityCreated(projectId: $projectId) { scope itemId detail { changes { field after } } } }`;

const POINTS = 200;

interface Served {
  running: Running;
  base: string;
}

describe.runIf(onPostgres)("two API processes on one PostgreSQL", () => {
  let dir: string;
  let db: Database;
  let key: string;
  let writerKey: string;
  let organizationId: string;
  const servers: Served[] = [];
  const clients: Client[] = [];

  /** Starts the bundled server on the test's database (spawnNode leaves DATABASE_URL out, so the launcher sets it). */
  async function start(name: string): Promise<Served> {
    const running = spawnNode(join(dir, "launch.mjs"), {
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      PORT: "0",
      SEED_DEMO: "false",
      PROCESS_TEST_DATABASE_URL: db.url,
      RATE_LIMIT_POINTS: String(POINTS),
      RATE_LIMIT_COST_PER_POINT: "1",
      RATE_LIMIT_WINDOW_SECONDS: "3600",
      LIVE_EVENTS_SECRET: "several-processes-test-secret",
    });
    const port = await waitFor(
      `${name} to listen`,
      () => /GraphQL API on http:\/\/localhost:(\d+)\/graphql/.exec(running.stdout())?.[1] ?? null,
      running,
    );
    expect(running.stdout()).toContain("(PostgreSQL)");
    return { running, base: `http://127.0.0.1:${port}` };
  }

  beforeAll(async () => {
    const root = resolve(".data");
    mkdirSync(root, { recursive: true });
    dir = mkdtempSync(join(root, "several-processes-"));
    await bundle("src/server.ts", join(dir, "server.mjs"));
    writeFileSync(
      join(dir, "launch.mjs"),
      `process.env.DATABASE_URL = process.env.PROCESS_TEST_DATABASE_URL;\nawait import("./server.mjs");\n`,
    );
    db = await freshDatabase();
    const fx = fixtures(db);
    const owner = await fx.user();
    organizationId = (await fx.organization(undefined, [{ userId: owner.id, level: MembershipLevel.OWNER }])).id;
    key = await fx.key(owner.id);
    writerKey = await fx.key(owner.id);
    servers.push(await start("process A"), await start("process B"));
  }, 2 * STARTUP_MS);

  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const { running } of servers) {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill("SIGTERM");
        await running.exited;
      }
    }
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  async function post(server: Served, query: string, variables: Record<string, unknown> = {}, apiKey = key) {
    const res = await fetch(`${server.base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: any[]; extensions?: any } };
  }

  it("share one rate-limit budget per key: each sees the other's charges, and concurrent requests to both spend it exactly once", async () => {
    const [a, b] = servers;
    const first = await post(a, RATE_LIMIT);
    expect(first.body.data.rateLimit).toMatchObject({ limit: POINTS, cost: 1, used: 1, remaining: POINTS - 1 });
    const viaB = await post(b, ORGANIZATIONS);
    expect(viaB.status).toBe(200);
    const cost = viaB.body.extensions.cost.requested as number;
    // B charged the window A began.
    expect(viaB.body.extensions.rateLimit).toEqual({ ...first.body.data.rateLimit, cost, used: 1 + cost, remaining: POINTS - 1 - cost });
    const viaA = await post(a, RATE_LIMIT);
    expect(viaA.body.data.rateLimit).toMatchObject({
      used: 2 + cost,
      remaining: POINTS - 2 - cost,
      resetAt: first.body.data.rateLimit.resetAt,
    });

    // 20 requests to each process at once: with a budget per process both would run all 20.
    const remaining = POINTS - 2 - cost;
    const fit = Math.floor(remaining / cost);
    expect(fit).toBeLessThan(40);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(servers[i % 2], ORGANIZATIONS)));
    const accepted = answers.filter((r) => r.status === 200);
    expect(accepted).toHaveLength(fit);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(40 - fit);
    expect(new Set(accepted.map((r) => r.body.extensions.rateLimit.used)).size).toBe(fit);
    for (const refused of answers.filter((r) => r.status === 429)) {
      expect(refused.body.errors?.[0].extensions.code).toBe("RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(refused.headers.get("ratelimit-remaining"))).toBeLessThan(cost);
    }
    // Both processes read the same figures: a request that no longer fits is refused by either with what is left, and
    // then a request that does not parse (charged nothing, nothing looked up) is told the same.
    const left = remaining - fit * cost;
    for (const server of servers) {
      const refused = await post(server, ORGANIZATIONS);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("ratelimit-remaining")).toBe(String(left));
      expect(refused.body.errors?.[0].extensions.rateLimit).toMatchObject({ used: POINTS - left, remaining: left });
      const unparsed = await post(server, `{ viewer {`);
      expect(unparsed.status).toBe(400);
      expect(unparsed.headers.get("ratelimit-remaining")).toBe(String(left));
    }
  });

  it("deliver an activity entry written through one to a WebSocket subscriber of the other", async () => {
    const [a, b] = servers;
    const created = await post(a, CREATE, { input: { organizationId, name: `Across processes ${process.pid}` } }, writerKey);
    expect(created.body.data.createProject.userErrors).toEqual([]);
    const projectId = String(created.body.data.createProject.project.databaseId);

    const events: any[] = [];
    const waiters: (() => void)[] = [];
    const client = createClient({
      url: `${b.base.replace("http", "ws")}/graphql`,
      connectionParams: { Authorization: `Bearer ${writerKey}` },
      retryAttempts: 0,
      webSocketImpl: WebSocket,
    });
    clients.push(client);
    client.subscribe(
      { query: ACTIVITY, variables: { projectId } },
      {
        next: (result) => {
          events.push(result);
          for (const wake of waiters.splice(0)) wake();
        },
        error: (error) => {
          events.push({ error });
          for (const wake of waiters.splice(0)) wake();
        },
        complete: () => {},
      },
    );
    // B's feed LISTENs from its first subscriber on, and nothing tells the client when: A writes until one entry is heard
    // (every write is A's, so the first entry heard crossed from A to B).
    const zones = ["Europe/Madrid", "Asia/Tokyo"];
    for (let writes = 0; events.length === 0; writes += 1) {
      if (writes === 100) throw new Error("No activity entry written through A reached B's subscriber.");
      const update = await post(a, UPDATE, { input: { id: projectId, timezone: zones[writes % 2] } }, writerKey);
      expect(update.body.data.updateProject.userErrors).toEqual([]);
      await Promise.race([new Promise<void>((wake) => waiters.push(wake)), new Promise((wake) => setTimeout(wake, 250))]);
    }
    const event = events[0];
    expect(event.errors).toBeUndefined();
    expect(event.data.activityCreated).toEqual({
      scope: "Project",
      itemId: projectId,
      detail: { changes: [{ field: "timezone", after: expect.toBeOneOf(zones) }] },
    });
  });
});
