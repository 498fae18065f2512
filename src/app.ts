// The yoga instance: schema, authentication, error codes, GraphiQL and the
// health endpoints. Tests call `app.yoga.fetch(...)`; server.ts serves it.
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { getSchema } from "./schema/index.js";
import { createContext, type Context } from "./context.js";
import { authenticateKey, type Principal } from "./auth/principal.js";
import { ErrorCode, unauthenticated } from "./errors.js";
import type { Database } from "./db/client.js";
import type { Config } from "./config.js";

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  db: Database;
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

/** Reads `Authorization: Bearer <key>`; no header → null (introspection only); anything else bad → 401. */
async function principalFor(request: Request, db: Database): Promise<Principal | null> {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated("The Authorization header must be `Bearer <personal API key>`.");
  const result = await authenticateKey(db.prisma, match[1]);
  if (!result.ok) throw unauthenticated(result.reason);
  return result.principal;
}

function onlyIntrospection(document: DocumentNode, operationName?: string | null): boolean {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!op || op.operation !== "query") return false;
  return op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith("__"));
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/** Gives every error a client can receive an `extensions.code`, graphql-js's own included. */
function errorCodesPlugin(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error && result.name === "GraphQLError") {
          replaceParseResult(withCode(result as GraphQLError, ErrorCode.GRAPHQL_PARSE_FAILED));
        }
      };
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) setResult(result.map((e) => withCode(e, ErrorCode.GRAPHQL_VALIDATION_FAILED)));
      };
    },
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const r of results) {
        const errors = (r as { errors?: GraphQLError[] }).errors;
        if (!Array.isArray(errors)) continue;
        for (const error of errors) {
          if (!(error instanceof Error && error.name === "GraphQLError") || error.extensions?.code) continue;
          const status = (error.extensions?.http as { status?: number } | undefined)?.status;
          const code = /^Variable "\$/.test(error.message)
            ? ErrorCode.BAD_USER_INPUT
            : status && status < 500
              ? ErrorCode.BAD_REQUEST
              : ErrorCode.INTERNAL_SERVER_ERROR;
          // graphql-js errors keep a plain, writable extensions object.
          (error.extensions as Record<string, unknown>).code = code;
        }
      }
    },
  };
}

/** Refuses every operation but introspection when the request carries no key (GraphiQL's docs load before you paste one). */
function requireKeyPlugin(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (args.contextValue.principal) return;
      if (onlyIntrospection(args.document, args.operationName)) return;
      setResultAndStopExecution({ errors: [unauthenticated()] });
    },
  };
}

/** `/healthz`: the process answers. `/readyz`: the database answers too. */
function healthPlugin(db: Database): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === "/healthz") {
        endResponse(new fetchAPI.Response(JSON.stringify({ status: "ok" }), { headers: { "content-type": "application/json" } }));
      } else if (url.pathname === "/readyz") {
        const ready = await db.ping();
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: ready ? "ok" : "unavailable" }), {
            status: ready ? 200 : 503,
            headers: { "content-type": "application/json" },
          }),
        );
      }
    },
  };
}

export function createApp(db: Database, config: Config): App {
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: getSchema(),
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
    // Serves GraphiQL's scripts and styles from this server: no CDN, works offline.
    renderGraphiQL,
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
    plugins: [healthPlugin(db), errorCodesPlugin(), requireKeyPlugin()],
  });
  return { yoga, db };
}
