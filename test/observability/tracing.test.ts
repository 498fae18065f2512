// OpenTelemetry traces. With OTEL_EXPORTER_OTLP_ENDPOINT, the server process
// (the bundle `npm start` runs) exports, by OTLP over HTTP to a receiver in this
// test, a span for the request (a child of the caller's `traceparent`), spans
// for the resolvers that read the database (not for plain columns nor a
// connection's plumbing) and a span per SQL statement, each under the span it
// ran in; the last spans are exported when it shuts down. Without the
// endpoint nothing of tracing is installed.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/build.js";
import { builder } from "../../src/schema/builder.js";
import { tracingConfigured } from "../../src/observability/tracing.js";
import { setupTestApp } from "../helpers/app.js";
import { STARTUP_MS, waitFor, type Running } from "../helpers/processes.js";

const t = await setupTestApp();

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}
/** OTLP's SpanKind numbers. */
const SERVER = 2;
const CLIENT = 3;

/** An OTLP/HTTP receiver (JSON, as @opentelemetry/exporter-trace-otlp-http sends): every span it got, with its resource's service name. */
function otlpReceiver() {
  const spans: (OtlpSpan & { service?: string })[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const payload = JSON.parse(body.toString()) as {
        resourceSpans: { resource?: { attributes?: OtlpSpan["attributes"] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const r of payload.resourceSpans) {
        const service = r.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue as string | undefined;
        for (const s of r.scopeSpans) for (const span of s.spans) spans.push({ ...span, service });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return { server, spans };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value ? (value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.arrayValue)) : undefined;
};

const dataRoot = resolve(".data");
mkdirSync(dataRoot, { recursive: true });
const dir = mkdtempSync(join(dataRoot, "tracing-test-"));
const BUNDLE = join(dir, "server.mjs");
const receiver = otlpReceiver();

afterAll(async () => {
  await new Promise<void>((r) => receiver.server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** The server bundle with `env` over this process's environment (DATABASE_URL only when given). */
function startServer(env: Record<string, string>): Running {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "development", HOST: "127.0.0.1", PORT: "0", ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, [BUNDLE], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe("with OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  let server: Running;
  let base: string;
  let key: string;
  const traceId = randomBytes(16).toString("hex");
  const callerSpanId = randomBytes(8).toString("hex");
  let requestId: string;
  let spans: OtlpSpan[];

  beforeAll(async () => {
    await bundle("src/server.ts", BUNDLE);
    await new Promise<void>((r) => receiver.server.listen(0, "127.0.0.1", r));
    const { port } = receiver.server.address() as AddressInfo;
    const database: Record<string, string> =
      t.db.kind === "postgres" ? { DATABASE_URL: t.db.url! } : { DATA_DIR: join(dir, "pglite"), SEED_DEMO: "true" };
    server = startServer({
      ...database,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: "traced-api",
      // Nothing is exported on a timer during the test: what arrives was flushed by the shutdown.
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    const started = await waitFor(
      "the server",
      () => {
        const listening = /GraphQL API on http:\/\/localhost:(\d+)\/graphql/.exec(server.stdout())?.[1];
        const demoKey = /Demo API key[^\n]*: (phx_\S+)/.exec(server.stdout())?.[1];
        if (!listening || (t.db.kind === "pglite" && !demoKey)) return null;
        return { port: listening, key: demoKey ?? t.ownerKey };
      },
      server,
    );
    base = `http://127.0.0.1:${started.port}`;
    key = started.key;

    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({ query: "query Traced { viewer { user { email } organizations(first: 5) { nodes { name } } } }" }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).errors).toBeUndefined();
    requestId = res.headers.get("x-request-id")!;
    expect(receiver.spans).toEqual([]);

    // SIGTERM: the server drains, closes the database and flushes its spans before it exits.
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    spans = receiver.spans.filter((s) => s.traceId === traceId);
  }, STARTUP_MS + 30_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGKILL");
      await server.exited;
    }
  });

  const requestSpan = () => spans.find((s) => s.kind === SERVER)!;
  const resolverSpan = (path: string) => spans.find((s) => s.name === "graphql.resolve" && attribute(s, "graphql.field.path") === path);

  it("exports a span for the request, a child of the caller's traceparent, named after the operation", () => {
    const request = requestSpan();
    expect(request).toMatchObject({ name: "query Traced", parentSpanId: callerSpanId, service: "traced-api" });
    expect(attribute(request, "graphql.operation.name")).toBe("Traced");
    expect(attribute(request, "graphql.operation.type")).toBe("query");
    expect(attribute(request, "http.response.status_code")).toBe(200);
    expect(attribute(request, "app.request_id")).toBe(requestId);
  });

  it("exports spans for the resolvers that read, under their parent field's span, and none for plain columns", () => {
    const request = requestSpan();
    const viewer = resolverSpan("viewer");
    const organizations = resolverSpan("viewer.organizations");
    expect(viewer?.parentSpanId).toBe(request.spanId);
    expect(organizations?.parentSpanId).toBe(viewer!.spanId);
    const paths = spans.filter((s) => s.name === "graphql.resolve").map((s) => attribute(s, "graphql.field.path") as string);
    // Plain columns (email, name) and a connection's plumbing (nodes) read nothing: no span.
    expect(paths.filter((p) => /\.(email|name|nodes)$/.test(p))).toEqual([]);
  });

  it("exports a span per SQL statement, under the request (authentication) or the resolver that sent it", () => {
    const sql = spans.filter((s) => s.kind === CLIENT);
    expect(sql.length).toBeGreaterThanOrEqual(2);
    for (const s of sql) {
      expect(attribute(s, "db.system.name")).toBe("postgresql");
      expect(attribute(s, "db.query.text")).toEqual(expect.any(String));
    }
    const parents = new Set(sql.map((s) => s.parentSpanId));
    expect(parents.has(requestSpan().spanId)).toBe(true);
    expect(parents.has(resolverSpan("viewer.organizations")!.spanId)).toBe(true);
    // Parameterized: the key is not in any statement.
    expect(JSON.stringify(sql)).not.toContain(key);
  });

  it("logs the request as one JSON line on stdout, with the same request id", () => {
    const lines = server
      .stdout()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.msg === "request" && l.requestId === requestId);
    expect(line).toMatchObject({ level: "info", operation: "Traced", operationType: "query", status: 200, errors: [] });
    expect(line!.sql).toBe(spans.filter((s) => s.kind === CLIENT).length);
    // (The demo key is printed at start, on purpose; no log line carries it.)
    expect(JSON.stringify(lines)).not.toContain(key.slice(4));
  });
});

describe("without OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("installs no tracing at all: no Pothos plugin, no request span, no statement observer", () => {
    expect(process.env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(tracingConfigured()).toBe(false);
    expect(builder.options.plugins).not.toContain("tracing");
    expect(builder.options.tracing).toBeUndefined();
    expect(t.app.observability.tracing).toBe(false);
    // (Metrics are off here too: nothing watches the statements.)
    expect(t.db.counter.observer).toBeNull();
  });
});
