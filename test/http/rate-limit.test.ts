// Rate limits (GitHub's model), through the real HTTP handler on both
// databases: each key's budget of cost points per window, charged before a
// request runs (429 RATE_LIMITED with Retry-After when it does not fit), the
// RateLimit-* headers on every GraphQL response, Query.rateLimit and
// `extensions.rateLimit` agreeing, keyless requests charged to the client
// address, the failed-authentication limit per address, windows that end (an
// injected clock, no sleeping), WebSocket operations charged alike, and one
// atomic statement per request on PostgreSQL.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createApp, type App } from "../../src/app.js";
import { loadConfig, TEST_RATE_LIMITS } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import { attachWebSockets } from "../../src/http/websocket.js";
import { normalizeAddress } from "../../src/rate-limits/plugin.js";
import { MemoryStore, PostgresStore, storeFor } from "../../src/rate-limits/store.js";
import { setupTestApp } from "../helpers/app.js";

const onPostgres = process.env.TEST_DB === "postgres";
const t = await setupTestApp();

const RATE_LIMIT = `{ rateLimit { limit cost used remaining resetAt } }`;
const ORGANIZATIONS = `{ viewer { organizations(first: 5) { nodes { name } } } }`;
const RENAME = `mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
  organization { name } userErrors { field message code } } }`;

/** A fixed clock the tests move: windows end when they say so, without waiting. */
class Clock {
  time = new Date("2031-03-01T12:00:00.000Z");
  now = () => this.time;
  advance(ms: number) {
    this.time = new Date(this.time.getTime() + ms);
  }
}

function appWith(env: Record<string, string>, clock = new Clock(), db: Database = t.db): App {
  // One point per unit of cost, so figures can be checked against `extensions.cost` (the default divides by 100: tested below).
  return createApp(db, loadConfig({ ...process.env, NODE_ENV: "test", RATE_LIMIT_COST_PER_POINT: "1", ...env }), { now: clock.now });
}

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[]; extensions?: Record<string, any> };
  /** SQL statements the request sent through Prisma (authentication included; not the rate-limit statement). */
  sql: number;
}

/** POSTs to the app as a client at `address` (the node socket's remote address; yoga.fetch has none of its own). */
async function post(
  app: App,
  query: string,
  opts: {
    key?: string | null;
    address?: string;
    variables?: Record<string, unknown>;
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<Answer> {
  const key = opts.key === undefined ? t.ownerKey : opts.key;
  const serverContext = opts.address ? { req: { socket: { remoteAddress: opts.address } } } : {};
  t.db.counter.reset();
  const res = await app.yoga.fetch(
    "http://localhost/graphql",
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...opts.headers,
      },
      body: opts.body ?? JSON.stringify({ query, variables: opts.variables }),
    },
    serverContext,
  );
  const sql = t.db.counter.count;
  return { status: res.status, headers: res.headers, body: await res.json(), sql };
}

/** The RateLimit-* headers as numbers (and the policy as sent). */
function headersOf(answer: Answer) {
  const number = (name: string) => {
    const value = answer.headers.get(name);
    return value === null ? null : Number(value);
  };
  return {
    limit: number("ratelimit-limit"),
    remaining: number("ratelimit-remaining"),
    reset: number("ratelimit-reset"),
    policy: answer.headers.get("ratelimit-policy"),
  };
}

const newKey = () => t.fixtures.key(t.owner.id);
/** A well-formed key that is no key. */
const BAD_KEY = `phx_${"A".repeat(43)}`;
let addresses = 0;
/** A client address of its own per test: on PostgreSQL the windows of every app of this file share one table. */
const newAddress = () => {
  addresses += 1;
  return `10.${process.pid % 250}.${Math.floor(addresses / 250)}.${addresses % 250}`;
};

describe("a key's budget of cost points", () => {
  it("by default charges one point per 100 of cost, rounded up, at least 1 (GitHub's division)", async () => {
    const clock = new Clock();
    const app = appWith({ RATE_LIMIT_POINTS: "5000", RATE_LIMIT_COST_PER_POINT: "100" }, clock);
    const key = await newKey();
    const big = `{ viewer { organizations(first: 100) { nodes { projects(first: 30) { nodes { name } } } } } }`;
    const answer = await post(app, big, { key });
    expect(answer.status).toBe(200);
    const cost = answer.body.extensions?.cost.requested as number;
    expect(cost).toBeGreaterThan(100);
    expect(answer.body.extensions?.rateLimit).toMatchObject({ cost: Math.ceil(cost / 100), used: Math.ceil(cost / 100) });
    const cheap = await post(app, RATE_LIMIT, { key });
    expect(cheap.body.data.rateLimit).toMatchObject({ cost: 1, used: Math.ceil(cost / 100) + 1 });
  });

  it("charges each request its cost; Query.rateLimit, extensions.rateLimit and the headers tell the same figures", async () => {
    const clock = new Clock();
    const app = appWith({ RATE_LIMIT_POINTS: "50", RATE_LIMIT_WINDOW_SECONDS: "3600" }, clock);
    const key = await newKey();
    const resetAt = new Date(clock.time.getTime() + 3600_000).toISOString();

    const first = await post(app, RATE_LIMIT, { key });
    expect(first.status).toBe(200);
    // Selecting rateLimit costs 1, as on GitHub.
    expect(first.body.data.rateLimit).toEqual({ limit: 50, cost: 1, used: 1, remaining: 49, resetAt });
    expect(first.body.extensions?.rateLimit).toEqual(first.body.data.rateLimit);
    expect(headersOf(first)).toEqual({ limit: 50, remaining: 49, reset: 3600, policy: "50;w=3600" });

    clock.advance(60_000);
    const second = await post(app, ORGANIZATIONS, { key });
    expect(second.status).toBe(200);
    const cost = second.body.extensions?.cost.requested;
    expect(cost).toBeGreaterThan(1);
    // The charge is the cost the limits computed; the window is the one the first request began.
    expect(second.body.extensions?.rateLimit).toEqual({ limit: 50, cost, used: 1 + cost, remaining: 49 - cost, resetAt });
    expect(headersOf(second)).toEqual({ limit: 50, remaining: 49 - cost, reset: 3540, policy: "50;w=3600" });

    const third = await post(app, RATE_LIMIT, { key });
    expect(third.body.data.rateLimit).toEqual({ limit: 50, cost: 1, used: 2 + cost, remaining: 48 - cost, resetAt });
    expect(third.body.extensions?.rateLimit).toEqual(third.body.data.rateLimit);
  });

  it("refuses a request that does not fit what remains, whole: 429 RATE_LIMITED, Retry-After, no resolver runs, nothing changes", async () => {
    const clock = new Clock();
    const app = appWith({ RATE_LIMIT_POINTS: "12", RATE_LIMIT_WINDOW_SECONDS: "600" }, clock);
    const key = await newKey();
    const renamed = await post(app, RENAME, { key, variables: { input: { id: t.org.id, name: "Renamed once" } } });
    expect(renamed.body.data.updateOrganization).toEqual({ organization: { name: "Renamed once" }, userErrors: [] });
    const cost = renamed.body.extensions?.cost.requested;
    // Spend until less than the rename's cost remains.
    let remaining = renamed.body.extensions?.rateLimit.remaining;
    while (remaining >= cost) remaining = (await post(app, RATE_LIMIT, { key })).body.data.rateLimit.remaining;
    const activities = await t.db.prisma.activityLog.count();

    clock.advance(100_000);
    const refused = await post(app, RENAME, { key, variables: { input: { id: t.org.id, name: "Renamed twice" } } });
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toHaveLength(1);
    const error = refused.body.errors![0];
    expect(error.extensions?.code).toBe("RATE_LIMITED");
    expect(error.message).toMatch(/Retry after 500 seconds/);
    const figures = { limit: 12, cost, used: 12 - remaining, remaining, resetAt: new Date(clock.time.getTime() + 500_000).toISOString() };
    expect(error.extensions?.rateLimit).toEqual(figures);
    expect(error.extensions).not.toHaveProperty("http");
    expect(refused.body.extensions?.rateLimit).toEqual(figures);
    expect(refused.headers.get("retry-after")).toBe("500");
    expect(headersOf(refused)).toEqual({ limit: 12, remaining, reset: 500, policy: "12;w=600" });
    // Not one statement but the key's own: no resolver ran.
    expect(refused.sql).toBe(1);
    const org = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: t.org.id } });
    expect(org.name).toBe("Renamed once");
    expect(await t.db.prisma.activityLog.count()).toBe(activities);

    // Refused whole, so charged nothing: a request that fits what remains still runs.
    const fits = await post(app, RATE_LIMIT, { key });
    expect(fits.status).toBe(200);
    expect(fits.body.data.rateLimit).toMatchObject({ used: 13 - remaining, remaining: remaining - 1 });
  });

  it("starts a whole budget when the window ends (not a moment before)", async () => {
    const clock = new Clock();
    const app = appWith({ RATE_LIMIT_POINTS: "3", RATE_LIMIT_WINDOW_SECONDS: "60" }, clock);
    const key = await newKey();
    for (let i = 0; i < 3; i += 1) expect((await post(app, RATE_LIMIT, { key })).status).toBe(200);
    const windowEnd = clock.time.getTime() + 60_000;

    clock.advance(59_999);
    const early = await post(app, RATE_LIMIT, { key });
    expect(early.status).toBe(429);
    // Never 0: a client told 0 would retry before the window ends.
    expect(early.headers.get("retry-after")).toBe("1");

    clock.advance(1);
    const fresh = await post(app, RATE_LIMIT, { key });
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.rateLimit).toEqual({
      limit: 3,
      cost: 1,
      used: 1,
      remaining: 2,
      resetAt: new Date(windowEnd + 60_000).toISOString(),
    });
  });

  it("gives each key its own budget", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "2" });
    const [a, b] = [await newKey(), await newKey()];
    for (let i = 0; i < 2; i += 1) expect((await post(app, RATE_LIMIT, { key: a })).status).toBe(200);
    expect((await post(app, RATE_LIMIT, { key: a })).status).toBe(429);
    expect((await post(app, RATE_LIMIT, { key: b })).body.data.rateLimit).toMatchObject({ used: 1, remaining: 1 });
  });

  it("answers a request that costs more than a whole window's budget 400 QUERY_TOO_COMPLEX (waiting would not help)", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "5" });
    const key = await newKey();
    const answer = await post(app, ORGANIZATIONS, { key });
    expect(answer.status).toBe(400);
    expect(answer.body.errors![0].extensions).toMatchObject({
      code: "QUERY_TOO_COMPLEX",
      cost: { requested: expect.any(Number), limit: 5 },
    });
    expect(answer.headers.get("retry-after")).toBeNull();
    expect(headersOf(answer)).toMatchObject({ limit: 5, remaining: 5 });
    expect((await post(app, RATE_LIMIT, { key })).body.data.rateLimit).toMatchObject({ used: 1, remaining: 4 });
  });

  it("charges 20 concurrent requests atomically: exactly what fits runs, and the budget is spent to the point", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "50" });
    const key = await newKey();
    const cost = (await post(app, ORGANIZATIONS, { key })).body.extensions?.cost.requested as number;
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(app, ORGANIZATIONS, { key })));
    const fit = Math.floor((50 - cost) / cost);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(fit);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(20 - fit);
    const used = answers.filter((a) => a.status === 200).map((a) => a.body.extensions?.rateLimit.used);
    // Each accepted charge saw a different total: none was lost or counted twice.
    expect(new Set(used).size).toBe(fit);
    expect(Math.max(...used)).toBe(cost * (fit + 1));
  });

  it("writes one rate-limit statement per request on PostgreSQL (none on the embedded database: in process)", async () => {
    let statements = 0;
    const counting: Database = {
      ...t.db,
      exec: {
        script: t.db.exec.script,
        query: (sql, params) => {
          statements += 1;
          return t.db.exec.query(sql, params);
        },
      },
    };
    const app = appWith({ RATE_LIMIT_POINTS: "100" }, new Clock(), counting);
    const key = await newKey();
    for (const query of [RATE_LIMIT, ORGANIZATIONS, RATE_LIMIT]) {
      statements = 0;
      expect((await post(app, query, { key })).status).toBe(200);
      expect(statements, query).toBe(onPostgres ? 1 : 0);
    }
  });
});

describe("RateLimit headers on every GraphQL response", () => {
  it("a request refused before it ran (parse, validation, variables) is charged nothing and still gets its key's figures", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "40" });
    const key = await newKey();
    const cost = (await post(app, ORGANIZATIONS, { key })).body.extensions?.cost.requested as number;
    // [document, body, SQL statements]: refused before authentication, nothing is looked up; bad variables are found
    // after it (as graphql-js coerces them at execution).
    const refusals: [string, Parameters<typeof post>[2], number][] = [
      ["{ viewer {", {}, 0],
      ["{ nope }", {}, 0],
      ["", { body: "{not json" }, 0],
      ["query($n: Int) { viewer { organizations(first: $n) { nodes { name } } } }", { variables: { n: "ten" } }, 1],
    ];
    for (const [query, opts, sql] of refusals) {
      const answer = await post(app, query, { key, ...opts });
      expect(answer.status, query).toBe(400);
      expect(answer.body.errors?.[0].extensions?.code, query).toBeTruthy();
      expect(answer.sql, query).toBe(sql);
      expect(headersOf(answer), query).toEqual({ limit: 40, remaining: 40 - cost, reset: 3600, policy: "40;w=3600" });
    }
    expect((await post(app, RATE_LIMIT, { key })).body.data.rateLimit).toMatchObject({ used: cost + 1 });
  });

  it("a key this process has not charged gets no figures before authentication (it is not looked up for them)", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "40", AUTH_FAILURE_LIMIT: "2" });
    const address = newAddress();
    for (const key of [await newKey(), BAD_KEY]) {
      const answer = await post(app, "{ nope }", { key, address });
      expect(answer.status).toBe(400);
      expect(answer.sql).toBe(0);
      expect(headersOf(answer)).toEqual({ limit: null, remaining: null, reset: null, policy: null });
    }
    // The bad key was not counted as a failed authentication: it was never tried.
    expect(headersOf(await post(app, RATE_LIMIT, { key: BAD_KEY, address }))).toMatchObject({ limit: 2, remaining: 1 });
  });

  it("keyless requests (introspection) are charged to the client address: one budget per address", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "2" });
    const [here, there] = [newAddress(), newAddress()];
    for (const remaining of [1, 0]) {
      const answer = await post(app, "{ __schema { queryType { name } } }", { key: null, address: here });
      expect(answer.status).toBe(200);
      expect(answer.body.extensions?.rateLimit).toMatchObject({ cost: 1, remaining });
      expect(headersOf(answer)).toMatchObject({ limit: 2, remaining });
    }
    const over = await post(app, "{ __typename }", { key: null, address: here });
    expect(over.status).toBe(429);
    expect(over.body.errors![0].extensions?.code).toBe("RATE_LIMITED");
    expect(over.body.errors![0].message).toMatch(/this address's/);
    // A keyless request that is not introspection is refused (401) before any charge, with the address's figures.
    const refused = await post(app, "{ viewer { user { email } } }", { key: null, address: here });
    expect(refused.status).toBe(401);
    expect(headersOf(refused)).toMatchObject({ limit: 2, remaining: 0 });
    // Another address has a budget of its own, and so has a key from the spent address.
    expect((await post(app, "{ __typename }", { key: null, address: there })).status).toBe(200);
    expect((await post(app, RATE_LIMIT, { key: await newKey(), address: here })).status).toBe(200);
  });

  it("lets a cross-origin page read them", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "10" });
    const answer = await post(app, RATE_LIMIT, { key: await newKey(), headers: { origin: "https://app.example.com" } });
    const exposed = answer.headers.get("access-control-expose-headers")?.toLowerCase() ?? "";
    for (const name of ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after", "x-request-id"])
      expect(exposed).toContain(name);
  });

  it("are not sent, nor anything charged, with RATE_LIMIT=off (Query.rateLimit is null)", async () => {
    const app = appWith({ RATE_LIMIT: "off", RATE_LIMIT_POINTS: "1", AUTH_FAILURE_LIMIT: "1" });
    const key = await newKey();
    for (let i = 0; i < 3; i += 1) {
      const answer = await post(app, RATE_LIMIT, { key });
      expect(answer.status).toBe(200);
      expect(answer.body.data.rateLimit).toBeNull();
      expect(answer.body.extensions).not.toHaveProperty("rateLimit");
      expect(headersOf(answer)).toEqual({ limit: null, remaining: null, reset: null, policy: null });
    }
    for (let i = 0; i < 3; i += 1) expect((await post(app, RATE_LIMIT, { key: "phx_nope", address: newAddress() })).status).toBe(401);
  });
});

describe("failed authentication", () => {
  it("is counted per client address; past the limit the address is answered 429 without its key being looked up, until the window ends", async () => {
    const clock = new Clock();
    const app = appWith({ AUTH_FAILURE_LIMIT: "3", AUTH_FAILURE_WINDOW_SECONDS: "300" }, clock);
    const key = await newKey();
    const [guesser, other] = [newAddress(), newAddress()];
    // Unknown and malformed keys both count; each 401 shows what the address has left.
    const attempts = [BAD_KEY, "phx_short", BAD_KEY];
    for (const [i, attempt] of attempts.entries()) {
      const answer = await post(app, RATE_LIMIT, { key: attempt, address: guesser });
      expect(answer.status).toBe(401);
      expect(answer.body.errors![0].extensions?.code).toBe("UNAUTHENTICATED");
      expect(headersOf(answer)).toEqual({ limit: 3, remaining: 2 - i, reset: 300, policy: "3;w=300" });
    }
    clock.advance(100_000);
    // Even the right key: refused without a statement (no lookup).
    const blocked = await post(app, RATE_LIMIT, { key, address: guesser });
    expect(blocked.status).toBe(429);
    expect(blocked.body.errors).toEqual([
      {
        message: "Too many failed authentications from this address: retry after 200 seconds (at 2031-03-01T12:05:00.000Z).",
        extensions: { code: "RATE_LIMITED" },
      },
    ]);
    expect(blocked.headers.get("retry-after")).toBe("200");
    expect(headersOf(blocked)).toMatchObject({ limit: 3, remaining: 0, reset: 200 });
    expect(blocked.sql).toBe(0);
    // Without a key the address may still read the docs (introspection), and another address is not held.
    expect((await post(app, "{ __typename }", { key: null, address: guesser })).status).toBe(200);
    expect((await post(app, RATE_LIMIT, { key, address: other })).status).toBe(200);

    clock.advance(200_000);
    const again = await post(app, RATE_LIMIT, { key, address: guesser });
    expect(again.status).toBe(200);
    expect(again.sql).toBe(1);
  });

  it.runIf(onPostgres)(
    "is counted across processes on one PostgreSQL: another process refuses the address at its first failure",
    async () => {
      const address = newAddress();
      const env = { AUTH_FAILURE_LIMIT: "2" };
      const [one, two] = [appWith(env), appWith(env)];
      for (let i = 0; i < 2; i += 1) expect((await post(one, RATE_LIMIT, { key: BAD_KEY, address })).status).toBe(401);
      // `two` has seen no failure itself: it looks this key up once, finds the count over the limit, and refuses.
      expect((await post(two, RATE_LIMIT, { key: BAD_KEY, address })).status).toBe(429);
      const known = await post(two, RATE_LIMIT, { key: await newKey(), address });
      expect(known.status).toBe(429);
      expect(known.sql).toBe(0);
    },
  );
});

describe("WebSocket operations", () => {
  const servers: { server: Server; sockets: ReturnType<typeof attachWebSockets> }[] = [];
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const { server, sockets } of servers) {
      await sockets.close(500);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function serve(app: App): Promise<string> {
    const server = createServer((req, res) => void app.yoga(req, res));
    servers.push({ server, sockets: attachWebSockets(server, app) });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }

  async function run(c: Client, query: string): Promise<{ results: any[]; refused?: any[] }> {
    const results: any[] = [];
    try {
      for await (const result of c.iterate({ query })) results.push(result);
      return { results };
    } catch (error) {
      if (Array.isArray(error)) return { results, refused: error };
      throw error;
    }
  }

  it("are charged to the key's budget, report the figures in extensions, and are refused with RATE_LIMITED when over", async () => {
    const app = appWith({ RATE_LIMIT_POINTS: "3" });
    const key = await newKey();
    const url = await serve(app);
    const c = createClient({
      url,
      connectionParams: { Authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
      webSocketImpl: WebSocket,
    });
    clients.push(c);
    const first = await run(c, RATE_LIMIT);
    expect(first.results).toHaveLength(1);
    expect(first.results[0].data.rateLimit).toMatchObject({ limit: 3, cost: 1, used: 1, remaining: 2 });
    expect(first.results[0].extensions.rateLimit).toEqual(first.results[0].data.rateLimit);
    // The same budget over HTTP.
    expect((await post(app, RATE_LIMIT, { key })).body.data.rateLimit).toMatchObject({ used: 2, remaining: 1 });
    expect((await run(c, RATE_LIMIT)).results[0].data.rateLimit).toMatchObject({ used: 3, remaining: 0 });

    const query = await run(c, RATE_LIMIT);
    expect(query.refused).toHaveLength(1);
    expect(query.refused![0].extensions).toMatchObject({ code: "RATE_LIMITED", rateLimit: { cost: 1, remaining: 0 } });
    expect(query.refused![0].extensions).not.toHaveProperty("http");
    // A subscription is charged when it starts, and refused alike.
    const subscription = await run(c, `subscription { activityCreated(projectId: "1") { id } }`);
    expect(subscription.refused?.[0].extensions?.code).toBe("RATE_LIMITED");
  });
});

describe("addresses and stores", () => {
  it("names IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64", () => {
    expect(normalizeAddress("203.0.113.7")).toBe("203.0.113.7");
    expect(normalizeAddress("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(normalizeAddress("2001:db8:85a3:8d3:1319:8a2e:370:7348")).toBe("2001:db8:85a3:8d3::/64");
    expect(normalizeAddress("2001:DB8::1")).toBe("2001:db8:0:0::/64");
    expect(normalizeAddress("2001:db8:85a3:8d3::1")).toBe(normalizeAddress("2001:db8:85a3:8d3:ffff::2"));
    expect(normalizeAddress("::1")).toBe("0:0:0:0::/64");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("forgets ended windows when swept", async () => {
    const store = storeFor(t.db);
    expect(store).toBeInstanceOf(onPostgres ? PostgresStore : MemoryStore);
    const now = new Date("2031-06-01T00:00:00.000Z");
    const bucket = `test:${newAddress()}`;
    const held = async () =>
      store instanceof MemoryStore
        ? store.size
        : Number((await t.db.exec.query(`SELECT count(*) AS n FROM "RateLimitWindow" WHERE bucket = $1`, [bucket]))[0].n);
    expect(await store.charge(bucket, 2, 5, 1000, now)).toEqual({ used: 2, resetAt: new Date(now.getTime() + 1000), accepted: true });
    expect(await store.charge(bucket, 4, 5, 1000, now)).toMatchObject({ used: 2, accepted: false });
    expect(await store.charge(bucket, 3, 5, 1000, now)).toMatchObject({ used: 5, accepted: true });
    await store.sweep(new Date(now.getTime() + 999));
    expect(await held()).toBe(1);
    await store.sweep(new Date(now.getTime() + 1000));
    expect(await held()).toBe(0);
  });

  it("leaves tests a budget out of reach unless they set one", () => {
    const config = loadConfig({ NODE_ENV: "test" });
    expect(config.RATE_LIMIT_POINTS).toBe(TEST_RATE_LIMITS);
    expect(config.AUTH_FAILURE_LIMIT).toBe(TEST_RATE_LIMITS);
    expect(loadConfig({ NODE_ENV: "development" })).toMatchObject({
      RATE_LIMIT: "on",
      RATE_LIMIT_POINTS: 5000,
      RATE_LIMIT_WINDOW_SECONDS: 3600,
      AUTH_FAILURE_LIMIT: 10,
      AUTH_FAILURE_WINDOW_SECONDS: 900,
    });
    expect(() => loadConfig({ NODE_ENV: "production", RATE_LIMIT_POINTS: "0" })).toThrow(/RATE_LIMIT_POINTS/);
  });
});
