// Faults: errors nobody raised on purpose (a database that cannot be reached,
// a bug, a lost race). The client gets a code and nothing of the fault itself;
// the status follows GraphQL over HTTP (500, or 503 with Retry-After when the
// database cannot be reached, when there is no data; 200 with partial data);
// the log gets one line per fault, with the request id the response carries
// (through the app's pino logger: src/observability/logger.ts).
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { isAsyncIterable, mapAsyncIterator, type Plugin, type YogaLogger } from "graphql-yoga";
import { ErrorCode } from "../errors.js";
import { isDatabaseUnreachable, shortErrorMessage } from "../db/errors.js";
import { requestIdOf } from "./request-id.js";

/** Receives each fault's fields, to write as one log line (`logger.error(fields, "fault")`). */
export type FaultLog = (fields: Record<string, unknown>) => void;

export interface FaultOptions {
  /** Where faults are logged; null keeps quiet. */
  log: FaultLog | null;
  /** Adds the stack to each line (DEBUG_ERRORS). */
  withStack: boolean;
  /** The Retry-After of a 503: about how long a database restart takes. */
  retryAfterSeconds: number;
}

export const UNAVAILABLE_MESSAGE = "The database is unavailable right now; retry in a few seconds.";
export const FAULT_MESSAGE = "Unexpected error.";

// graphql ships an ESM and a CJS build, so `instanceof` can see two classes: check by name.
const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === "GraphQLError";

/** What a fault's line says. */
interface FaultRecord {
  fault: unknown;
  code: string;
}

export interface FaultHandling {
  /** yoga's `maskedErrors.maskError`. */
  maskError(error: unknown): Error;
  /** Sets the status of fault-only responses and logs each fault once. */
  plugin: Plugin;
  /** yoga's `logging` on `base`: its own logging of masked errors is left out (the plugin logs them, once, with the request id). */
  yogaLogger(base: YogaLogger): YogaLogger;
}

export function faultHandling(options: FaultOptions): FaultHandling {
  /** Masked error → the fault it stands for. */
  const faults = new WeakMap<GraphQLError, FaultRecord>();
  /** What yoga handed to maskError when the answer was a mask: yoga logs exactly those objects, which we log ourselves. */
  const masked = new WeakSet<object>();
  /** Operation names by request, for the log line (known once the document is parsed). */
  const operations = new WeakMap<Request, string>();

  function maskError(error: unknown): Error {
    // Errors raised on purpose are GraphQLErrors all the way down; a GraphQLError wrapping anything else wraps a fault.
    let cause: unknown = error;
    while (isGraphQLError(cause) && cause.originalError) cause = cause.originalError;
    // (Our own masks land here too: they wrap nothing.)
    if (isGraphQLError(cause)) return error as Error;
    const unavailable = isDatabaseUnreachable(cause);
    const code = unavailable ? ErrorCode.SERVICE_UNAVAILABLE : ErrorCode.INTERNAL_SERVER_ERROR;
    const located = isGraphQLError(error) ? error : undefined;
    const mask = new GraphQLError(unavailable ? UNAVAILABLE_MESSAGE : FAULT_MESSAGE, {
      nodes: located?.nodes,
      path: located?.path,
      extensions: { code },
    });
    faults.set(mask, { fault: cause, code });
    if (error !== null && typeof error === "object") masked.add(error);
    return mask;
  }

  function logFields(request: Request, record: FaultRecord, path: readonly (string | number)[] | undefined): Record<string, unknown> {
    const fault = record.fault;
    const errorCode = (fault as { code?: unknown } | null)?.code;
    return {
      requestId: requestIdOf(request),
      operation: operations.get(request) ?? null,
      code: record.code,
      error: fault instanceof Error ? fault.name : typeof fault,
      ...(typeof errorCode === "string" || typeof errorCode === "number" ? { errorCode } : {}),
      message: shortErrorMessage(fault, 500),
      ...(path ? { path: path.join(".") } : {}),
      ...(options.withStack && fault instanceof Error && fault.stack ? { stack: fault.stack } : {}),
    };
  }

  /** Logs each fault of a result once, tells the client the request id, and, when there is no data, sets the status. */
  function handleResult(
    request: Request,
    result: { data?: unknown; errors?: readonly unknown[]; incremental?: { errors?: readonly unknown[] }[] },
    setStatus: boolean,
  ) {
    // An incremental payload (@defer/@stream) carries its errors in its parts (masked by src/execution.ts).
    const errors = [...(result.errors ?? []), ...(result.incremental ?? []).flatMap((part) => part.errors ?? [])];
    if (!errors.length) return;
    const logged = new Set<unknown>();
    const withoutData = !("data" in result);
    for (const error of errors) {
      if (!isGraphQLError(error)) continue;
      const record = faults.get(error);
      if (!record) continue;
      // A batch that failed once fails every field it feeds: one fault, one line.
      if (!logged.has(record.fault)) {
        logged.add(record.fault);
        options.log?.(logFields(request, record, error.path));
      }
      const extensions = error.extensions as Record<string, unknown>;
      extensions.requestId = requestIdOf(request);
      if (setStatus && withoutData) {
        extensions.http =
          record.code === ErrorCode.SERVICE_UNAVAILABLE
            ? { status: 503, headers: { "Retry-After": String(options.retryAfterSeconds) } }
            : { status: 500 };
      }
    }
  }

  const plugin: Plugin = {
    onParse() {
      return ({ result, context }) => {
        const request = (context as { request?: Request }).request;
        const operationName = (context as { params?: { operationName?: string } }).params?.operationName;
        if (!request || !result || result instanceof Error || !("definitions" in result)) return;
        const operation = (result as DocumentNode).definitions.find(
          (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
        );
        const name = operation?.name?.value ?? operationName;
        if (name) operations.set(request, name);
      };
    },
    onResultProcess({ request, result, setResult }) {
      if (isAsyncIterable(result)) {
        // A stream (subscription, incremental delivery): its status is sent; log its faults as they come.
        setResult(
          mapAsyncIterator(result, (item) => {
            handleResult(request, item as never, false);
            return item;
          }) as never,
        );
        return;
      }
      for (const single of Array.isArray(result) ? result : [result]) handleResult(request, single as never, true);
    },
  };

  function yogaLogger(base: YogaLogger): YogaLogger {
    return {
      ...base,
      error: (...args: unknown[]) => {
        if (args.some((a) => a !== null && typeof a === "object" && masked.has(a))) return;
        base.error(...args);
      },
    };
  }

  return { maskError, plugin, yogaLogger };
}
