// Starts the HTTP server: opens (and on the embedded database, migrates and
// seeds) the database, serves the app, and shuts down gracefully.
import { createServer } from "node:http";
import { loadConfig } from "./config.js";
import { openConfiguredDatabase } from "./db/client.js";
import { createApp } from "./app.js";
import { isEmpty, issueDemoKey, seedDemo } from "./db/seed.js";

const config = loadConfig();
const db = await openConfiguredDatabase(config);

if (db.kind === "pglite" && config.SEED_DEMO === "true" && (await isEmpty(db.prisma))) {
  await seedDemo(db.prisma);
}
const demoKey = db.kind === "pglite" && config.SEED_DEMO === "true" ? await issueDemoKey(db.prisma) : null;

const { yoga } = createApp(db, config);
const server = createServer(yoga);
server.keepAliveTimeout = 5_000;

server.listen(config.PORT, config.HOST, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const base = `http://localhost:${port}`;
  console.log(`GraphQL API on ${base}/graphql (${db.kind === "pglite" ? `embedded database in ${config.DATA_DIR}` : "PostgreSQL"})`);
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
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing in-flight requests, then closing.`);
  // Stop accepting; close idle keep-alive sockets; wait for requests in flight.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(force);
  await db.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
