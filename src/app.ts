// The yoga instance: the schema and the plugins of src/http/ (key, error
// codes, GraphiQL, health), limits, persisted operations and compiled
// execution, in the order they must run. Tests call `app.yoga.fetch(...)`;
// server.ts serves it.
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { GraphQLError, isInterfaceType, type GraphQLSchema } from "graphql";
import { getSchema } from "./schema/index.js";
import { setNodeTypes } from "./schema/global-id.js";
import { createContext, type Context } from "./context.js";
import { limitPlugins } from "./limits.js";
import { persistedOperationsPlugin } from "./persisted.js";
import { executionPlugins } from "./execution.js";
import { graphiql, graphiqlAssetsPlugin } from "./http/graphiql.js";
import { principalFor, requireKeyPlugin } from "./http/auth.js";
import { errorCodesPlugin } from "./http/error-codes.js";
import { nodesLimitPlugin } from "./http/nodes-limit.js";
import { healthPlugin } from "./http/health.js";
import { ErrorCode } from "./errors.js";
import type { Database } from "./db/client.js";
import type { Config } from "./config.js";
import { activityFeedFor, type ActivityFeed } from "./domain/activity/live.js";

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  db: Database;
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

export function createApp(db: Database, config: Config): App {
  const schema = getSchema();
  registerNodeTypes(schema);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: config.NODE_ENV === "test" ? false : "info",
    context: async ({ request }) => createContext(db, config, await principalFor(request, db)),
    graphiql: {
      title: "PostHog projects GraphQL API",
      defaultQuery: DEFAULT_GRAPHIQL_QUERY,
      headers: JSON.stringify({ Authorization: "Bearer " }, null, 2),
      shouldPersistHeaders: false,
    },
    // Serves GraphiQL's scripts and styles from this server (graphiqlAssetsPlugin): no CDN, works offline.
    renderGraphiQL: async (opts) => (await graphiql()).page(opts ?? {}),
    maskedErrors: {
      maskError(error) {
        // Errors raised on purpose are GraphQLErrors (checked by name: graphql ships both an
        // ESM and a CJS build, so `instanceof` can see two classes); anything else is a fault.
        const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === "GraphQLError";
        if (isGraphQLError(error) && (!error.originalError || isGraphQLError(error.originalError))) return error;
        // A fault: log it whole here, send nothing of it (no stack, no SQL).
        if (config.NODE_ENV !== "test" || process.env.DEBUG_ERRORS) console.error(error);
        const gqlError = isGraphQLError(error) ? error : undefined;
        return new GraphQLError("Unexpected error.", {
          nodes: gqlError?.nodes,
          path: gqlError?.path,
          extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
        });
      },
    },
    // Keys travel in the Authorization header, never in cookies: no credentialed CORS.
    cors: { credentials: false },
    plugins: [
      healthPlugin(db),
      graphiqlAssetsPlugin(),
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
      ...executionPlugins(),
      requireKeyPlugin(),
      nodesLimitPlugin(),
    ],
  });
  return { yoga, db, live: activityFeedFor(db) };
}
