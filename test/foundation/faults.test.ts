// Faults (errors nobody raised on purpose) are answered as faults: without
// data, 500 INTERNAL_SERVER_ERROR, or 503 SERVICE_UNAVAILABLE with Retry-After
// when the database cannot be reached, under both Accept headers; with partial
// data, 200. The client gets a code and nothing of the fault; the log gets one
// line per fault carrying the request id the response header carries. On the
// `postgres` project, a real PostgreSQL server is stopped and started again:
// the API answers 503 meanwhile, /readyz says why, and it recovers by itself.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.js";
import { setupTestApp, fixtures, authenticationFailingWith, pagesFailingWith as failingPages, postTo } from "../helpers/app.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";
import { createApp, RETRY_AFTER_SECONDS, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openDatabase, type Database } from "../../src/db/client.js";
import { applyMigrations } from "../../src/db/migrate.js";
import { isDatabaseUnreachable, isUniqueViolation } from "../../src/db/errors.js";
import { MembershipLevel } from "../../src/auth/levels.js";

const t = await setupTestApp();
const testConfig = (env: Record<string, string> = {}) => loadConfig({ ...process.env, NODE_ENV: "test", DEBUG_ERRORS: "", ...env });

const ACCEPTS = ["application/json", "application/graphql-response+json"];
const VIEWER = `query Viewer { viewer { user { email } } }`;

interface Body {
  data?: unknown;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
}

/** A captured fault log: its lines, parsed. */
function capture() {
  const lines: string[] = [];
  return { log: (line: string) => void lines.push(line), lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function post(app: App, query: string, headers: Record<string, string> = {}, key: string | null = t.ownerKey) {
  const res = await postTo(app, { query }, key, headers);
  return { res, body: (await res.json()) as Body };
}

/** No stack, no SQL, no internals: a code and a fixed message. */
function expectClean(body: Body) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|stack|originalError/);
  expect(text).not.toMatch(/\b(SELECT|INSERT|UPDATE)\b|prisma|ECONNREFUSED|boom/i);
}

/** The test database with its authentication query (the first of every request) failing with `error`. */
const authFailingWith = (error: Error): Database => authenticationFailingWith(t.db, error);

/** The test database with its paged reads (db.sql: connections) failing, every time with the same `error`. */
const pagesFailingWith = (error: Error): Database => failingPages(t.db, error);

const connectionRefused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
    code: "ECONNREFUSED",
    errno: -111,
    syscall: "connect",
    address: "127.0.0.1",
    port: 5432,
  });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a fault without data", () => {
  it("answers 500 INTERNAL_SERVER_ERROR under both Accept headers, with the request id and nothing of the fault", async () => {
    const log = capture();
    const app = createApp(authFailingWith(new TypeError("boom: cannot read properties of undefined")), testConfig(), { faultLog: log.log });
    for (const accept of ACCEPTS) {
      const { res, body } = await post(app, VIEWER, { accept });
      expect(res.status, accept).toBe(500);
      expect(body.data).toBeUndefined();
      expect(body.errors).toEqual([
        { message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR", requestId: res.headers.get("x-request-id") } },
      ]);
      expect(res.headers.get("retry-after")).toBeNull();
      expectClean(body);
    }
    expect(log.lines).toHaveLength(2);
  });

  it("answers 503 SERVICE_UNAVAILABLE with Retry-After when the database cannot be reached", async () => {
    const app = createApp(authFailingWith(connectionRefused()), testConfig(), { faultLog: () => {} });
    for (const accept of ACCEPTS) {
      const { res, body } = await post(app, VIEWER, { accept });
      expect(res.status, accept).toBe(503);
      expect(res.headers.get("retry-after")).toBe(String(RETRY_AFTER_SECONDS));
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/database is unavailable.*retry/i),
        extensions: { code: "SERVICE_UNAVAILABLE" },
      });
      expectClean(body);
    }
  });

  it("answers a stack overflow as a fault, not as anything else", async () => {
    const app = createApp(authFailingWith(new RangeError("Maximum call stack size exceeded")), testConfig(), { faultLog: () => {} });
    const { res, body } = await post(app, VIEWER);
    expect(res.status).toBe(500);
    expect(body.errors?.[0].extensions?.code).toBe("INTERNAL_SERVER_ERROR");
  });
});

describe("a fault with partial data", () => {
  // currentOrganization is nullable: its failing `projects` page nulls it, and the rest of the data stands.
  const PARTIAL = `query Partial { viewer { user { email } } currentOrganization { name projects(first: 1) { totalCount } } }`;

  it("keeps 200 and the data, with the fault's code at its path", async () => {
    for (const [error, code] of [
      [new Error("boom"), "INTERNAL_SERVER_ERROR"],
      [connectionRefused(), "SERVICE_UNAVAILABLE"],
    ] as const) {
      const app = createApp(pagesFailingWith(error), testConfig(), { faultLog: () => {} });
      for (const accept of ACCEPTS) {
        const { res, body } = await post(app, PARTIAL, { accept });
        expect(res.status, `${code} ${accept}`).toBe(200);
        expect(body.data).toEqual({ viewer: { user: { email: expect.any(String) } }, currentOrganization: null });
        expect(body.errors).toHaveLength(1);
        expect(body.errors![0]).toMatchObject({ path: ["currentOrganization", "projects"], extensions: { code } });
        expect(res.headers.get("retry-after")).toBeNull();
        expectClean(body);
      }
    }
  });
});

describe("the log", () => {
  it("has one line per fault with the response's request id, the operation, the code and the error, and no stack", async () => {
    const log = capture();
    const consoleError = vi.spyOn(console, "error");
    const app = createApp(pagesFailingWith(new Error("boom in a page")), testConfig(), { faultLog: log.log });
    const { res } = await post(
      app,
      `query TwoPages { currentOrganization { a: projects(first: 1) { totalCount } } viewer { user { email } } }`,
    );
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).not.toContain("\n");
    const [line] = log.parsed();
    expect(line).toMatchObject({
      level: "error",
      msg: "fault",
      requestId: res.headers.get("x-request-id"),
      operation: "TwoPages",
      code: "INTERNAL_SERVER_ERROR",
      error: "Error",
      message: "boom in a page",
      path: "currentOrganization.a",
    });
    expect(line.stack).toBeUndefined();
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("has one line for a fault that failed several fields (one batch, one line)", async () => {
    const log = capture();
    const sameError = new Error("one failure, two fields");
    const app = createApp(pagesFailingWith(sameError), testConfig(), { faultLog: log.log });
    const { body } = await post(
      app,
      `{ a: currentOrganization { projects(first: 1) { totalCount } } b: currentOrganization { projects(first: 2) { totalCount } } }`,
    );
    expect(body.errors).toHaveLength(2);
    expect(log.lines).toHaveLength(1);
    expect(log.parsed()[0].operation).toBeNull();
  });

  /** The app's log lines (what pino writes to stdout outside tests). */
  const appLog = () => {
    const lines: string[] = [];
    return { lines, destination: { write: (line: string) => void lines.push(line) } };
  };
  const faultLines = (lines: string[]) => lines.filter((l) => JSON.parse(l).msg === "fault");

  it("logs once per fault, in one line of the app's log, outside tests (yoga's own copy left out)", async () => {
    const log = appLog();
    const app = createApp(authFailingWith(new Error("boom at authentication")), testConfig({ NODE_ENV: "production" }), {
      logDestination: log.destination,
    });
    const { res } = await post(app, VIEWER, { "x-request-id": "client-id-123" });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-request-id")).toBe("client-id-123");
    const faults = faultLines(log.lines);
    expect(faults).toHaveLength(1);
    expect(faults[0].trimEnd()).not.toContain("\n");
    expect(JSON.parse(faults[0])).toMatchObject({
      level: "error",
      requestId: "client-id-123",
      operation: "Viewer",
      code: "INTERNAL_SERVER_ERROR",
      message: "boom at authentication",
    });
    expect(faults[0]).not.toContain("stack");
    // Every other line (the access line) names the fault's code at most, never its message.
    for (const line of log.lines.filter((l) => !faults.includes(l))) expect(line).not.toContain("boom");
  });

  it("adds the stack, still in one line, with DEBUG_ERRORS", async () => {
    const log = appLog();
    const app = createApp(authFailingWith(new Error("boom with a stack")), testConfig({ DEBUG_ERRORS: "1" }), {
      logDestination: log.destination,
    });
    await post(app, VIEWER);
    const faults = faultLines(log.lines);
    expect(faults).toHaveLength(1);
    expect(faults[0].trimEnd()).not.toContain("\n");
    expect(JSON.parse(faults[0]).stack).toMatch(/boom with a stack\n\s+at /);
  });

  it("is quiet under NODE_ENV=test without DEBUG_ERRORS", async () => {
    const spies = (["error", "warn", "log", "info", "debug"] as const).map((m) => vi.spyOn(console, m));
    const app = createApp(authFailingWith(new Error("boom, quietly")), testConfig());
    expect((await post(app, VIEWER)).res.status).toBe(500);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});

describe("the request id", () => {
  it("is on every response: data, refusals, unknown paths, health", async () => {
    const responses = [
      (await post(t.app, VIEWER)).res,
      (await post(t.app, "{ viewer {")).res,
      (await post(t.app, VIEWER, {}, null)).res,
      await t.app.yoga.fetch("http://localhost/nope"),
      await t.app.yoga.fetch("http://localhost/healthz"),
      await t.app.yoga.fetch("http://localhost/readyz"),
    ];
    const ids = responses.map((r) => r.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps a sane incoming id and replaces any other", async () => {
    expect((await post(t.app, VIEWER, { "x-request-id": "edge-7f3a:42" })).res.headers.get("x-request-id")).toBe("edge-7f3a:42");
    for (const insane of ["has spaces", "x".repeat(200), '"quoted"', "new\\nline", "-leading-dash"]) {
      const id = (await post(t.app, VIEWER, { "x-request-id": insane })).res.headers.get("x-request-id");
      expect(id, insane).not.toBe(insane);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("is readable by browsers (CORS exposes it, and Retry-After)", async () => {
    const res = await t.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { origin: "https://app.example", "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-request-id");
  });
});

describe("recognising an unreachable database", () => {
  it("knows what Prisma 6.19, its pg adapter and pg throw when the server is down, and nothing else", () => {
    const p1001 = Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), {
      name: "PrismaClientKnownRequestError",
      code: "P1001",
      meta: {
        driverAdapterError: Object.assign(new Error("DatabaseNotReachable"), {
          name: "DriverAdapterError",
          cause: { kind: "DatabaseNotReachable" },
        }),
      },
    });
    const inFlight = Object.assign(new Error("terminating connection due to administrator command"), {
      name: "DriverAdapterError",
      cause: { originalCode: "57P01", kind: "postgres", code: "57P01" },
    });
    const p2010 = Object.assign(new Error("Raw query failed. Code: `57P01`."), { code: "P2010", meta: { driverAdapterError: inFlight } });
    const pgShutdown = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
      severity: "FATAL",
    });
    const starting = Object.assign(new Error("the database system is starting up"), { code: "57P03" });
    const connectionException = Object.assign(new Error("connection failure"), { code: "08006" });
    const unreachable = [
      connectionRefused(),
      Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
      p1001,
      Object.assign(new Error("Server has closed the connection."), { code: "P1017" }),
      inFlight,
      p2010,
      pgShutdown,
      starting,
      connectionException,
      new Error("Connection terminated unexpectedly"),
      new Error("Client has encountered a connection error and is not queryable"),
      Object.assign(new Error("wrapped"), { originalError: connectionRefused() }),
    ];
    for (const error of unreachable) expect(isDatabaseUnreachable(error), error.message).toBe(true);
    const notUnreachable = [
      new Error("boom"),
      new RangeError("Maximum call stack size exceeded"),
      Object.assign(new Error("Unique constraint failed"), { code: "P2002" }),
      Object.assign(new Error("duplicate key"), { code: "23505" }),
      Object.assign(new Error("syntax error"), { name: "DriverAdapterError", cause: { kind: "postgres", code: "42601" } }),
      null,
      "a string",
    ];
    for (const error of notUnreachable) expect(isDatabaseUnreachable(error), String(error)).toBe(false);
    // isUniqueViolation is untouched.
    expect(isUniqueViolation(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(true);
    expect(isUniqueViolation(connectionRefused())).toBe(false);
  });
});

describe.runIf(process.env.TEST_DB === "postgres")("a PostgreSQL server that stops and starts again", () => {
  let server: PostgresServer;
  let db: Database;
  let app: App;
  let key: string;
  const log = capture();

  beforeAll(async () => {
    server = await startPostgresServer("faults");
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query("CREATE DATABASE app");
    await admin.end();
    db = await openDatabase({ kind: "postgres", url: server.url("app"), poolSize: 3 });
    await applyMigrations(db.exec);
    const fx = fixtures(db);
    const owner = await fx.user();
    await fx.organization(undefined, [{ userId: owner.id, level: MembershipLevel.OWNER }]);
    key = await fx.key(owner.id);
    app = createApp(db, testConfig(), { faultLog: log.log });
  });
  afterAll(async () => {
    await db?.close().catch(() => {});
    await server?.stop();
  });

  const readyz = async () => {
    const res = await app.yoga.fetch("http://localhost/readyz");
    return {
      status: res.status,
      retryAfter: res.headers.get("retry-after"),
      body: (await res.json()) as { status: string; reason?: string },
    };
  };

  it("answers, 503 with Retry-After while it is stopped (and /readyz says why), and answers again once it is back", async () => {
    expect((await post(app, VIEWER, {}, key)).res.status).toBe(200);
    expect(await readyz()).toMatchObject({ status: 200, body: { status: "ok" } });

    // Every connection of the pool idle when the server stops: each is closed by the server, which the pool
    // reports as an error event (unhandled, it would end the process, and vitest would report it).
    await Promise.all([1, 2, 3].map(() => db.sql(Prisma.sql`SELECT pg_sleep(0.05)`)));
    await server.halt();
    await new Promise((resolve) => setTimeout(resolve, 300));
    log.lines.length = 0;
    for (const accept of ACCEPTS) {
      for (let i = 0; i < 3; i += 1) {
        const { res, body } = await post(app, VIEWER, { accept }, key);
        expect(res.status, accept).toBe(503);
        expect(res.headers.get("retry-after")).toBe(String(RETRY_AFTER_SECONDS));
        expect(body.data).toBeUndefined();
        expect(body.errors?.[0].extensions?.code).toBe("SERVICE_UNAVAILABLE");
        expectClean(body);
      }
    }
    // One line per failed request, each saying what the driver said.
    const lines = log.parsed();
    expect(lines).toHaveLength(6);
    for (const line of lines)
      expect(line).toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        operation: "Viewer",
        message: expect.stringMatching(/reach database server|ECONNREFUSED/),
      });
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.retryAfter).toBe(String(RETRY_AFTER_SECONDS));
    expect(ready.body).toEqual({
      status: "unavailable",
      reason: expect.stringMatching(/^database unreachable: connect ECONNREFUSED 127\.0\.0\.1:\d+$/),
    });

    await server.start();
    const { res, body } = await post(app, VIEWER, {}, key);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(await readyz()).toMatchObject({ status: 200, body: { status: "ok" } });
  });
});
