// How operations execute. Queries run through graphql-jit: a query document
// that repeats is compiled into a JavaScript function (cached by its text),
// which resolves a large nested read with far less CPU and garbage
// than the interpreting executor (see README, "Benchmark"). Mutations and
// subscriptions keep graphql-js semantics exactly, through yoga's executor.
// A compiled query is large (~300 KB for a small nested read), so a query is
// compiled at its second execution, not its first, and only the most recently
// used ones are kept (src/cache/compiled-queries.ts: 128, and 48 MB by
// estimate); one run once, or evicted, runs through yoga's executor.
//
// Two places where graphql-jit departs from graphql-js, and what we do:
// - Bad variables: graphql-jit reports them as an internal error. The
//   variables of every query are therefore coerced by graphql-js first, and a
//   bad one is answered as graphql-js answers it (400, BAD_USER_INPUT).
// - A variable that is not provided, used inside an input object literal:
//   graphql-js leaves the field out, graphql-jit passes null. Only mutations
//   tell "left out" (keep) from null (clear), and they do not run here.
//
// Incremental delivery (@defer, @stream; yoga's defer-stream plugin for the
// validation rules, the directives are in the schema): graphql-jit cannot
// deliver incrementally (it ignores both directives), so an operation that
// uses them and whose client accepts a stream (`multipart/mixed` or
// `text/event-stream`) runs through yoga's own executor
// (@graphql-tools/executor, graphql 16 compatible), which yields the initial
// payload and then the patches; such a query pays the interpreting executor's
// CPU. For any other client (`application/json`, the WebSocket transport) the
// directives are hints it did not ask for: they are taken out of the document
// (one copy per document, cached) and the operation is answered whole, a query
// compiled as usual. Subscriptions always get whole events. The limits have
// already counted the deferred and streamed selections (validation runs on the
// document as sent).
//
// yoga's error masking covers a result's `errors`, not the errors inside an
// incremental payload (`incremental[].errors`): those are masked here, with
// the app's maskError, so a fault in a deferred fragment leaks nothing either.
//
// Type scopes are checked on the fields that deliver a type (src/schema/type-scopes.ts),
// not in `isTypeOf` (scope-auth's `runScopesOnType`): graphql-jit calls `isTypeOf`
// without the context.
import { useDeferStream } from "@graphql-yoga/plugin-defer-stream";
import { BREAK, getOperationAST, getVariableValues, visit, type DocumentNode, type ExecutionArgs, type GraphQLError } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import { ErrorCode } from "./errors.js";
import { compiledExecutionPlugin, type CompiledQueries } from "./cache/compiled-queries.js";

const INCREMENTAL_DIRECTIVES = new Set(["defer", "stream"]);
/** The media types a client accepts incremental results in (yoga's multipart and server-sent events processors). */
const STREAMING_MEDIA_TYPES = new Set(["multipart/mixed", "text/event-stream"]);

/** Per document (yoga's parse cache hands back the same object for the same text): whether it names @defer or @stream. */
const incremental = new WeakMap<DocumentNode, boolean>();
/** Per document: the same document without @defer and @stream. */
const whole = new WeakMap<DocumentNode, DocumentNode>();

/** Whether a document names @defer or @stream anywhere (its fragments included), whatever their `if`. */
export function usesIncrementalDelivery(document: DocumentNode): boolean {
  let found = incremental.get(document);
  if (found === undefined) {
    let named = false;
    visit(document, {
      Directive(node) {
        if (!INCREMENTAL_DIRECTIVES.has(node.name.value)) return undefined;
        named = true;
        return BREAK;
      },
    });
    found = named;
    incremental.set(document, found);
  }
  return found;
}

/** The document without @defer and @stream: answered whole. */
function withoutIncrementalDelivery(document: DocumentNode): DocumentNode {
  let stripped = whole.get(document);
  if (!stripped) {
    stripped = visit(document, { Directive: (node) => (INCREMENTAL_DIRECTIVES.has(node.name.value) ? null : undefined) });
    whole.set(document, stripped);
  }
  return stripped;
}

/** Whether the request's Accept header names a streaming media type (not `*` nor a wildcard: only a client that asks for one). */
export function acceptsIncrementalDelivery(request: Request | undefined): boolean {
  const accept = request?.headers.get("accept");
  if (!accept) return false;
  return accept.split(",").some((part) => STREAMING_MEDIA_TYPES.has(part.split(";")[0].trim().toLowerCase()));
}

const requestOf = (args: ExecutionArgs) => (args.contextValue as { request?: Request } | undefined)?.request;

/** Compiled: queries without @defer/@stream (the directives of a non-streaming client are gone by then). */
const runsCompiled = (args: ExecutionArgs) =>
  getOperationAST(args.document, args.operationName)?.operation === "query" && !usesIncrementalDelivery(args.document);

/** What an incremental payload holds (graphql-tools' format: `incremental: [{ data | items, path, errors? }]`). */
interface IncrementalPayload {
  incremental?: { errors?: readonly unknown[] }[];
}

/** Every error a client receives carries a code; one of graphql-js's own without one is a fault (as error-codes.ts says). */
function withCode(error: Error): Error {
  // (By name, not instanceof: graphql ships two builds.)
  if (error.name !== "GraphQLError") return error;
  const extensions = (error as GraphQLError).extensions as Record<string, unknown>;
  if (!extensions.code) extensions.code = ErrorCode.INTERNAL_SERVER_ERROR;
  return error;
}

/**
 * Decides per operation how it is delivered (incrementally, or whole without the directives) and masks the
 * errors of incremental payloads with `maskError` (the app's: a code, nothing of the fault).
 */
function incrementalDeliveryPlugin(maskError: (error: unknown) => Error): Plugin {
  const maskPayload = (payload: IncrementalPayload): IncrementalPayload | null => {
    if (!payload.incremental?.some((part) => part.errors?.length)) return null;
    return {
      ...payload,
      incremental: payload.incremental.map((part) =>
        part.errors?.length ? { ...part, errors: part.errors.map((e) => withCode(maskError(e))) } : part,
      ),
    };
  };
  return {
    onExecute({ args }) {
      if (!usesIncrementalDelivery(args.document)) return;
      if (!acceptsIncrementalDelivery(requestOf(args))) {
        // Read by the plugins after this one (the compiled executor's enableIf) and by the executor.
        args.document = withoutIncrementalDelivery(args.document);
        return;
      }
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result)) return;
          return {
            onNext({ result: payload, setResult }) {
              const masked = maskPayload(payload as IncrementalPayload);
              if (masked) setResult(masked as never);
            },
          };
        },
      };
    },
    onSubscribe({ args }) {
      // Each event is delivered whole: a deferred part of one event would interleave with the next events.
      if (usesIncrementalDelivery(args.document)) args.document = withoutIncrementalDelivery(args.document);
    },
  };
}

/** Answers a query whose variables do not coerce exactly as graphql-js does, before the compiled executor sees them. */
function queryVariablesPlugin(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== "query" || !operation.variableDefinitions?.length) return;
      const { errors } = getVariableValues(args.schema, operation.variableDefinitions, args.variableValues ?? {});
      if (errors) setResultAndStopExecution({ errors });
    },
  };
}

export interface ExecutionOptions {
  /** The app's masking of faults (src/http/faults.ts), applied to the errors of incremental payloads. */
  maskError(error: unknown): Error;
  /** The app's compiled queries (src/cache/): when to compile, and the bounded cache. */
  compiledQueries: CompiledQueries;
}

/**
 * Incremental delivery (the defer-stream plugin's validation rules: unique labels, not on a mutation's or
 * subscription's root fields, @stream only on lists; then the choice of delivery) and compiled execution for
 * the other queries. Order matters: the delivery is chosen, then variables are checked, then the compiled
 * executor decides whether it runs.
 */
export function executionPlugins(options: ExecutionOptions): Plugin[] {
  return [
    useDeferStream() as Plugin,
    incrementalDeliveryPlugin(options.maskError),
    queryVariablesPlugin(),
    compiledExecutionPlugin(options.compiledQueries, runsCompiled),
  ];
}
