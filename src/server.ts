// Starts the HTTP server: opens (and on the embedded database, migrates and
// seeds) the database, serves the app, and shuts down gracefully: on SIGTERM or
// SIGINT it stops accepting, finishes the requests in flight, closes the
// database and exits 0 (a signal during start-up exits 0 as soon as it can).
import { createServer, type Server } from "node:http";
import { waitForCohortCalculations } from "./domain/cohorts/calculation.js";
import { loadConfig } from "./config.js";
import { openConfiguredDatabase, type Database } from "./db/client.js";
import { createApp } from "./app.js";
import { isEmpty, issueDemoKey, seedDemo } from "./db/seed.js";
import type { ActivityFeed } from "./domain/activity/live.js";

/** How long in-flight requests get to finish after a signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

let stopping = false;
let db: Database | undefined;
let server: Server | undefined;
let live: ActivityFeed | undefined;

async function exit(code: number): Promise<never> {
  try {
    await live?.close();
    await db?.close();
  } catch (error) {
    console.error(`Closing the database failed: ${(error as Error).message}`);
    code = code || 1;
  }
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
  if (server?.listening) await drain(signal);
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

async function start() {
  const config = loadConfig();
  db = await openConfiguredDatabase(config);
  if (stopping) return exit(0);

  if (db.kind === "pglite" && config.SEED_DEMO === "true" && (await isEmpty(db.prisma))) {
    await seedDemo(db.prisma);
  }
  const demoKey = db.kind === "pglite" && config.SEED_DEMO === "true" ? await issueDemoKey(db.prisma) : null;
  if (stopping) return exit(0);

  const app = createApp(db, config);
  live = app.live;
  const http = createServer(app.yoga);
  server = http;
  http.keepAliveTimeout = 5_000;
  http.on("error", (error: NodeJS.ErrnoException) => {
    console.error(`Cannot listen on ${config.HOST}:${config.PORT}: ${error.code ?? ""} ${error.message}`.trim());
    void exit(1);
  });

  http.listen(config.PORT, config.HOST, () => {
    const address = http.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    const base = `http://localhost:${port}`;
    console.log(`GraphQL API on ${base}/graphql (${db!.kind === "pglite" ? `embedded database in ${config.DATA_DIR}` : "PostgreSQL"})`);
    if (demoKey) {
      console.log(`
Demo API key (all scopes; a new one is issued at every start): ${demoKey}

Try it:
  curl -s ${base}/graphql -H 'content-type: application/json' \\
    -H 'Authorization: Bearer ${demoKey}' \\
    -d '{"query":"{ viewer { organizations(first: 10) { nodes { name } } } }"}'

GraphiQL: open ${base}/graphql and set the header
  {"Authorization": "Bearer ${demoKey}"}
`);
    }
    // A signal that came while listen() was pending.
    if (stopping) void drain("Signal during start-up");
  });
}

start().catch((error: unknown) => {
  // A start-up failure (bad configuration, unreachable database, ...): the message, not a stack.
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DEBUG_ERRORS) console.error(error);
  void exit(1);
});
