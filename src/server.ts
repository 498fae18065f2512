// Starts the HTTP server. It binds the port first, so a second `npm start`
// that finds the port taken exits 1 having opened nothing, and answers 503
// (retry) until the app is ready; then it opens the database (the embedded one
// locked to this process, migrated and seeded) and serves the app. It shuts
// down gracefully: on SIGTERM or SIGINT it stops accepting, finishes the
// requests in flight, closes the database and exits 0 (a signal during start-up
// exits 0 as soon as the step in progress is done).
//
// GraphQL over WebSocket (src/http/websocket.ts) is served on the same port:
// upgrades are refused with 503 while starting, like requests, and at
// shutdown, right after the subscriptions are completed, the sockets are
// closed with 1001 ("going away") so their clients reconnect elsewhere.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { waitForCohortCalculations } from "./domain/cohorts/calculation.js";
import { demoKeyWanted, loadConfig, redactSecrets, type Config } from "./config.js";
import { openConfiguredDatabase, type Database } from "./db/client.js";
import { createApp } from "./app.js";
import { applyServerLimits } from "./http/node-server.js";
import { ErrorCode } from "./errors.js";
import { demoKeyFor, isEmpty, seedDemo, type DemoKey } from "./db/seed.js";
import { refuseUpgrade, webSocketTransport, type WebSocketTransport } from "./http/websocket.js";
import { startTracing, tracingConfigured, type Tracing } from "./observability/tracing.js";
import type { ActivityFeed } from "./domain/activity/live.js";
import { IdleCollector, lowMemoryCollection, withIdleCollection } from "./http/idle-collection.js";

/** How long in-flight requests get to finish after a signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

let stopping = false;
/** Serving the app (until then requests are answered by answerStarting). */
let ready = false;
let db: Database | undefined;
let server: Server | undefined;
let live: ActivityFeed | undefined;
let websockets: WebSocketTransport | undefined;
/** The tracer provider, when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
let tracing: Tracing | null = null;

async function exit(code: number): Promise<never> {
  try {
    await live?.close();
    await db?.close();
  } catch (error) {
    console.error(`Closing the database failed: ${(error as Error).message}`);
    code = code || 1;
  }
  // The last spans are exported before the process ends (a collector that does not answer delays the exit, not fails it).
  await tracing?.shutdown().catch((error: unknown) => console.error(`Exporting the last traces failed: ${(error as Error).message}`));
  process.exit(code);
}

async function shutdown(signal: string) {
  if (stopping) {
    // A second signal: stop waiting for slow requests.
    server?.closeAllConnections();
    return;
  }
  stopping = true;
  // Still starting: start() notices `stopping` at its next step and exits.
  if (ready) await drain(signal);
}

/** Stops accepting, lets the requests in flight finish, then closes the database and exits 0. */
async function drain(reason: string) {
  const listening = server!;
  console.log(`${reason}: finishing in-flight requests, then closing.`);
  const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
  // Close idle keep-alive connections now, and each one as its last request finishes.
  listening.closeIdleConnections();
  // Subscriptions never finish by themselves: complete their event streams so their requests end.
  await live?.close();
  // WebSockets outlive their operations: close them too (1001; one that does not answer is cut after a grace).
  await websockets?.close();
  const idle = setInterval(() => listening.closeIdleConnections(), 50);
  const force = setTimeout(() => listening.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await closed;
  clearInterval(idle);
  clearTimeout(force);
  // Let background cohort calculations finish, so none is left marked as calculating.
  await waitForCohortCalculations();
  await exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

/**
 * The answer while the database opens: /healthz 200 (the process answers),
 * /readyz 503, anything else 503 with a GraphQL error to retry shortly.
 */
function answerStarting(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
    return;
  }
  const body =
    path === "/readyz"
      ? { status: "unavailable" }
      : { errors: [{ message: "The server is starting: retry in a moment.", extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] };
  // `connection: close`: the request body is not read, so the connection cannot carry another request.
  res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1", connection: "close" });
  res.end(JSON.stringify(body));
}

/** An upgrade (WebSocket) while the database opens: 503, retry in a moment. */
function refuseUpgradeStarting(_req: IncomingMessage, socket: Duplex): void {
  refuseUpgrade(socket, 503, ErrorCode.SERVICE_UNAVAILABLE, "The server is starting: retry in a moment.", { "retry-after": "1" });
}

/** Binds the port; rejects with a one-line reason (the port is taken, no permission, ...). */
function listen(http: Server, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `port ${config.PORT} on ${config.HOST} is already in use (another server?): stop that process, or set PORT to a free port.`
            : `cannot listen on ${config.HOST}:${config.PORT}: ${error.code ?? ""} ${error.message}`.replace(/ +/g, " "),
        ),
      );
    http.once("error", failed);
    http.listen(config.PORT, config.HOST, () => {
      http.off("error", failed);
      resolve();
    });
  });
}

async function start() {
  const config = loadConfig();
  // Requests go to answerStarting until the app is ready, then to the app.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = answerStarting;
  let handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void = refuseUpgradeStarting;
  // Memory a burst used is given back once the server is quiet (src/http/idle-collection.ts); 0 turns it off.
  const idle = config.IDLE_COLLECT_MS > 0 ? new IdleCollector(config.IDLE_COLLECT_MS, lowMemoryCollection()) : null;
  const http = createServer(withIdleCollection((req, res) => handle(req, res), idle));
  http.on("upgrade", (req, socket, head) => handleUpgrade(req, socket, head));
  server = http;
  // Slow senders are dropped within seconds (before listen(): Node reads the check interval then).
  applyServerLimits(http, config);
  // The port first: a second server that finds it taken exits before it opens, migrates or writes anything.
  await listen(http, config);
  http.on("error", (error: NodeJS.ErrnoException) => {
    console.error(`HTTP server failed: ${error.code ?? ""} ${error.message}`.replace(/ +/g, " "));
    void exit(1);
  });
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const base = `http://localhost:${port}`;
  if (stopping) return exit(0);

  // The embedded database is locked to this process first: another that has it open fails this at once.
  db = await openConfiguredDatabase(config, { role: "server", url: `${base}/graphql` });
  if (stopping) return exit(0);

  if (db.kind === "pglite" && config.SEED_DEMO === "true" && (await isEmpty(db.prisma))) {
    await seedDemo(db.prisma);
  }
  // Never under NODE_ENV=production: a key with every scope, printed, is a development convenience.
  const demo = db.kind === "pglite" && demoKeyWanted(config) ? await demoKeyFor(db.prisma, config.DATA_DIR) : null;
  if (stopping) return exit(0);

  // Before the app exists: its spans (and its resolvers', wrapped when the schema was built) go to this provider.
  tracing = await startTracing();
  const app = createApp(db, config);
  live = app.live;
  websockets = webSocketTransport(app);
  handle = (req, res) => void app.yoga(req, res);
  handleUpgrade = websockets.handleUpgrade;
  ready = true;

  console.log(`GraphQL API on ${base}/graphql (${db.kind === "pglite" ? `embedded database in ${config.DATA_DIR}` : "PostgreSQL"})`);
  if (config.NODE_ENV === "production") console.log(productionSummary(config));
  if (demo) console.log(demoKeyHelp(demo, base, config));
}

/** What production mode leaves on and off, so an operator sees it at start (no secret in it). */
function productionSummary(config: Config): string {
  const origins = config.CORS_ORIGINS === "*" ? "any origin" : config.CORS_ORIGINS.length ? config.CORS_ORIGINS.join(", ") : "none";
  return [
    "Production mode:",
    `GraphiQL ${config.GRAPHIQL === "true" ? "on" : "off"} (GRAPHIQL),`,
    `introspection ${config.INTROSPECTION === "public" ? "public" : "with a key only"} (INTROSPECTION),`,
    `cross-origin access: ${origins} (CORS_ORIGINS).`,
    `Metrics ${config.METRICS === "on" ? "at /metrics, with METRICS_TOKEN" : "off"} (METRICS);`,
    `traces ${tracingConfigured() ? "exported by OTLP" : "off"} (OTEL_EXPORTER_OTLP_ENDPOINT).`,
  ].join(" ");
}

/** The demo key and how to use it (development only). */
function demoKeyHelp(demo: DemoKey, base: string, config: Config): string {
  const kept = demo.reused ? `the same as last start, kept in ${demo.file}` : `kept in ${demo.file} for the next starts`;
  const graphiql =
    config.GRAPHIQL === "true"
      ? `
GraphiQL: open ${base}/graphql and set the header
  {"Authorization": "Bearer ${demo.key}"}
`
      : "";
  return `
Demo API key (all scopes; ${kept}): ${demo.key}

Try it:
  curl -s ${base}/graphql -H 'content-type: application/json' \\
    -H 'Authorization: Bearer ${demo.key}' \\
    -d '{"query":"{ viewer { organizations(first: 10) { nodes { name } } } }"}'
${graphiql}`;
}

start().catch((error: unknown) => {
  // A start-up failure (bad configuration, unreachable database, ...): the message, not a stack.
  // Redacted: a connection error can quote DATABASE_URL, password included.
  console.error(redactSecrets(`Cannot start: ${error instanceof Error ? error.message : String(error)}`));
  if (process.env.DEBUG_ERRORS) console.error(error);
  void exit(1);
});
