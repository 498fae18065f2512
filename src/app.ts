// The yoga instance: schema, authentication, error codes, GraphiQL and the
// health endpoints. Tests call `app.yoga.fetch(...)`; server.ts serves it.
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  isInterfaceType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { getSchema } from "./schema/index.js";
import { setNodeTypes } from "./schema/global-id.js";
import { MAX_PAGE_SIZE } from "./schema/connections.js";
import { createContext, type Context } from "./context.js";
import { authenticateKey, type Principal } from "./auth/principal.js";
import { isLimitError, limitPlugins } from "./limits.js";
import { persistedOperationsPlugin } from "./persisted.js";
import { graphiql, graphiqlAssetsPlugin } from "./http/graphiql.js";
import { executionPlugins } from "./execution.js";
import { ErrorCode, apiError, unauthenticated } from "./errors.js";
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

/** Reads `Authorization: Bearer <key>`; no header → null (introspection only); anything else bad → 401. */
async function principalFor(request: Request, db: Database): Promise<Principal | null> {
  const header = request.headers.get("authorization");
  // No header, or GraphiQL's prefilled `Bearer ` with no key yet: no principal (introspection only).
  if (header === null || /^\s*Bearer\s*$/i.test(header)) return null;
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

function withCode(error: GraphQLError, code: string, httpStatus?: number): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

/** Codes of requests refused before execution: answered 400 whatever the Accept header (see README). */
const REQUEST_ERROR_CODES = new Set<string>([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_REQUEST,
  ErrorCode.QUERY_TOO_COMPLEX,
]);

/**
 * Gives every error a client can receive an `extensions.code`, graphql-js's own included;
 * answers request-level failures (parse, validation, malformed request, bad variables)
 * with HTTP 400 also for `accept: application/json` (yoga would answer 200 there); and
 * sends nothing of an error's internals (`originalError`).
 */
function errorCodesPlugin(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error && result.name === "GraphQLError") {
          replaceParseResult(withCode(result as GraphQLError, isLimitError(result.message) ? ErrorCode.QUERY_TOO_COMPLEX : ErrorCode.GRAPHQL_PARSE_FAILED, 400));
        }
      };
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) {
          setResult(result.map((e) => withCode(e, isLimitError(e.message) ? ErrorCode.QUERY_TOO_COMPLEX : ErrorCode.GRAPHQL_VALIDATION_FAILED, 400)));
        }
      };
    },
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const r of results) {
        const errors = (r as { errors?: GraphQLError[] }).errors;
        if (!Array.isArray(errors)) continue;
        const executed = "data" in (r as object);
        for (const error of errors) {
          if (!(error instanceof Error && error.name === "GraphQLError")) continue;
          // graphql-js errors keep a plain, writable extensions object.
          const extensions = error.extensions as Record<string, unknown>;
          const http = extensions.http as { status?: number; spec?: boolean } | undefined;
          const variableError = !executed && /^Variable "\$/.test(error.message);
          if (!extensions.code) {
            extensions.code = variableError
              ? ErrorCode.BAD_USER_INPUT
              : http?.status && http.status < 500
                ? ErrorCode.BAD_REQUEST
                : ErrorCode.INTERNAL_SERVER_ERROR;
          }
          if (!executed && (variableError || REQUEST_ERROR_CODES.has(String(extensions.code)))) {
            extensions.http = { ...http, status: http?.status && http.status >= 400 ? http.status : 400, spec: false };
          }
          delete extensions.originalError;
        }
      }
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      // yoga answers some refusals (unknown path, unsupported content type, unacceptable
      // Accept) with an empty body; give them an error with a code like every other.
      if (response.status < 400 || response.body !== null || request.method === "HEAD") return;
      const message =
        response.status === 404
          ? "Not found: the API is served at /graphql."
          : response.status === 415
            ? "Unsupported content type: send `content-type: application/json`."
            : response.status === 406
              ? "Not acceptable: accept `application/json` or `application/graphql-response+json`."
              : response.statusText || "Bad request.";
      const headers = new fetchAPI.Headers(response.headers);
      headers.set("content-type", "application/json; charset=utf-8");
      headers.delete("content-length");
      setResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: ErrorCode.BAD_REQUEST } }] }), {
          status: response.status,
          headers,
        }),
      );
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

/** The root fields named `name` an operation selects (through fragments too). */
function rootFieldsNamed(document: DocumentNode, selectionSet: SelectionSetNode, name: string, seen = new Set<string>()): FieldNode[] {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const found: FieldNode[] = [];
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === name) found.push(s);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet);
      } else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return found;
}

export const MAX_NODES_IDS = MAX_PAGE_SIZE;

/** Refuses `nodes(ids:)` with more than 100 ids (whether given inline or in a variable) before anything runs. */
function nodesLimitPlugin(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const field = args.schema.getQueryType()?.getFields().nodes;
      if (!operation || operation.operation !== "query" || !field) return;
      const selections = rootFieldsNamed(args.document, operation.selectionSet, "nodes");
      if (!selections.length) return;
      const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (variables.errors) return; // execution reports them
      for (const selection of selections) {
        let ids: unknown;
        try {
          ids = getArgumentValues(field, selection, variables.coerced).ids;
        } catch {
          continue; // execution reports it
        }
        if (Array.isArray(ids) && ids.length > MAX_NODES_IDS) {
          const error = apiError(
            ErrorCode.BAD_USER_INPUT,
            `\`nodes\` takes at most ${MAX_NODES_IDS} ids; got ${ids.length}.`,
            { argument: "ids" },
            400,
          );
          setResultAndStopExecution({ errors: [error] });
          return;
        }
      }
    },
  };
}

/** Tells the global-id decoder which typenames name objects, so any other typename is answered NOT_FOUND. */
function registerNodeTypes(schema: GraphQLSchema): void {
  const node = schema.getType("Node");
  if (node && isInterfaceType(node)) setNodeTypes(schema.getPossibleTypes(node).map((t) => t.name));
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
