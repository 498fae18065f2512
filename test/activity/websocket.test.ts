// GraphQL over WebSocket (graphql-transport-ws, the protocol of `graphql-ws`):
// a real `graphql-ws` client on a real WebSocket to a node:http server around
// the app (as server.ts serves it). A subscriber hears the activity a mutation
// commits, through the same field and fan-out as over SSE; operations run
// through yoga's whole pipeline, so a missing or bad key, a limit, trusted
// documents and the nesting bound answer their codes, as over HTTP.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import type { FormattedExecutionResult } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
// Registers the subscription before the app builds its schema (also imported by src/schema/index.ts).
import "../../src/domain/activity/schema-subscription.js";
import { activityFeedFor } from "../../src/domain/activity/live.js";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { attachWebSockets } from "../../src/http/websocket.js";
import { sha256Hex } from "../../src/auth/tokens.js";
import { setupTestApp, pagesFailingWith } from "../helpers/app.js";
import { helpers, projectGid, sleep, USER_ERRORS } from "../projects/support.js";
import { ACTIVITY_CREATED } from "./sse.js";

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;
const VIEWER = `{ viewer { user { email } } }`;

const t = await setupTestApp();
const h = helpers(t);
const feed = activityFeedFor(t.db);

interface Served {
  url: string;
  close(): Promise<void>;
}

/** The app on a node:http server on loopback, with the WebSocket transport attached. */
async function serve(app: App): Promise<Served> {
  const server: Server = createServer((req, res) => void app.yoga(req, res));
  const websockets = attachWebSockets(server, app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    async close() {
      await websockets.close(500);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const main = await serve(t.app);
const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await main.close();
  await feed.close();
});

function client(
  connectionParams: Record<string, unknown> | undefined,
  url = main.url,
  options: { headers?: Record<string, string> } = {},
): Client {
  const c = createClient({
    url,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: options.headers });
      }
    },
  });
  clients.push(c);
  return c;
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** One operation's outcome: its results, or the errors of its `error` message. */
async function run(
  c: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ results: FormattedExecutionResult<Record<string, unknown>, unknown>[]; refused?: any[] }> {
  const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  try {
    for await (const result of c.iterate({ query, variables })) results.push(result);
    return { results };
  } catch (error) {
    if (Array.isArray(error)) return { results, refused: error };
    throw error;
  }
}

/** The codes of a refusal (an `error` message), which must carry one on every error and nothing of yoga's internals. */
function refusalCodes(outcome: { refused?: any[] }): string[] {
  expect(outcome.refused, JSON.stringify(outcome)).toBeDefined();
  for (const e of outcome.refused!) {
    expect(e.extensions?.code, JSON.stringify(e)).toBeTruthy();
    expect(e.extensions).not.toHaveProperty("http");
  }
  return outcome.refused!.map((e) => e.extensions.code);
}

/** Waits until the feed has more listeners than `before` (the subscription is live: LISTEN in effect). */
async function liveAfter(before: number) {
  for (let i = 0; feed.size <= before; i += 1) {
    if (i > 500) throw new Error("The subscription did not start.");
    await sleep(10);
  }
}

async function settled(n: number) {
  for (let i = 0; feed.size !== n && i < 300; i += 1) await sleep(10);
  expect(feed.size).toBe(n);
}

describe("Subscription.activityCreated over graphql-ws", () => {
  it("sends the entry a mutation commits, and stops listening when the client unsubscribes", async () => {
    const p = await h.project();
    const before = feed.size;
    const c = client(bearer(t.ownerKey));
    const events = c.iterate({ query: ACTIVITY_CREATED, variables: { projectId: projectGid(p.project.id) } });
    const first = events.next();
    await liveAfter(before);

    const updated = await h.ok(UPDATE, { input: { id: String(p.project.id), timezone: "Europe/Madrid" } });
    expect(updated.updateProject.userErrors).toEqual([]);
    const { value, done } = await first;
    expect(done).toBe(false);
    expect(value!.errors).toBeUndefined();
    expect((value!.data as any).activityCreated).toMatchObject({
      activity: "updated",
      scope: "Project",
      itemId: String(p.project.id),
      detail: { changes: [{ type: "Project", action: "changed", field: "timezone", before: "UTC", after: "Europe/Madrid" }] },
    });

    await events.return?.();
    await settled(before);
  });

  it("stops listening when the client's connection closes", async () => {
    const p = await h.project();
    const before = feed.size;
    const c = createClient({ url: main.url, connectionParams: bearer(t.ownerKey), retryAttempts: 0, lazy: true, webSocketImpl: WebSocket });
    const pending = c.iterate({ query: ACTIVITY_CREATED, variables: { projectId: String(p.project.id) } }).next();
    await liveAfter(before);
    await c.dispose(); // closes the socket without completing the subscription first
    await pending.catch(() => {});
    await settled(before);
  });

  it("reaches every subscriber of the project, over WebSocket and SSE alike (one fan-out)", async () => {
    const p = await h.project();
    const before = feed.size;
    const a = client({ authorization: `Bearer ${t.ownerKey}` }).iterate({
      query: ACTIVITY_CREATED,
      variables: { projectId: String(p.project.id) },
    });
    const b = client(bearer(t.ownerKey)).iterate({ query: ACTIVITY_CREATED, variables: { projectId: String(p.project.id) } });
    const [nextA, nextB] = [a.next(), b.next()];
    await liveAfter(before + 1);
    await h.ok(UPDATE, { input: { id: String(p.project.id), timezone: "Asia/Seoul" } });
    for (const next of [nextA, nextB]) {
      const { value } = await next;
      expect((value!.data as any).activityCreated.detail.changes[0].after).toBe("Asia/Seoul");
    }
    await a.return?.();
    await b.return?.();
    await settled(before);
  });
});

describe("authentication", () => {
  it("takes the key from connectionParams as Apollo Client and GraphiQL send it, or from the upgrade's header", async () => {
    const email = (await h.prisma.user.findUniqueOrThrow({ where: { id: t.owner.id } })).email;
    const ways: [string, Client][] = [
      ["Authorization", client({ Authorization: `Bearer ${t.ownerKey}` })],
      ["authorization", client({ authorization: `Bearer ${t.ownerKey}` })],
      ["headers.Authorization", client({ headers: { Authorization: `Bearer ${t.ownerKey}` } })],
      ["authToken (Apollo's docs)", client({ authToken: t.ownerKey })],
      ["the upgrade's Authorization header", client(undefined, main.url, { headers: { authorization: `Bearer ${t.ownerKey}` } })],
    ];
    for (const [way, c] of ways) {
      const { results, refused } = await run(c, VIEWER);
      expect(refused, way).toBeUndefined();
      expect(
        results.map((r) => r.data),
        way,
      ).toEqual([{ viewer: { user: { email } } }]);
      // The cost the limits computed and the rate-limit figures after its charge, reported as over HTTP.
      expect(results[0].extensions, way).toEqual({
        cost: { requested: expect.any(Number), limit: t.app.config.MAX_QUERY_COST },
        rateLimit: expect.objectContaining({ cost: expect.any(Number), remaining: expect.any(Number) }),
      });
    }
  });

  it("refuses a subscription without a key, or with a bad one, with UNAUTHENTICATED", async () => {
    const p = await h.project();
    const variables = { projectId: String(p.project.id) };
    const revoked = await t.fixtures.key(t.owner.id);
    await h.prisma.personalApiKey.updateMany({ where: { secureValue: sha256Hex(revoked) }, data: { revokedAt: new Date() } });
    const refusals: [string, Record<string, unknown> | undefined][] = [
      ["no connectionParams", undefined],
      ["no key in them", { other: "x" }],
      ["a malformed key", { Authorization: "Bearer phx_nope" }],
      ["not a Bearer header", { Authorization: t.ownerKey }],
      ["a header that is not a string", { Authorization: 42 }],
      ["a revoked key", bearer(revoked)],
    ];
    for (const [why, params] of refusals) {
      const outcome = await run(client(params), ACTIVITY_CREATED, variables);
      expect(refusalCodes(outcome), why).toEqual(["UNAUTHENTICATED"]);
      expect(outcome.results, why).toEqual([]);
    }
    // A query is refused the same way (no keyless access but introspection, as over HTTP).
    expect(refusalCodes(await run(client(undefined), VIEWER))).toEqual(["UNAUTHENTICATED"]);
    await settled(0);
  });

  it("answers a subscription's own refusals (NOT_FOUND) as an error message with the code", async () => {
    const outcome = await run(client(bearer(t.ownerKey)), ACTIVITY_CREATED, { projectId: "99999999" });
    expect(refusalCodes(outcome)).toEqual(["NOT_FOUND"]);
  });
});

describe("the same pipeline as HTTP", () => {
  it("refuses a limit violation with QUERY_TOO_COMPLEX (aliases; brackets nested past the bound, before parsing)", async () => {
    const c = client(bearer(t.ownerKey));
    const aliases = `{ ${Array.from({ length: t.app.config.MAX_ALIASES + 1 }, (_, i) => `a${i}: viewer { user { email } }`).join(" ")} }`;
    expect(refusalCodes(await run(c, aliases))).toEqual(["QUERY_TOO_COMPLEX"]);
    const depth = t.app.config.MAX_INPUT_NESTING + 1;
    const nested = `{ viewer ${"{ user ".repeat(depth)}${"}".repeat(depth)} }`;
    expect(refusalCodes(await run(c, nested))).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("answers parse and validation failures with their codes", async () => {
    const c = client(bearer(t.ownerKey));
    expect(refusalCodes(await run(c, "{ viewer {"))).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(refusalCodes(await run(c, "{ nope }"))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("runs only trusted documents under PERSISTED_OPERATIONS=only", async () => {
    const only = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", PERSISTED_OPERATIONS: "only" }));
    const served = await serve(only);
    try {
      expect(refusalCodes(await run(client(bearer(t.ownerKey), served.url), VIEWER))).toEqual(["PERSISTED_QUERY_ONLY"]);
    } finally {
      await served.close();
    }
  });

  it("takes WebSockets only on /graphql, and from allowed origins", async () => {
    const prod = createApp(
      t.db,
      loadConfig({ ...process.env, NODE_ENV: "production", LOG_LEVEL: "silent", CORS_ORIGINS: "https://app.example.com" }),
    );
    const served = await serve(prod);
    const status = (url: string, origin?: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url, "graphql-transport-ws", { headers: origin ? { origin } : {} });
        ws.once("open", () => {
          ws.close();
          resolve(101);
        });
        ws.once("unexpected-response", (_req, res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        ws.once("error", (e) => (/Unexpected server response/.test(e.message) ? undefined : reject(e)));
      });
    try {
      expect(await status(served.url.replace(/\/graphql$/, "/elsewhere"))).toBe(404);
      expect(await status(served.url, "https://evil.example.com")).toBe(403);
      expect(await status(served.url, "https://app.example.com")).toBe(101);
      expect(await status(served.url)).toBe(101); // not a browser: no Origin
      const host = new URL(served.url).host;
      expect(await status(served.url, `http://${host}`)).toBe(101); // the server's own page
    } finally {
      await served.close();
    }
  });
});

describe("request ids, as over HTTP", () => {
  /** The upgrade's answer: its status and its x-request-id header. */
  const upgrade = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; requestId: string | undefined }>((resolve, reject) => {
      const ws = new WebSocket(url, "graphql-transport-ws", { headers });
      ws.once("upgrade", (res) => {
        resolve({ status: res.statusCode ?? 0, requestId: res.headers["x-request-id"] as string | undefined });
        ws.close();
      });
      ws.once("unexpected-response", (_req, res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, requestId: res.headers["x-request-id"] as string | undefined });
      });
      ws.once("error", (e) => (/Unexpected server response/.test(e.message) ? undefined : reject(e)));
    });

  it("answers the upgrade with the connection's x-request-id: the client's own when plain, else a new one; refusals too", async () => {
    expect(await upgrade(main.url, { "x-request-id": "edge-7f3a" })).toEqual({ status: 101, requestId: "edge-7f3a" });
    const fresh = await upgrade(main.url);
    expect(fresh.status).toBe(101);
    expect(fresh.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await upgrade(main.url, { "x-request-id": "bad id\twith tabs" })).requestId).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await upgrade(main.url.replace(/\/graphql$/, "/elsewhere"), { "x-request-id": "edge-404" });
    expect(refused).toEqual({ status: 404, requestId: "edge-404" });
  });

  it("runs each operation as a request of its own: `<connection id>:<n>` in its faults' extensions and log lines", async () => {
    const lines: string[] = [];
    const failing = createApp(pagesFailingWith(t.db, new Error("boom: SELECT 1")), loadConfig({ ...process.env, NODE_ENV: "test" }), {
      faultLog: (line) => void lines.push(line),
    });
    const served = await serve(failing);
    try {
      const c = client(bearer(t.ownerKey), served.url, { headers: { "x-request-id": "edge-42" } });
      const query = `query Orgs { viewer { organizations(first: 1) { nodes { name } } } }`;
      // Two operations at once on one connection (the lazy client closes an idle one): its operations 1 and 2.
      const outcomes = await Promise.all([run(c, query), run(c, query)]);
      const ids: string[] = [];
      for (const { results } of outcomes) {
        expect(results).toHaveLength(1);
        expect(results[0].errors).toEqual([
          expect.objectContaining({
            message: "Unexpected error.",
            extensions: { code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) },
          }),
        ]);
        ids.push((results[0].errors![0].extensions as { requestId: string }).requestId);
      }
      expect(ids.sort()).toEqual(["edge-42:1", "edge-42:2"]);
      // Each fault logged once, under its operation's id.
      expect(lines.map((l) => JSON.parse(l).requestId).sort()).toEqual(["edge-42:1", "edge-42:2"]);
      expect(lines.map((l) => JSON.parse(l).operation)).toEqual(["Orgs", "Orgs"]);
    } finally {
      await served.close();
    }
  });

  it("answers a query with @defer whole (one result: incremental delivery is for multipart and server-sent events)", async () => {
    const email = (await h.prisma.user.findUniqueOrThrow({ where: { id: t.owner.id } })).email;
    const { results, refused } = await run(
      client(bearer(t.ownerKey)),
      `{ viewer { ... @defer { user { email } } organizations(first: 1) { nodes @stream { name } } } }`,
    );
    expect(refused).toBeUndefined();
    expect(results).toHaveLength(1);
    expect(results[0].data).toEqual({ viewer: { user: { email }, organizations: { nodes: [{ name: expect.any(String) }] } } });
    expect(results[0]).not.toHaveProperty("hasNext");
  });
});
