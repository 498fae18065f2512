// OpenTelemetry traces: a span per request (the GraphQL operation), a span
// per resolver that reads the database (Pothos' tracing plugin:
// src/observability/pothos.ts) and a span per SQL statement (the counting
// adapter, src/db/sql-counter.ts), exported by OTLP over HTTP.
//
// Only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. Otherwise nothing of it is
// installed: no Pothos plugin (resolvers are not wrapped), no yoga hook, no
// statement observer, and the SDK is never loaded, so tracing costs nothing
// when off. The decision is made once, from the environment at process start,
// because the schema (and so the resolvers' wrapping) is built once.
//
// server.ts registers the provider (startTracing) before it creates the app,
// and shuts it down (flushing the last spans) before it exits. The OTEL_*
// variables of the SDK apply: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_BSP_SCHEDULE_DELAY, ...
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from "@opentelemetry/api";
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from "@opentelemetry/semantic-conventions";
import type { StatementObserver } from "../db/sql-counter.js";

/** The instrumentation scope of every span of the API. */
export const TRACER_NAME = "posthog-projects-graphql";
/** The service name when OTEL_SERVICE_NAME does not say. */
export const DEFAULT_SERVICE_NAME = "posthog-projects-graphql";

// Incubating semantic conventions are copied, not imported (as OpenTelemetry asks).
const ATTR_GRAPHQL_OPERATION_NAME = "graphql.operation.name";
const ATTR_GRAPHQL_OPERATION_TYPE = "graphql.operation.type";
/** The request id the response's x-request-id carries: find the trace of a client's report. */
export const ATTR_REQUEST_ID = "app.request_id";
/** The API key's id (never the key). */
export const ATTR_API_KEY_ID = "app.api_key.id";
/** The error codes the client received. */
export const ATTR_ERROR_CODES = "app.graphql.error_codes";
export const ATTR_TRANSPORT = "app.transport";
/** SQL text is the parameterized statement (no values); long ones are cut to this many characters. */
const MAX_QUERY_TEXT = 2_000;

/** Whether traces are exported: an OTLP endpoint is set in the environment (and the SDK is not disabled). */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== "true";
}

export interface Tracing {
  /** Ends the provider: exports the spans still queued. */
  shutdown(): Promise<void>;
}

/**
 * Registers the tracer provider (OTLP over HTTP, batched) as the process's global one, with the W3C trace-context
 * propagator and an AsyncLocalStorage context manager. Null when tracing is not configured: nothing is loaded.
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | null> {
  if (!tracingConfigured(env)) return null;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  // Ours, then what the environment says (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), which wins.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (adding /v1/traces), _TRACES_ENDPOINT and _HEADERS itself.
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

/** The API's tracer (the global provider's; a no-op one until startTracing registered it). */
export const tracer = () => trace.getTracer(TRACER_NAME);

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * The span of one HTTP request, a child of the caller's trace when the request carries `traceparent`. Named
 * `POST /graphql` until the operation is known (then `query Viewer`, as GraphQL's conventions name it).
 */
export function startRequestSpan(request: Request, path: string): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
  const span = tracer().startSpan(
    `${request.method} ${path}`,
    { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: path, [ATTR_TRANSPORT]: "http" } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** The span of one operation received on a WebSocket (its parent: whatever is active, usually nothing). */
export function startOperationSpan(): { span: Span; context: Context } {
  const span = tracer().startSpan("graphql-ws operation", { kind: SpanKind.SERVER, attributes: { [ATTR_TRANSPORT]: "ws" } });
  return { span, context: trace.setSpan(context.active(), span) };
}

export interface RequestOutcome {
  requestId: string;
  operationName: string | null;
  operationType: string | null;
  status: number | null;
  keyId: string | null;
  errorCodes: string[];
}

/** Names the span after its operation, records what the client got, and ends it. A fault (5xx or a fault's code) marks it failed. */
export function endRequestSpan(span: Span, outcome: RequestOutcome): void {
  if (outcome.operationType) {
    span.updateName(outcome.operationName ? `${outcome.operationType} ${outcome.operationName}` : outcome.operationType);
    span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, outcome.operationType);
  }
  if (outcome.operationName) span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, outcome.operationName);
  if (outcome.status !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.status);
  span.setAttribute(ATTR_REQUEST_ID, outcome.requestId);
  if (outcome.keyId) span.setAttribute(ATTR_API_KEY_ID, outcome.keyId);
  if (outcome.errorCodes.length) span.setAttribute(ATTR_ERROR_CODES, outcome.errorCodes);
  const fault = outcome.errorCodes.some((code) => code === "INTERNAL_SERVER_ERROR" || code === "SERVICE_UNAVAILABLE");
  if ((outcome.status ?? 0) >= 500 || fault) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** A span per SQL statement, a child of the active span (a resolver's, or the request's for authentication). */
export const sqlSpans: StatementObserver = (sql) => {
  const active = context.active();
  // Statements outside any request (start-up, the activity feed's reads) are not traced: no orphan root spans.
  if (!trace.getSpan(active)) return undefined;
  const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "SQL";
  const span = tracer().startSpan(
    operation,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]: sql.length > MAX_QUERY_TEXT ? `${sql.slice(0, MAX_QUERY_TEXT)}…` : sql,
      },
    },
    active,
  );
  return (error) => {
    if (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
};
