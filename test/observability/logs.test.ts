// Structured logs: one JSON line per request (HTTP and each WebSocket
// operation) with its request id (the response's x-request-id), operation,
// duration, cost, status, error codes and the key's id, never the key; faults
// through the same logger, one line each; quiet under NODE_ENV=test unless a
// destination is given; health probes at debug only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import "../../src/domain/activity/schema-subscription.js";
import { activityFeedFor } from "../../src/domain/activity/live.js";
import { createApp, type App, type AppOptions } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { attachWebSockets } from "../../src/http/websocket.js";
import { sha256Hex } from "../../src/auth/tokens.js";
import type { Database } from "../../src/db/client.js";
import { setupTestApp, pagesFailingWith, postTo } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { projectGid, sleep } from "../projects/support.js";
import { ACTIVITY_CREATED, subscribe } from "../activity/sse.js";

const t = await setupTestApp();
const seed = initSeed(t);
const ownerKeyId = (await t.db.prisma.personalApiKey.findUniqueOrThrow({ where: { secureValue: sha256Hex(t.ownerKey) } })).id;

type Line = Record<string, any>;

/** An app on the test database whose log lines are captured (parsed), with extra configuration. */
function loggedApp(env: Record<string, string> = {}, db: Database = t.db, options: AppOptions = {}) {
  const lines: Line[] = [];
  const raw: string[] = [];
  const destination = {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line));
    },
  };
  const app = createApp(db, loadConfig({ ...process.env, NODE_ENV: "test", ...env }), { logDestination: destination, ...options });
  return { app, lines, raw, requests: () => lines.filter((l) => l.msg === "request") };
}

async function post(app: App, body: unknown, headers: Record<string, string> = {}, key: string | null = t.ownerKey) {
  const res = await postTo(app, body, key, headers);
  return { res, body: (await res.json()) as { data?: any; errors?: any[]; extensions?: any } };
}

/** Polls until `probe` answers something (a line written when a stream ends, after the client saw its end). */
async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i += 1) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(10);
  }
  throw new Error(`Never saw ${what}.`);
}

describe("the access log", () => {
  it("has one line per request: request id (as the header says), operation, status, duration, cost, codes, key id", async () => {
    const { app, requests } = loggedApp();
    const { res, body } = await post(app, { query: "query Viewer { viewer { user { email } } }" });
    expect(res.status).toBe(200);
    expect(requests()).toHaveLength(1);
    const [line] = requests();
    expect(line).toMatchObject({
      level: "info",
      msg: "request",
      requestId: res.headers.get("x-request-id"),
      transport: "http",
      method: "POST",
      path: "/graphql",
      status: 200,
      operation: "Viewer",
      operationType: "query",
      cost: body.extensions.cost.requested,
      errors: [],
      keyId: ownerKeyId,
    });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(new Date(line.time).toISOString()).toBe(line.time);
    // Counted only when metrics are on (they are off under NODE_ENV=test by default).
    expect(line).not.toHaveProperty("sql");
  });

  it("keeps the client's request id, and names the operation picked by operationName among several", async () => {
    const { app, requests } = loggedApp();
    const { res } = await post(
      app,
      { query: "query A { viewer { user { email } } } mutation B { __typename }", operationName: "A" },
      { "x-request-id": "edge-42" },
    );
    expect(res.headers.get("x-request-id")).toBe("edge-42");
    expect(requests()).toEqual([expect.objectContaining({ requestId: "edge-42", operation: "A", operationType: "query" })]);
  });

  it("lists the error codes a request was answered, and its status", async () => {
    const { app, requests } = loggedApp();
    const limited = await seed.home.scopedKey(["project:read"]);
    const limitedId = (await t.db.prisma.personalApiKey.findUniqueOrThrow({ where: { secureValue: sha256Hex(limited) } })).id;
    await post(app, { query: "query Roles { currentOrganization { roles(first: 1) { totalCount } } }" }, {}, limited);
    await post(app, { query: "{ viewer { user { email } } }" }, {}, "phx_not_a_key");
    await post(app, { query: "{ viewer { nope } }" });
    await post(app, { query: "{ viewer {" });
    const [forbidden, unauthenticated, invalid, unparsable] = requests();
    expect(forbidden).toMatchObject({ status: 200, operation: "Roles", errors: ["FORBIDDEN"], keyId: limitedId });
    expect(unauthenticated).toMatchObject({
      status: 401,
      operation: null,
      operationType: "query",
      errors: ["UNAUTHENTICATED"],
      keyId: null,
    });
    expect(invalid).toMatchObject({ status: 400, errors: ["GRAPHQL_VALIDATION_FAILED"], keyId: null, cost: null });
    expect(unparsable).toMatchObject({ status: 400, operationType: null, errors: ["GRAPHQL_PARSE_FAILED"] });
  });

  it("reports the cost a refused request would have had", async () => {
    const { app, requests } = loggedApp({ MAX_QUERY_COST: "10" });
    const { res, body } = await post(app, { query: "{ viewer { organizations(first: 50) { nodes { name } } } }" });
    expect(res.status).toBe(400);
    expect(requests()[0]).toMatchObject({ errors: ["QUERY_TOO_COMPLEX"], cost: body.errors![0].extensions.cost.requested });
    expect(requests()[0].cost).toBeGreaterThan(10);
  });

  it("never carries the key, nor the Authorization header", async () => {
    const { app, raw } = loggedApp({ LOG_LEVEL: "trace" });
    const bad = "phx_thisIsNotAKeyButLooksLikeOne1234567890abc";
    await post(app, { query: "{ viewer { user { email } } }" });
    await post(app, { query: "{ viewer { user { email } } }" }, {}, bad);
    await post(app, { query: "{ viewer {" }, { authorization: `Basic ${Buffer.from("user:secret").toString("base64")}` }, null);
    const text = raw.join("\n");
    expect(raw.length).toBeGreaterThanOrEqual(3);
    for (const secret of [t.ownerKey, bad, "user:secret", "dXNlcjpzZWNyZXQ=", sha256Hex(t.ownerKey)]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization|bearer/i);
  });

  it("logs requests that never reach an operation: an unknown path, a body over the limit", async () => {
    const { app, requests } = loggedApp({ MAX_REQUEST_BYTES: "2048" });
    const missing = await app.yoga.fetch("http://localhost/nope");
    const large = await post(app, { query: `{ viewer { user { email } } } # ${"x".repeat(4096)}` });
    expect([missing.status, large.res.status]).toEqual([404, 413]);
    expect(requests()).toEqual([
      expect.objectContaining({ method: "GET", path: "/nope", status: 404, operation: null, errors: [] }),
      expect.objectContaining({ method: "POST", path: "/graphql", status: 413, operationType: null, errors: ["PAYLOAD_TOO_LARGE"] }),
    ]);
  });

  it("logs a subscription over server-sent events when its stream ends", async () => {
    const { app, requests } = loggedApp();
    const { project } = await seed.home.createProject();
    const query = `subscription Sse${ACTIVITY_CREATED.slice("subscription".length)}`;
    const stream = await subscribe(app, query, { projectId: projectGid(project.id) }, t.ownerKey);
    expect(stream.status).toBe(200);
    expect(requests()).toEqual([]);
    await stream.close();
    const line = await until("the stream's line", () => requests()[0]);
    expect(line).toMatchObject({ transport: "http", status: 200, operation: "Sse", operationType: "subscription", keyId: ownerKeyId });
  });

  it("logs health probes at debug only", async () => {
    const info = loggedApp();
    const debug = loggedApp({ LOG_LEVEL: "debug" });
    for (const { app } of [info, debug]) expect((await app.yoga.fetch("http://localhost/healthz")).status).toBe(200);
    expect(info.lines).toEqual([]);
    expect(debug.requests()).toEqual([expect.objectContaining({ level: "debug", path: "/healthz", status: 200, operation: null })]);
  });

  it("writes nothing under NODE_ENV=test unless asked, and nothing below LOG_LEVEL", async () => {
    const quiet = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test" }));
    expect(quiet.observability.logger.level).toBe("silent");
    // Nothing is observed at all: no plugin is installed.
    expect(quiet.observability.first).toEqual([]);
    expect(quiet.observability.last).toEqual([]);
    const warn = loggedApp({ LOG_LEVEL: "warn" });
    await post(warn.app, { query: "{ viewer { user { email } } }" });
    expect(warn.lines).toEqual([]);
  });
});

describe("faults", () => {
  it("are logged through the same logger, one line each, with the request's id; the access line says INTERNAL_SERVER_ERROR", async () => {
    const failing: Database = pagesFailingWith(t.db, new Error("boom in a page"));
    const { app, lines } = loggedApp({}, failing);
    const { res } = await post(app, { query: "query Pages { currentOrganization { a: projects(first: 1) { totalCount } } }" });
    const id = res.headers.get("x-request-id");
    const faults = lines.filter((l) => l.msg === "fault");
    expect(faults).toEqual([
      expect.objectContaining({
        level: "error",
        requestId: id,
        operation: "Pages",
        code: "INTERNAL_SERVER_ERROR",
        message: "boom in a page",
      }),
    ]);
    expect(lines.filter((l) => l.msg === "request")).toEqual([
      expect.objectContaining({ requestId: id, status: 200, errors: ["INTERNAL_SERVER_ERROR"] }),
    ]);
  });
});

describe("WebSocket operations", () => {
  const { app, requests } = loggedApp();
  const server: Server = createServer((req, res) => void app.yoga(req, res));
  const websockets = attachWebSockets(server, app);
  const clients: Client[] = [];
  const feed = activityFeedFor(t.db);
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await websockets.close(500);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await feed.close();
  });

  async function client(key: string): Promise<Client> {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const c = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      connectionParams: { Authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
      webSocketImpl: WebSocket,
    });
    clients.push(c);
    return c;
  }

  it("have a line each, on the WebSocket transport, with the key's id", async () => {
    const c = await client(t.ownerKey);
    const before = requests().length;
    for await (const result of c.iterate({ query: "query OverWs { viewer { user { email } } }" })) expect(result.errors).toBeUndefined();
    const line = await until("the operation's line", () =>
      requests()
        .slice(before)
        .find((l) => l.operation === "OverWs"),
    );
    expect(line).toMatchObject({ transport: "ws", operationType: "query", errors: [], keyId: ownerKeyId });
    expect(line.cost).toBeGreaterThan(0);
    expect(line).not.toHaveProperty("status");
    expect(line.requestId).toEqual(expect.any(String));
  });

  it("log a subscription when it ends, with how long it stayed open", async () => {
    const { project } = await seed.home.createProject();
    const c = await client(t.ownerKey);
    const before = feed.size;
    const events = c.iterate({
      query: `subscription Live${ACTIVITY_CREATED.slice("subscription".length)}`,
      variables: { projectId: projectGid(project.id) },
    });
    const first = events.next();
    for (let i = 0; feed.size <= before; i += 1) {
      if (i > 500) throw new Error("The subscription did not start.");
      await sleep(10);
    }
    expect(requests().find((l) => l.operation === "Live")).toBeUndefined();
    await events.return?.();
    await first.catch(() => {});
    const line = await until("the subscription's line", () => requests().find((l) => l.operation === "Live"));
    expect(line).toMatchObject({ transport: "ws", operationType: "subscription", errors: [], keyId: ownerKeyId });
    expect(line.durationMs).toBeGreaterThan(0);
  });
});
