// The yoga instance: the schema and the plugins of src/http/ (request id,
// input bounds, key, error codes, faults, GraphiQL, health), limits,
// persisted operations and compiled execution, in the order they must run,
// between the observability plugins (src/observability/: access lines,
// metrics, request spans), first and last.
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
import { faultHandling } from "./http/faults.js";
import { requestIdPlugin } from "./http/request-id.js";
import { corsPolicy } from "./http/cors.js";
import { inputBoundsPlugin } from "./http/input-bounds.js";
import { setJsonSettingLimits } from "./domain/settings/validation.js";
import type { Database } from "./db/client.js";
import type { Config } from "./config.js";
import { activityFeedFor, type ActivityFeed } from "./domain/activity/live.js";
import { createObservability, type Observability } from "./observability/index.js";
import type { DestinationStream } from "./observability/logger.js";
import { createCaches, type Caches } from "./cache/index.js";
import { createRateLimits } from "./rate-limits/plugin.js";

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
  /** Logs, metrics and traces (src/observability/); WebSocket operations are observed through `observeOperation`. */
  observability: Observability;
  /** The caches distinct documents fill, each bounded (src/cache/; README "Memory"). */
  caches: Caches;
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
  /** Where each fault's log line (one line of JSON) goes instead of the app's log (tests). */
  faultLog?: (line: string) => void;
  /** Where the app's log lines go instead of stdout (tests read them; then they are written from LOG_LEVEL or info, even under test). */
  logDestination?: DestinationStream;
  /** The clock of rate-limit windows (tests move it to end a window). */
  now?: () => Date;
}

export function createApp(db: Database, config: Config, options: AppOptions = {}): App {
  const schema = getSchema();
  registerNodeTypes(schema);
  // The input schemas of settings are module-level: they read the limits from there.
  setJsonSettingLimits({ maxBytes: config.MAX_JSON_SETTING_BYTES, maxDepth: config.MAX_JSON_SETTING_DEPTH });
  const graphiqlOn = config.GRAPHIQL === "true";
  const observability = createObservability(config, db, {
    logDestination: options.logDestination,
    faultLines: options.faultLog,
    graphqlEndpoint: "/graphql",
  });
  const faultLogger = observability.faultLogger;
  const faults = faultHandling({
    log: faultLogger.isLevelEnabled("error") ? (fields) => faultLogger.error(fields, "fault") : null,
    withStack: config.DEBUG_ERRORS,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
  // Cost budgets per key and failed authentications per address (README "Rate limits"); RATE_LIMIT=off: neither.
  const rateLimits =
    config.RATE_LIMIT === "on"
      ? createRateLimits({
          db,
          principalFor: (request) => principalFor(request, db),
          endpoint: "/graphql",
          requests: { limit: config.RATE_LIMIT_POINTS, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS },
          costPerPoint: config.RATE_LIMIT_COST_PER_POINT,
          authFailures: { limit: config.AUTH_FAILURE_LIMIT, windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS },
          now: options.now,
        })
      : null;
  const caches = createCaches(config);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // yoga's own log, without its copy of every masked fault (the faults plugin logs each once, in one line).
    logging: faults.yogaLogger(observability.yogaLogger),
    // A body over the limit is answered 413 (Content-Length checked before reading, a streamed body as it is read).
    maxRequestBodySize: config.MAX_REQUEST_BYTES,
    // Parsed documents and parse errors, bounded in count and bytes (the validation results hang on the parsed documents).
    parserAndValidationCache: { documentCache: caches.parsedDocuments, errorCache: caches.parseErrors },
    // The key, behind the failed-authentication limit when rate limits are on.
    context: async (initial) =>
      createContext(db, config, await (rateLimits ? rateLimits.authenticate(initial) : principalFor(initial.request, db))),
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
      // First: each request's start (its duration, statement count and span cover everything after); GET /metrics.
      ...observability.first,
      requestIdPlugin(),
      healthPlugin(db, { retryAfterSeconds: RETRY_AFTER_SECONDS }),
      ...(graphiqlOn ? [graphiqlAssetsPlugin()] : []),
      // Before anything walks the document or the variables (the persisted-operations plugin included).
      inputBoundsPlugin({ maxNesting: config.MAX_INPUT_NESTING, maxRequestBytes: config.MAX_REQUEST_BYTES }),
      // Before anything that reads the document: swaps a hash for its document.
      persistedOperationsPlugin({
        mode: config.PERSISTED_OPERATIONS,
        manifestPath: config.PERSISTED_OPERATIONS_MANIFEST,
        apqCache: caches.persistedQueries,
      }),
      ...limitPlugins({
        maxDepth: config.MAX_QUERY_DEPTH,
        maxAliases: config.MAX_ALIASES,
        maxDirectives: config.MAX_DIRECTIVES,
        maxTokens: config.MAX_TOKENS,
        maxCost: config.MAX_QUERY_COST,
      }),
      errorCodesPlugin(),
      faults.plugin,
      // Incremental delivery (@defer/@stream) or whole; compiled queries. Its incremental payloads' faults are masked as above.
      ...executionPlugins({ maskError: (error) => faults.maskError(error), compiledQueries: caches.compiledQueries }),
      requireKeyPlugin({ keylessIntrospection: config.INTROSPECTION === "public" }),
      nodesLimitPlugin(),
      // Last: a request that any plugin above refuses is charged nothing.
      ...(rateLimits ? [rateLimits.plugin] : []),
      // After every plugin that sets codes or refuses: each request's outcome (access line, metrics, end of its span).
      ...observability.last,
    ],
  });
  return { yoga, db, config, maskError: (error) => faults.maskError(error), live: activityFeedFor(db), caches, observability };
}
