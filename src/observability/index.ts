// Observability of an app: its logger (logger.ts), its metrics (metrics.ts)
// and its request spans (tracing.ts), wired into yoga by requests.ts. What is
// off installs nothing: with logs silent, metrics off and no OTLP endpoint, the
// app has no observability plugin at all.
import type { Plugin } from "graphql-yoga";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { createLogger, lineLogger, yogaLoggerOf, type DestinationStream, type Logger } from "./logger.js";
import { createMetrics, metricsRoute, type AppMetrics } from "./metrics.js";
import { requestObserver, statementObserver } from "./requests.js";
import { tracingConfigured } from "./tracing.js";

export interface ObservabilityOptions {
  /** Where log lines go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
  /** Where each fault's line goes instead of the log (tests). */
  faultLines?: (line: string) => void;
  /** The GraphQL path (requests elsewhere get no span and no statement count). */
  graphqlEndpoint: string;
}

export interface Observability {
  logger: Logger;
  /** The logger faults are written to: the app's, or the test's line sink. */
  faultLogger: Logger;
  /** yoga's `logging`, on the app's logger. */
  yogaLogger: ReturnType<typeof yogaLoggerOf>;
  /** Null when METRICS=off. */
  metrics: AppMetrics | null;
  /** Whether requests get spans (an OTLP endpoint is configured). */
  tracing: boolean;
  /** yoga plugins to put first: each request's start, scope and span; GET /metrics; the prometheus plugin. */
  first: Plugin[];
  /** yoga plugins to put after the error codes and faults plugins: each request's outcome (line, metrics, span's end). */
  last: Plugin[];
  /** Runs a WebSocket operation as a request of its own (line, statement count, span). */
  observeOperation<T>(request: Request, run: () => Promise<T>): Promise<T>;
}

export function createObservability(
  config: Config,
  db: Pick<Database, "counter" | "poolStats">,
  options: ObservabilityOptions,
): Observability {
  const logger = createLogger(config, options.logDestination);
  const faultLogger = options.faultLines ? lineLogger(options.faultLines, "error") : logger;
  const metrics = config.METRICS === "on" ? createMetrics({ poolStats: db.poolStats, processMetrics: config.NODE_ENV !== "test" }) : null;
  // The process's decision, from its environment (see tracing.ts), so request spans and resolver spans are on together.
  const tracing = tracingConfigured();
  const observer = statementObserver(metrics !== null, tracing);
  if (observer) db.counter.observer = observer;

  // Access lines are info (probes' debug, which implies info).
  const active = metrics !== null || tracing || logger.isLevelEnabled("info");
  const requests = active ? requestObserver({ logger, metrics, tracing, graphqlEndpoint: options.graphqlEndpoint }) : null;
  return {
    logger,
    faultLogger,
    yogaLogger: yogaLoggerOf(logger),
    metrics,
    tracing,
    first: [
      ...(requests ? [requests.start] : []),
      ...(metrics ? [metricsRoute(metrics.registry, config.METRICS_TOKEN), metrics.plugin] : []),
    ],
    last: requests ? [requests.end] : [],
    observeOperation: requests ? (request, run) => requests.observeOperation(request, run) : (_request, run) => run(),
  };
}
