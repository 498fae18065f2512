// What is observed of each request, from its start to its end: one access
// line, its metrics (errors by code, rate-limited requests, SQL statements,
// open subscriptions) and the end of its span. HTTP requests start in yoga's
// request instrumentation (or onRequest) and end at onResponse; an operation
// received on a WebSocket starts in `observeOperation` (src/http/websocket.ts
// runs it through yoga's parameters pipeline, without HTTP hooks) and ends when
// its result is processed. A stream (a subscription, incremental delivery)
// ends when it completes or its client goes away, so its line says how long it
// stayed open.
//
// The SQL statements of a request are counted in an AsyncLocalStorage scope
// entered around the request (only when metrics are on): the counting adapter
// (src/db/sql-counter.ts) adds each statement to the scope it runs in.
import { AsyncLocalStorage } from "node:async_hooks";
import { getOperationAST, type DocumentNode } from "graphql";
import { isAsyncIterable, mapAsyncIterator, type Plugin } from "graphql-yoga";
import { context as otelContext, type Span } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { StatementObserver } from "../db/sql-counter.js";
import { requestIdOf } from "../http/request-id.js";
import { requestCost } from "../limits.js";
import type { AppMetrics, Transport } from "./metrics.js";
import { endRequestSpan, sqlSpans, startOperationSpan, startRequestSpan } from "./tracing.js";

/** The statements one request has sent so far. */
interface RequestScope {
  sql: number;
}

const scopes = new AsyncLocalStorage<RequestScope>();

/** Adds each statement to the request it runs for (none outside a request). */
const countInScope: StatementObserver = () => {
  const scope = scopes.getStore();
  if (scope) scope.sql += 1;
  return undefined;
};

/** The statement observer the database needs for what is on: the count per request, a span per statement, both, or none. */
export function statementObserver(count: boolean, trace: boolean): StatementObserver | null {
  if (count && trace) {
    return (sql) => {
      countInScope(sql);
      return sqlSpans(sql);
    };
  }
  return count ? countInScope : trace ? sqlSpans : null;
}

/** Probes answer often and say little: their lines are debug, not info. */
const PROBE_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);
const RATE_LIMITED = "RATE_LIMITED";

interface RequestRecord {
  transport: Transport;
  /** performance.now() at the start. */
  start: number;
  method: string | null;
  path: string | null;
  operationName: string | null;
  operationType: string | null;
  keyId: string | null;
  cost: number | null;
  /** The codes of the errors the client received (a set: a long subscription may repeat one many times). */
  codes: Set<string>;
  scope: RequestScope | null;
  span: Span | null;
  status: number | null;
  /** Streams of this request still open. */
  streams: number;
  /** Its response is out (HTTP: onResponse; WebSocket: its result was processed). */
  responded: boolean;
  finished: boolean;
}

type ResultLike = {
  errors?: readonly unknown[];
  extensions?: Record<string, unknown>;
  incremental?: { errors?: readonly unknown[] }[];
};

export interface RequestObserverOptions {
  logger: Logger;
  metrics: AppMetrics | null;
  /** Export a span per request (tracing configured). */
  tracing: boolean;
  /** The GraphQL path: only its requests get a span and a statement count. */
  graphqlEndpoint: string;
}

export interface RequestObserver {
  /** To put first among yoga's plugins: the start of each request, its statement scope and span. */
  start: Plugin;
  /** To put after the error codes and faults plugins: what each request was and how it ended (codes are final there). */
  end: Plugin;
  /** Runs an operation that does not come through yoga's HTTP handler (a WebSocket's) as a request of its own. */
  observeOperation<T>(request: Request, run: () => Promise<T>): Promise<T>;
}

export function requestObserver(options: RequestObserverOptions): RequestObserver {
  const { logger, metrics, tracing, graphqlEndpoint } = options;
  const records = new WeakMap<Request, RequestRecord>();

  function open(request: Request, transport: Transport): RequestRecord {
    let record = records.get(request);
    if (!record) {
      const path = transport === "http" ? new URL(request.url, "http://localhost").pathname : null;
      record = {
        transport,
        start: performance.now(),
        method: transport === "http" ? request.method : null,
        path,
        operationName: null,
        operationType: null,
        keyId: null,
        cost: null,
        codes: new Set(),
        scope: null,
        span: null,
        status: null,
        streams: 0,
        responded: false,
        finished: false,
      };
      records.set(request, record);
    }
    return record;
  }

  /** Runs `run` inside the record's statement scope and span, as they are on. */
  function scoped<T>(record: RequestRecord, span: { span: Span; context: ReturnType<typeof otelContext.active> } | null, run: () => T): T {
    let go = run;
    if (span) {
      record.span = span.span;
      const inner = go;
      go = () => otelContext.with(span.context, inner);
    }
    if (metrics) {
      const scope: RequestScope = { sql: 0 };
      record.scope = scope;
      const inner = go;
      go = () => scopes.run(scope, inner);
    }
    return go();
  }

  function noteOperation(record: RequestRecord, document: DocumentNode, operationName: string | null | undefined) {
    const operation = getOperationAST(document, operationName);
    if (!operation) return;
    record.operationType = operation.operation;
    record.operationName = operation.name?.value ?? operationName ?? null;
  }

  function collect(record: RequestRecord, result: ResultLike) {
    const errors = [...(result.errors ?? []), ...(result.incremental ?? []).flatMap((part) => part.errors ?? [])];
    for (const error of errors) {
      const extensions = (error as { extensions?: Record<string, unknown> } | null)?.extensions;
      const code = typeof extensions?.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR";
      record.codes.add(code);
      metrics?.errors.inc({ code, transport: record.transport });
      // A refusal over the cost limit says what the request would have cost.
      const refused = (extensions?.cost as { requested?: unknown } | undefined)?.requested;
      if (record.cost === null && typeof refused === "number") record.cost = refused;
    }
    const reported = (result.extensions?.cost as { requested?: unknown } | undefined)?.requested;
    if (record.cost === null && typeof reported === "number") record.cost = reported;
  }

  function finish(record: RequestRecord, request: Request) {
    if (record.finished || !record.responded || record.streams > 0) return;
    record.finished = true;
    const transport = record.transport;
    const codes = [...record.codes];
    const requestId = requestIdOf(request);
    if (metrics) {
      if (record.status === 429 || codes.includes(RATE_LIMITED)) metrics.rateLimited.inc({ transport });
      // Operations only (not GraphiQL's page, nor a body that did not parse).
      if (record.scope && record.operationType) {
        metrics.sqlStatements.observe({ operationType: record.operationType, transport }, record.scope.sql);
      }
    }
    if (record.span) {
      endRequestSpan(record.span, {
        requestId,
        operationName: record.operationName,
        operationType: record.operationType,
        status: record.status,
        keyId: record.keyId,
        errorCodes: codes,
      });
    }
    const level = record.path !== null && PROBE_PATHS.has(record.path) ? "debug" : "info";
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        requestId,
        transport,
        ...(transport === "http" ? { method: record.method, path: record.path, status: record.status } : {}),
        operation: record.operationName,
        operationType: record.operationType,
        durationMs: Math.round((performance.now() - record.start) * 10) / 10,
        cost: record.cost,
        errors: codes,
        keyId: record.keyId,
        ...(record.scope ? { sql: record.scope.sql } : {}),
      },
      "request",
    );
  }

  const start: Plugin = {
    // Around the whole request (its hooks included), when something needs a scope: the statement count, the span.
    ...(metrics || tracing
      ? {
          instrumentation: {
            request({ request }, wrapped) {
              const record = open(request, "http");
              if (record.path !== graphqlEndpoint) return wrapped();
              return scoped(record, tracing ? startRequestSpan(request, record.path) : null, wrapped);
            },
          },
        }
      : {}),
    onRequest({ request }) {
      open(request, "http");
    },
    // Who asked, and what it costs: known once the context is built (first among the app's plugins, so no plugin that
    // refuses the request later, e.g. the rate limits, hides it).
    onContextBuilding() {
      return ({ context }) => {
        const ctx = context as { request?: Request; principal?: { key?: { id?: string } } | null };
        const record = ctx.request && records.get(ctx.request);
        if (!record) return;
        record.keyId = ctx.principal?.key?.id ?? null;
        record.cost ??= requestCost(ctx as object) ?? null;
      };
    },
  };

  const end: Plugin = {
    onParams({ request }) {
      // An operation yoga did not receive over HTTP, and that observeOperation did not open (it always should).
      if (!records.has(request)) open(request, "ws");
    },
    onParse() {
      return ({ result, context }) => {
        const ctx = context as { request?: Request; params?: { operationName?: string } };
        const record = ctx.request && records.get(ctx.request);
        if (!record || !result || result instanceof Error || !("definitions" in result)) return;
        noteOperation(record, result as DocumentNode, ctx.params?.operationName);
      };
    },
    onResultProcess({ request, result, setResult }) {
      const record = records.get(request);
      if (!record) return;
      if (isAsyncIterable(result)) {
        record.streams += 1;
        const subscription = record.operationType === "subscription";
        if (subscription) metrics?.subscriptions.inc({ transport: record.transport });
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          record.streams -= 1;
          if (subscription) metrics?.subscriptions.dec({ transport: record.transport });
          finish(record, request);
        };
        setResult(
          mapAsyncIterator(
            result,
            (item) => {
              collect(record, item as ResultLike);
              return item;
            },
            (error: unknown) => {
              end();
              throw error;
            },
            end,
          ) as never,
        );
      } else {
        for (const single of Array.isArray(result) ? result : [result]) collect(record, single as ResultLike);
      }
      if (record.transport === "ws") {
        record.responded = true;
        finish(record, request);
      }
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record) return;
      record.status = response.status;
      record.responded = true;
      finish(record, request);
    },
  };

  return {
    start,
    end,
    observeOperation(request, run) {
      const record = open(request, "ws");
      if (!metrics && !tracing) return run();
      return scoped(record, tracing ? startOperationSpan() : null, run);
    },
  };
}
