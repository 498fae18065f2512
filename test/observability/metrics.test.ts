// Prometheus metrics at GET /metrics (METRICS=on), from a registry of each
// app's own: operations by name, errors by code, SQL statements per request,
// rate-limited requests, open subscriptions, the database pool; behind a
// bearer token when METRICS_TOKEN is set; absent when METRICS=off.
import { afterAll, describe, expect, it } from "vitest";
import "../../src/domain/activity/schema-subscription.js";
import { activityFeedFor } from "../../src/domain/activity/live.js";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { projectGid, sleep } from "../projects/support.js";
import { ACTIVITY_CREATED, subscribe } from "../activity/sse.js";

const t = await setupTestApp();
const seed = initSeed(t);
afterAll(() => activityFeedFor(t.db).close());

const TOKEN = "a-metrics-token-of-some-length";
/** The buckets of graphql_sql_statements_per_request (src/observability/metrics.ts). */
const SQL_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100];
const metricsApp = (env: Record<string, string> = {}) =>
  createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", METRICS: "on", ...env }));
const app = metricsApp();

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of Prometheus' text format. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(target: App = app, headers: Record<string, string> = {}) {
  const res = await target.yoga.fetch("http://localhost/metrics", { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  /** The value of the sample `name` whose labels include `labels` (0 when there is none yet). */
  const value = (name: string, labels: Record<string, string> = {}) =>
    parse(text)
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  return { text, value };
}

async function post(target: App, query: string, key: string | null = t.ownerKey, variables?: Record<string, unknown>) {
  t.db.counter.reset();
  const res = await target.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] }, sql: t.db.counter.count };
}

describe("GET /metrics", () => {
  it("exposes the named metrics", async () => {
    const { text } = await scrape();
    for (const name of [
      "graphql_envelop_request",
      "graphql_envelop_request_duration",
      "graphql_yoga_http_duration",
      "graphql_envelop_error_result",
      "graphql_errors_total",
      "graphql_rate_limited_requests_total",
      "graphql_sql_statements_per_request",
      "graphql_subscriptions_open",
      "db_pool_connections",
      "db_pool_max_connections",
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it("counts operations by name, with their durations", async () => {
    const before = await scrape();
    await post(app, "query CountMe { viewer { user { email } } }");
    await post(app, "query CountMe { viewer { user { email } } }");
    const after = await scrape();
    const labels = { operationName: "CountMe", operationType: "query" };
    expect(after.value("graphql_envelop_request", labels) - before.value("graphql_envelop_request", labels)).toBe(2);
    const http = { ...labels, method: "POST", statusCode: "200" };
    expect(after.value("graphql_yoga_http_duration_count", http) - before.value("graphql_yoga_http_duration_count", http)).toBe(2);
    expect(after.value("graphql_envelop_request_duration_count", labels)).toBe(2);
  });

  it("counts the SQL statements of each request in a histogram", async () => {
    const before = await scrape();
    const { sql: one } = await post(app, "{ viewer { user { email } } }");
    const { sql: many } = await post(app, "{ viewer { organizations(first: 5) { nodes { name projects(first: 5) { totalCount } } } } }");
    const after = await scrape();
    expect(many).toBeGreaterThan(one);
    const query = { operationType: "query", transport: "http" };
    const moved = (name: string) => after.value(name, query) - before.value(name, query);
    expect(moved("graphql_sql_statements_per_request_count")).toBe(2);
    expect(moved("graphql_sql_statements_per_request_sum")).toBe(one + many);
    // Each request in its bucket (cumulative): the smallest bucket holding `one` holds the other only if it holds `many`.
    const bucket = (le: number) =>
      after.value("graphql_sql_statements_per_request_bucket", { ...query, le: String(le) }) -
      before.value("graphql_sql_statements_per_request_bucket", { ...query, le: String(le) });
    const le = SQL_BUCKETS.find((b) => b >= one)!;
    expect(bucket(le)).toBe(many <= le ? 2 : 1);
    expect(bucket(100)).toBe(2);
  });

  it("counts errors by code", async () => {
    const limited = await seed.home.scopedKey(["project:read"]);
    const before = await scrape();
    await post(app, "{ currentOrganization { roles(first: 1) { totalCount } } }", limited);
    await post(app, "{ viewer { user { email } } }", "phx_not_a_key");
    await post(app, "{ viewer { user { email } } }", "phx_not_a_key");
    await post(app, `{ node(id: "${projectGid(99_999_999)}") { id } }`);
    const after = await scrape();
    const moved = (code: string) =>
      after.value("graphql_errors_total", { code, transport: "http" }) - before.value("graphql_errors_total", { code, transport: "http" });
    expect({ FORBIDDEN: moved("FORBIDDEN"), UNAUTHENTICATED: moved("UNAUTHENTICATED"), NOT_FOUND: moved("NOT_FOUND") }).toEqual({
      FORBIDDEN: 1,
      UNAUTHENTICATED: 2,
      NOT_FOUND: 1,
    });
  });

  it("counts rate-limited requests (429)", async () => {
    // A budget of 3 points, a point per unit of cost: `{ viewer { user { email } } }` costs 2, so the second request is refused.
    const limitedApp = metricsApp({ RATE_LIMIT: "on", RATE_LIMIT_POINTS: "3", RATE_LIMIT_COST_PER_POINT: "1" });
    const { key } = await seed.home.member();
    expect((await post(limitedApp, "{ viewer { user { email } } }", key)).status).toBe(200);
    const refused = await post(limitedApp, "{ viewer { user { email } } }", key);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions.code).toBe("RATE_LIMITED");
    const { value } = await scrape(limitedApp);
    expect(value("graphql_rate_limited_requests_total", { transport: "http" })).toBe(1);
    expect(value("graphql_errors_total", { code: "RATE_LIMITED" })).toBe(1);
  });

  it("shows the open subscriptions", async () => {
    const { project } = await seed.home.createProject();
    const open = async () => (await scrape()).value("graphql_subscriptions_open", { transport: "http" });
    const before = await open();
    const subscription = await subscribe(app, ACTIVITY_CREATED, { projectId: projectGid(project.id) }, t.ownerKey);
    expect(subscription.status).toBe(200);
    expect(await open()).toBe(before + 1);
    await subscription.close();
    for (let i = 0; (await open()) !== before; i += 1) {
      if (i > 500) throw new Error("The subscription stayed open.");
      await sleep(10);
    }
    expect(await open()).toBe(before);
  });

  it("shows the database pool", async () => {
    const { value } = await scrape();
    if (t.db.kind === "postgres") {
      expect(value("db_pool_max_connections")).toBe(5); // the tests' pool size (test/helpers/app.ts)
      expect(value("db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(1);
      expect(value("db_pool_connections", { state: "total" })).toBeLessThanOrEqual(5);
    } else {
      expect(value("db_pool_max_connections")).toBe(1);
      expect(value("db_pool_connections", { state: "total" })).toBe(1);
    }
    expect(value("db_pool_connections", { state: "waiting" })).toBe(0);
  });

  it("keeps each app's metrics apart", async () => {
    const other = metricsApp();
    await post(other, "query OnlyTheOther { viewer { user { email } } }");
    expect((await scrape(other)).value("graphql_envelop_request", { operationName: "OnlyTheOther" })).toBe(1);
    expect((await scrape()).value("graphql_envelop_request", { operationName: "OnlyTheOther" })).toBe(0);
  });

  it("needs the bearer token when METRICS_TOKEN is set", async () => {
    const guarded = metricsApp({ METRICS_TOKEN: TOKEN });
    for (const authorization of [undefined, "Bearer nope", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const res = await guarded.yoga.fetch("http://localhost/metrics", { headers: authorization ? { authorization } : {} });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect((await res.json()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
    const { text } = await scrape(guarded, { authorization: `Bearer ${TOKEN}` });
    expect(text).toContain("# TYPE graphql_errors_total counter");
  });

  it("is not served with METRICS=off (the default under test and in production)", async () => {
    for (const env of [{ METRICS: "off" }, {}]) {
      const off = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", METRICS: undefined, ...env }));
      expect(off.observability.metrics).toBeNull();
      expect((await off.yoga.fetch("http://localhost/metrics")).status).toBe(404);
    }
    expect(loadConfig({ ...process.env, NODE_ENV: "production", DATABASE_URL: undefined }).METRICS).toBe("off");
  });

  it("refuses METRICS=on in production without METRICS_TOKEN", () => {
    expect(() => loadConfig({ ...process.env, NODE_ENV: "production", METRICS: "on", METRICS_TOKEN: undefined })).toThrow(
      /METRICS=on under NODE_ENV=production needs METRICS_TOKEN/,
    );
    expect(loadConfig({ ...process.env, NODE_ENV: "production", METRICS: "on", METRICS_TOKEN: TOKEN }).METRICS).toBe("on");
  });
});
