// The yoga instance: the schema and the plugins of src/http/ (request id,
// input bounds, key, error codes, faults, GraphiQL, health), limits,
// persisted operations and compiled execution, in the order they must run.
// Tests call `app.yoga.fetch(...)`; server.ts serves it, and its WebSockets
// (src/http/websocket.ts) run through it too.
//
// What the mode changes (src/config.ts): GraphiQL (GRAPHIQL), keyless
// introspection (INTROSPECTION) and the origins allowed cross-origin
// (CORS_ORIGINS) are on in development and off under NODE_ENV=production
// unless named.
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { isInterfaceType, type GraphQLSchema } from "graphql";
import { getSchema } from "./schema/index.js";
import { setNodeTypes } from "./domain/ids.js";
import { createContext, type Context } from "./context.js";
import { limitPlugins } from "./limits.js";
import { persistedOperationsPlugin } from "./persisted.js";
import { executionPlugins } from "./execution.js";
import { graphiql, graphiqlAssetsPlugin } from "./http/graphiql.js";
import { principalFor, requireKeyPlugin } from "./http/auth.js";
import { errorCodesPlugin } from "./http/error-codes.js";
import { nodesLimitPlugin } from "./http/nodes-limit.js";
import { healthPlugin } from "./http/health.js";
import { faultHandling, type FaultLog } from "./http/faults.js";
import { requestIdPlugin } from "./http/request-id.js";
import { corsPolicy } from "./http/cors.js";
import { inputBoundsPlugin } from "./http/input-bounds.js";
import { setJsonSettingLimits } from "./domain/settings/validation.js";
import type { Database } from "./db/client.js";
import type { Config } from "./config.js";
import { activityFeedFor, type ActivityFeed } from "./domain/activity/live.js";

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  db: Database;
  config: Config;
  /**
   * Masks a fault as the app does (a code, nothing of the fault) and has it logged once (transports outside yoga's HTTP handler:
   * src/http/websocket.ts).
   */
  maskError(error: unknown): Error;
  /** Live activity (Subscription.activityCreated): listens from the first subscriber on; close it at shutdown, before the database. */
  live: ActivityFeed;
}

export const DEFAULT_GRAPHIQL_QUERY = `# Paste your API key after "Bearer " in the Headers tab below, then run.
query MyProjects {
  viewer {
    user { email }
    organizations(first: 10) {
      nodes {
        name
        membershipLevel
      }
    }
  }
}
`;

/** Tells the global-id decoder which typenames name objects, so any other typename is answered NOT_FOUND. */
function registerNodeTypes(schema: GraphQLSchema): void {
  const node = schema.getType("Node");
  if (node && isInterfaceType(node)) setNodeTypes(schema.getPossibleTypes(node).map((t) => t.name));
}

/** Seconds a client is told to wait (Retry-After) when the database cannot be reached: about a restart's length. */
export const RETRY_AFTER_SECONDS = 5;

export interface AppOptions {
  /** Where each fault's one-line log goes (default: stderr; nowhere under NODE_ENV=test unless DEBUG_ERRORS is set). */
  faultLog?: FaultLog;
}

export function createApp(db: Database, config: Config, options: AppOptions = {}): App {
  const schema = getSchema();
  registerNodeTypes(schema);
  // The input schemas of settings are module-level: they read the limits from there.
  setJsonSettingLimits({ maxBytes: config.MAX_JSON_SETTING_BYTES, maxDepth: config.MAX_JSON_SETTING_DEPTH });
  const quiet = config.NODE_ENV === "test" && !config.DEBUG_ERRORS;
  const graphiqlOn = config.GRAPHIQL === "true";
  const faults = faultHandling({
    log: options.faultLog ?? (quiet ? null : (line) => console.error(line)),
    withStack: config.DEBUG_ERRORS,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // yoga's own log, without its copy of every masked fault (the faults plugin logs each once, in one line).
    logging: faults.yogaLogger(quiet ? "silent" : "info"),
    // A body over the limit is answered 413 (Content-Length checked before reading, a streamed body as it is read).
    maxRequestBodySize: config.MAX_REQUEST_BYTES,
    context: async ({ request }) => createContext(db, config, await principalFor(request, db)),
    // Off (production unless GRAPHIQL=true): a browser asking /graphql for HTML gets 406, like any unacceptable Accept.
    graphiql: graphiqlOn && {
      title: "PostHog projects GraphQL API",
      defaultQuery: DEFAULT_GRAPHIQL_QUERY,
      headers: JSON.stringify({ Authorization: "Bearer " }, null, 2),
      shouldPersistHeaders: false,
    },
    // Serves GraphiQL's scripts and styles from this server (graphiqlAssetsPlugin): no CDN, works offline.
    renderGraphiQL: async (opts) => (await graphiql()).page(opts ?? {}),
    // A fault answers a code and a fixed message, nothing of itself (no stack, no SQL).
    maskedErrors: { maskError: (error) => faults.maskError(error) },
    // Only the allowed origins, never credentialed (keys travel in the Authorization header, not cookies).
    cors: corsPolicy(config.CORS_ORIGINS),
    plugins: [
      requestIdPlugin(),
      healthPlugin(db, { retryAfterSeconds: RETRY_AFTER_SECONDS }),
      ...(graphiqlOn ? [graphiqlAssetsPlugin()] : []),
      // Before anything walks the document or the variables (the persisted-operations plugin included).
      inputBoundsPlugin({ maxNesting: config.MAX_INPUT_NESTING, maxRequestBytes: config.MAX_REQUEST_BYTES }),
      // Before anything that reads the document: swaps a hash for its document.
      persistedOperationsPlugin({ mode: config.PERSISTED_OPERATIONS, manifestPath: config.PERSISTED_OPERATIONS_MANIFEST }),
      ...limitPlugins({
        maxDepth: config.MAX_QUERY_DEPTH,
        maxAliases: config.MAX_ALIASES,
        maxDirectives: config.MAX_DIRECTIVES,
        maxTokens: config.MAX_TOKENS,
        maxCost: config.MAX_QUERY_COST,
      }),
      errorCodesPlugin(),
      faults.plugin,
      ...executionPlugins(),
      requireKeyPlugin({ keylessIntrospection: config.INTROSPECTION === "public" }),
      nodesLimitPlugin(),
    ],
  });
  return { yoga, db, config, maskError: (error) => faults.maskError(error), live: activityFeedFor(db) };
}
