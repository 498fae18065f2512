// GraphQL over WebSocket, beside server-sent events, on the same path
// (/graphql): the graphql-transport-ws protocol of `graphql-ws`, which Apollo
// Client's GraphQLWsLink and graphql-ws's own client speak, served by
// `graphql-ws` on a `ws` server as yoga's docs show.
//
// One difference from the docs' recipe, on purpose: each Subscribe message is
// run by `yoga.getResultForParams`, yoga's own step for "the parameters of one
// request", not by `yoga.getEnveloped` alone. So a WebSocket operation passes
// exactly what an HTTP one passes: the params hooks (the nesting bound before
// parsing, trusted documents under PERSISTED_OPERATIONS=only, automatic
// persisted queries), parse, validate and the limits, the context (the key,
// authenticated by src/http/auth.ts), execute or subscribe, then the result
// hooks (error codes, faults logged once with a request id). The docs'
// recipe skips the params hooks: a socket would bypass trusted documents.
// Subscriptions resolve through the same field, so through the same fan-out.
//
// Authentication: the key travels in connection_init's payload
// (connectionParams), as `{ "Authorization": "Bearer phx_..." }` (any case),
// `{ "headers": { "Authorization": ... } }`, or Apollo's documented
// `{ "authToken": "phx_..." }`; a client that can set headers on the upgrade
// (not a browser) may send the Authorization header there instead. Each
// operation is authenticated as an HTTP request is, so a missing or bad key
// answers that operation's `error` message with UNAUTHENTICATED (a refusal
// before execution — parse, validation, a limit, the key — is an `error`
// message with its code, as HTTP answers it with a 4xx).
//
// What HTTP's per-request hooks do, done here per connection and operation:
// the upgrade's Origin is held to CORS_ORIGINS (src/http/cors.ts) before the
// socket opens; the upgrade's answer (101, or the 403/404 refusal) carries an
// `x-request-id`, the connection's (the client's own when plain, as on HTTP);
// each operation runs as a request of its own whose id is that id and the
// operation's number on the connection (`<id>:3`), in its faults'
// `extensions.requestId` and its log lines.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  GraphQLError,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
} from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import { WebSocketServer } from "ws";
import { useServer } from "graphql-ws/use/ws";
import type { App } from "../app.js";
import { getSchema } from "../schema/index.js";
import { ErrorCode } from "../errors.js";
import { upgradeOriginAllowed } from "./cors.js";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id.js";

type OperationResult = ExecutionResult | AsyncIterable<ExecutionResult>;
type ResultProcessHook = NonNullable<Plugin["onResultProcess"]>;

/** How long closing sockets get to answer the closing handshake (ws itself would wait 30 s). */
const CLOSE_GRACE_MS = 5_000;

/** Upgrade headers that describe the WebSocket itself, not the caller: not copied to an operation's request. */
const SOCKET_HEADERS =
  /^(connection|upgrade|sec-websocket-.*|content-length|content-type|accept|authorization|cookie|transfer-encoding|keep-alive)$/i;

/**
 * graphql-ws picks `execute` or `subscribe` from the document's operation
 * type before calling them; here yoga has already run the operation, and
 * both hand its result back (rootValue), so this document only satisfies
 * that pick. It is never executed.
 */
const RUN_BY_YOGA = parse("subscription RunByYoga { __typename }");
const passResultThrough = (args: ExecutionArgs) => args.rootValue as OperationResult;

/** The Authorization value the connection carries: connectionParams first, else the upgrade's own header. */
export function authorizationOf(connectionParams: unknown, upgrade: IncomingMessage): string | null {
  if (connectionParams !== null && typeof connectionParams === "object") {
    const params = connectionParams as Record<string, unknown>;
    const headers = params.headers !== null && typeof params.headers === "object" ? (params.headers as Record<string, unknown>) : {};
    const named = (object: Record<string, unknown>) => Object.keys(object).find((k) => k.toLowerCase() === "authorization");
    const top = named(params);
    const nested = named(headers);
    const value = top !== undefined ? params[top] : nested !== undefined ? headers[nested] : undefined;
    // A value that is not a string is a malformed header: refused as one (UNAUTHENTICATED).
    if (value !== undefined) return typeof value === "string" ? value : "";
    // Apollo's docs name it authToken, a bare key.
    if (typeof params.authToken === "string")
      return /^\s*bearer\b/i.test(params.authToken) ? params.authToken : `Bearer ${params.authToken}`;
  }
  return upgrade.headers.authorization ?? null;
}

/**
 * Each connection's request id, as HTTP picks one (the upgrade's own `x-request-id` when plain, else a new UUID;
 * sent back on the upgrade's response), and how many operations it has run. Operation n of a connection runs as
 * request `<connection id>:<n>`: its faults' `extensions.requestId` and its log lines name both.
 */
const connections = new WeakMap<IncomingMessage, { id: string; operations: number }>();

function connectionOf(upgrade: IncomingMessage): { id: string; operations: number } {
  let connection = connections.get(upgrade);
  if (!connection) {
    const incoming = upgrade.headers[REQUEST_ID_HEADER];
    // request-id.ts's rule, applied to the upgrade's header.
    const probe = new Request("http://localhost/", { headers: typeof incoming === "string" ? { [REQUEST_ID_HEADER]: incoming } : {} });
    connection = { id: requestIdOf(probe), operations: 0 };
    connections.set(upgrade, connection);
  }
  return connection;
}

/** The next operation's request id on this connection (at most 128 characters, as request-id.ts keeps them). */
function nextOperationId(upgrade: IncomingMessage): string {
  const connection = connectionOf(upgrade);
  connection.operations += 1;
  const suffix = `:${connection.operations}`;
  return `${connection.id.slice(0, 128 - suffix.length)}${suffix}`;
}

/** The request an operation runs as: POST /graphql with the caller's headers (address, user agent), its own request id, and the key. */
function operationRequest(app: App, upgrade: IncomingMessage, authorization: string | null): Request {
  const headers = new app.yoga.fetchAPI.Headers({ "content-type": "application/json", accept: "application/graphql-response+json" });
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (value === undefined || SOCKET_HEADERS.test(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  headers.set(REQUEST_ID_HEADER, nextOperationId(upgrade));
  if (authorization !== null) headers.set("authorization", authorization);
  const url = new URL(app.yoga.graphqlEndpoint, `http://${upgrade.headers.host ?? "localhost"}`);
  return new app.yoga.fetchAPI.Request(url, { method: "POST", headers });
}

/**
 * Every plugin of the app's yoga, its own included, in its order. (yoga keeps
 * them in `plugins`, which its typings mark protected; HTTP runs their
 * onResultProcess hooks in yoga's `handle`, which a WebSocket does not reach.)
 */
function yogaPlugins(app: App): (Plugin | undefined)[] {
  const plugins = (app.yoga as unknown as { plugins?: (Plugin | undefined)[] }).plugins;
  if (!Array.isArray(plugins)) throw new Error("graphql-yoga no longer exposes its plugins: src/http/websocket.ts needs updating.");
  return plugins;
}

/** yoga's result hooks (error codes, faults), as yoga runs them on an HTTP result; the HTTP result processors they pick are not used. */
async function processResult(app: App, request: Request, result: OperationResult, serverContext: object): Promise<OperationResult> {
  const hooks = yogaPlugins(app).flatMap((p) => (p?.onResultProcess ? [p.onResultProcess] : []));
  let processed = result;
  for (const hook of hooks as ResultProcessHook[]) {
    await hook({
      request,
      result: processed as never,
      setResult: (next) => {
        processed = next as OperationResult;
      },
      resultProcessor: undefined,
      acceptableMediaTypes: [],
      setResultProcessor: () => {},
      serverContext,
    } as Parameters<ResultProcessHook>[0]);
  }
  return processed;
}

/** Runs one operation through the app's yoga, as an HTTP request's parameters are run. */
async function runOperation(app: App, params: Record<string, unknown>, request: Request, serverContext: object): Promise<OperationResult> {
  let result: OperationResult;
  try {
    result = (await app.yoga.getResultForParams({ params, request }, serverContext as never)) as OperationResult;
  } catch (error) {
    // A params hook refused (e.g. the nesting bound): its GraphQLError; anything else is a fault, masked and logged.
    result = {
      errors: [error instanceof Error && error.name === "GraphQLError" ? (error as GraphQLError) : (app.maskError(error) as GraphQLError)],
    };
  }
  return processResult(app, request, result ?? { errors: [app.maskError(new Error("No result."))] }, serverContext);
}

/** yoga's internals (`http`: the HTTP status to answer; `unexpected`) stay out of what the client gets, as over HTTP. */
function clientError(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  // (By its method, not instanceof: an error may come from graphql's other build.)
  const json: GraphQLFormattedError = "toJSON" in error && typeof error.toJSON === "function" ? error.toJSON() : error;
  const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions ?? {};
  const { extensions: _all, ...rest } = json;
  return Object.keys(extensions).length ? { ...rest, extensions } : rest;
}

function clientResult(result: ExecutionResult | FormattedExecutionResult): FormattedExecutionResult {
  const { errors, extensions: allExtensions, ...rest } = result;
  const { http: _http, ...extensions } = allExtensions ?? {};
  return {
    ...rest,
    ...(errors ? { errors: errors.map(clientError) } : {}),
    ...(Object.keys(extensions).length ? { extensions } : {}),
  };
}

/** A graphql-ws `error` message needs GraphQLError objects (of this graphql), with a code each. */
function asGraphQLErrors(errors: readonly unknown[] | undefined): GraphQLError[] {
  const list = errors?.length ? errors : [new GraphQLError("The operation was refused.", { extensions: { code: ErrorCode.BAD_REQUEST } })];
  return list.map((e) => {
    const error = e as { message?: unknown; extensions?: Record<string, unknown>; locations?: unknown; path?: unknown };
    if (e instanceof GraphQLError) return e;
    return new GraphQLError(String(error.message ?? "Error"), { extensions: error.extensions });
  });
}

/** Refused before producing data (parse, validation, a limit, the key, the subscription's own checks): a 4xx over HTTP. */
const refusedBeforeData = (result: OperationResult): result is ExecutionResult => !isAsyncIterable(result) && !("data" in result);

/** Answers an upgrade with an HTTP error (GraphQL errors' shape, with a code) and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  const reason = { 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" }[status] ?? "Bad Request";
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    "content-type: application/json; charset=utf-8",
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

export interface WebSocketTransport {
  /** Node's `upgrade` listener: takes GraphQL-over-WebSocket connections on the GraphQL path, refuses anything else. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Closes every connection with 1001 ("going away": clients reconnect, to
   * another process if need be) and stops; a client that does not answer the
   * closing handshake within `graceMs` is cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** The WebSocket transport of an app: operations run through its yoga; origins, path and message size as its configuration says. */
export function webSocketTransport(app: App): WebSocketTransport {
  const { config } = app;
  // A message is a request: no larger than a request body may be (ws closes the connection with 1009 above it).
  const sockets = new WebSocketServer({ noServer: true, maxPayload: config.MAX_REQUEST_BYTES });
  sockets.on("headers", (headers, request) => headers.push(`${REQUEST_ID_HEADER}: ${connectionOf(request).id}`));
  const schema = getSchema();
  const protocol = useServer(
    {
      execute: passResultThrough,
      subscribe: passResultThrough,
      onSubscribe: async (ctx, _id, payload) => {
        const upgrade = ctx.extra.request;
        const request = operationRequest(app, upgrade, authorizationOf(ctx.connectionParams, upgrade));
        // A fresh server context per operation, as yoga's Node adapter gives each request ({ req }).
        // Observed as a request of its own (access line, SQL statements, span: src/observability/).
        const result = await app.observability.observeOperation(request, () =>
          runOperation(app, payload as unknown as Record<string, unknown>, request, { req: upgrade }),
        );
        if (refusedBeforeData(result)) return asGraphQLErrors(result.errors);
        return { schema, document: RUN_BY_YOGA, rootValue: result };
      },
      onNext: (_ctx, _id, _payload, _args, result) => clientResult(result),
      onError: (_ctx, _id, _payload, errors) => errors.map(clientError),
      // Internal failures of graphql-ws itself close the socket with a reason: a generic one in production.
      isProd: config.NODE_ENV === "production",
    },
    sockets,
  );

  return {
    handleUpgrade(request, socket, head) {
      // Every answer to an upgrade carries the connection's request id, as every HTTP response does.
      const id = { [REQUEST_ID_HEADER]: connectionOf(request).id };
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      if (path !== app.yoga.graphqlEndpoint) {
        refuseUpgrade(
          socket,
          404,
          ErrorCode.BAD_REQUEST,
          `Not found: GraphQL over WebSocket is served at ${app.yoga.graphqlEndpoint}.`,
          id,
        );
        return;
      }
      if (!upgradeOriginAllowed(config.CORS_ORIGINS, request.headers.origin, request.headers.host)) {
        refuseUpgrade(socket, 403, ErrorCode.FORBIDDEN, "This origin may not open a WebSocket to the API (CORS_ORIGINS).", id);
        return;
      }
      sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit("connection", ws, request));
    },
    close: async (graceMs = CLOSE_GRACE_MS) => {
      const cut = setTimeout(() => {
        for (const client of sockets.clients) client.terminate();
      }, graceMs);
      try {
        await protocol.dispose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/** Serves GraphQL over WebSocket on a `node:http` server around the app (tests; server.ts switches its listener itself). */
export function attachWebSockets(server: Server, app: App): WebSocketTransport {
  const transport = webSocketTransport(app);
  server.on("upgrade", transport.handleUpgrade);
  return transport;
}
