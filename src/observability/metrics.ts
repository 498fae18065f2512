// Prometheus metrics, in a prom-client registry of the app's own (never the
// global one: tests build several apps in one process, and a second app must
// not see or double the first one's series). GraphQL operations are measured
// by @graphql-yoga/plugin-prometheus (requests, durations and phases by
// operation, HTTP duration by status); this module adds what it cannot see:
// errors by code, rate-limited requests, SQL statements per request, open
// subscriptions and the database pool. The text is served at GET /metrics
// (metricsRoute), behind a bearer token when METRICS_TOKEN is set.
//
// Operation names are chosen by clients, so a label made of them could grow
// without bound (a new series per name, kept forever): each app labels at most
// MAX_OPERATION_NAMES distinct names and counts the others as `other`.
import { createHash, timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { createCounter, createHistogram, usePrometheus, type FillLabelsFnParams } from "@graphql-yoga/plugin-prometheus";
import type { Plugin } from "graphql-yoga";
import type { PoolStats } from "../db/client.js";
import { ErrorCode } from "../errors.js";

export const METRICS_PATH = "/metrics";
/** How many distinct operation names an app labels before it counts the rest as `other`. */
export const MAX_OPERATION_NAMES = 200;

/** SQL statements of one request: authentication is 1, a nested read a handful; more means an N+1 somewhere. */
const SQL_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100];
/** Seconds, from a cached single-row read to a slow mutation. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Transport = "http" | "ws";

export interface AppMetrics {
  registry: Registry;
  /** yoga's prometheus plugin, wired to this registry (operations, phases, HTTP durations). */
  plugin: Plugin;
  /** Every error a client received, by `extensions.code`. */
  errors: Counter<"code" | "transport">;
  /** Requests refused for their rate: HTTP 429, or an operation answered RATE_LIMITED. */
  rateLimited: Counter<"transport">;
  /** SQL statements sent while serving one request (authentication included). */
  sqlStatements: Histogram<"operationType" | "transport">;
  /** Subscriptions whose event stream is open. */
  subscriptions: Gauge<"transport">;
}

export interface MetricsOptions {
  /** The database pool's state at scrape time (PostgreSQL's pg.Pool; the embedded database is one connection). */
  poolStats?: () => PoolStats;
  /** Node's process metrics (CPU, memory, event loop lag, GC) in this registry; off in tests (they build many apps). */
  processMetrics: boolean;
}

/** Labels operation names, each app at most `max` distinct ones (the rest are `other`); `Anonymous` when unnamed. */
export function boundedNames(max = MAX_OPERATION_NAMES): (name: string | undefined) => string {
  const seen = new Set<string>();
  return (name) => {
    if (!name) return "Anonymous";
    if (seen.has(name)) return name;
    if (seen.size >= max) return "other";
    seen.add(name);
    return name;
  };
}

export function createMetrics(options: MetricsOptions): AppMetrics {
  const registry = new Registry();
  const name = boundedNames();
  const operation = (params: FillLabelsFnParams) => ({
    operationName: name(params.operationName),
    operationType: params.operationType ?? "unknown",
  });
  const byOperation = ["operationName", "operationType"] as const;
  const histogram = <Phases>(metric: string, help: string) =>
    createHistogram<Phases, (typeof byOperation)[number]>({
      registry,
      histogram: { name: metric, help, labelNames: byOperation, buckets: DURATION_BUCKETS },
      fillLabelsFn: operation,
    });

  const plugin = usePrometheus({
    registry,
    // Served by metricsRoute (a token may guard it), not by the plugin.
    endpoint: false,
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: { name: "graphql_envelop_request", help: "GraphQL operations run, by operation", labelNames: byOperation },
        fillLabelsFn: operation,
      }),
      graphql_envelop_request_duration: histogram(
        "graphql_envelop_request_duration",
        "Seconds from parse to the end of execution, by operation",
      ),
      graphql_envelop_phase_parse: histogram("graphql_envelop_phase_parse", "Seconds spent parsing, by operation"),
      graphql_envelop_phase_validate: histogram("graphql_envelop_phase_validate", "Seconds spent validating, by operation"),
      graphql_envelop_phase_context: histogram("graphql_envelop_phase_context", "Seconds spent building the context, by operation"),
      graphql_envelop_phase_execute: histogram("graphql_envelop_phase_execute", "Seconds spent executing, by operation"),
      graphql_envelop_phase_subscribe: histogram("graphql_envelop_phase_subscribe", "Seconds spent starting a subscription"),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: "graphql_envelop_error_result",
          help: "Operations answered with errors, by operation and phase (parse, validate, context, execute, subscribe)",
          labelNames: [...byOperation, "phase"],
        },
        fillLabelsFn: (params) => ({ ...operation(params), phase: params.errorPhase ?? "execute" }),
      }),
      graphql_envelop_deprecated_field: createCounter({
        registry,
        counter: {
          name: "graphql_envelop_deprecated_field",
          help: "Deprecated fields asked for, by field and operation",
          labelNames: [...byOperation, "fieldName", "typeName"],
        },
        fillLabelsFn: (params) => ({
          ...operation(params),
          fieldName: params.deprecationInfo?.fieldName ?? "",
          typeName: params.deprecationInfo?.typeName ?? "",
        }),
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: "graphql_yoga_http_duration",
          help: "Seconds from an HTTP request to its response, by operation and status (GraphQL requests)",
          labelNames: [...byOperation, "method", "statusCode"],
          buckets: DURATION_BUCKETS,
        },
        fillLabelsFn: (params, context: { request: Request; response: Response }) => ({
          ...operation(params),
          method: context.request.method,
          statusCode: context.response.status,
        }),
      }),
      // A summary costs a sliding window per label set; the histogram above answers the same questions.
      graphql_envelop_request_time_summary: false,
      graphql_envelop_schema_change: false,
      // One observation per resolver call: too costly to keep on.
      graphql_envelop_execute_resolver: false,
    },
  }) as Plugin;

  const errors = new Counter({
    name: "graphql_errors_total",
    help: "Errors answered to clients, by extensions.code and transport (http, ws)",
    labelNames: ["code", "transport"] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "graphql_rate_limited_requests_total",
    help: "Requests refused for their rate (HTTP 429, or an operation answered RATE_LIMITED)",
    labelNames: ["transport"] as const,
    registers: [registry],
  });
  const sqlStatements = new Histogram({
    name: "graphql_sql_statements_per_request",
    help: "SQL statements sent to serve one request (its authentication included), by operation type",
    labelNames: ["operationType", "transport"] as const,
    buckets: SQL_BUCKETS,
    registers: [registry],
  });
  const subscriptions = new Gauge({
    name: "graphql_subscriptions_open",
    help: "Subscriptions whose event stream is open, by transport (http: server-sent events, ws: WebSocket)",
    labelNames: ["transport"] as const,
    registers: [registry],
  });
  for (const transport of ["http", "ws"] as const) subscriptions.set({ transport }, 0);

  const pool = options.poolStats;
  if (pool) {
    new Gauge({
      name: "db_pool_connections",
      help: "Database connections by state: open (total), idle, and requests waiting for one",
      labelNames: ["state"] as const,
      registers: [registry],
      collect() {
        const stats = pool();
        this.set({ state: "total" }, stats.total);
        this.set({ state: "idle" }, stats.idle);
        this.set({ state: "waiting" }, stats.waiting);
      },
    });
    new Gauge({
      name: "db_pool_max_connections",
      help: "The most connections the database pool opens",
      registers: [registry],
      collect() {
        this.set(pool().max);
      },
    });
  }
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  return { registry, plugin, errors, rateLimited, sqlStatements, subscriptions };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/** Whether the Authorization header carries `Bearer <token>` (compared in constant time). */
function bearerMatches(header: string | null, token: string): boolean {
  const given = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "")?.[1];
  return given !== undefined && timingSafeEqual(sha256(given), sha256(token));
}

/**
 * GET /metrics: the registry in Prometheus' text format. With a token, a request without `Authorization: Bearer
 * <token>` is answered 401 UNAUTHENTICATED (Prometheus sends it with `authorization: { credentials: ... }`).
 */
export function metricsRoute(registry: Registry, token: string | undefined): Plugin {
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== METRICS_PATH) return;
      const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
            status,
            headers: { "content-type": "application/json; charset=utf-8", ...headers },
          }),
        );
      if (request.method !== "GET" && request.method !== "HEAD") {
        refuse(405, ErrorCode.BAD_REQUEST, "Metrics are read with GET.", { allow: "GET, HEAD" });
        return;
      }
      if (token && !bearerMatches(request.headers.get("authorization"), token)) {
        refuse(401, ErrorCode.UNAUTHENTICATED, "Metrics need `Authorization: Bearer <METRICS_TOKEN>`.", { "www-authenticate": "Bearer" });
        return;
      }
      return registry.metrics().then((text) => {
        endResponse(new fetchAPI.Response(text, { headers: { "content-type": registry.contentType, "cache-control": "no-store" } }));
      });
    },
  };
}
