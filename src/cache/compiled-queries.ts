// Compiled queries (graphql-jit), bounded. A compiled query is large: for a
// small nested read of ~330 characters graphql-jit generates ~85 KB of
// JavaScript, and once it has run the process keeps ~300 KB for it (source,
// bytecode, closures, the document it refers to; measured with bench/memory.ts).
// So only documents that are executed again are compiled, and only the most
// recently used few are kept:
//
// - a document is compiled at its `compileAfter`-th execution (2 by default):
//   a client's own documents repeat and are compiled at their second request;
//   a document sent once (a fuzzer, a client that writes values into its
//   documents) runs through graphql-js and keeps nothing here but its hash,
//   in a ledger of the last `ledgerEntries` documents not compiled yet.
// - compiled queries are kept in an LRU of `maxEntries`, keyed by the
//   document's text and operation name, and bounded by `maxBytes` of
//   estimated memory as well (a document near the request limits compiles to
//   megabytes). Evicted, a query runs through graphql-js until it is hot again.
// - a document that graphql-jit cannot compile is remembered as such (a small
//   entry) and runs through graphql-js.
import { print, type DocumentNode, type ExecutionArgs } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery, type CompilerOptions } from "graphql-jit";
import type { Plugin } from "graphql-yoga";
import { BoundedLru, stringBytes, textHash } from "./lru.js";

type RunCompiled = CompiledQuery["query"];

export interface CompiledEntry {
  /** null: graphql-jit could not compile the operation, and it runs through graphql-js. */
  query: RunCompiled | null;
  /** What the entry keeps, by estimate. */
  bytes: number;
}

/**
 * Retained bytes per character of generated code. Measured on bench/documents.ts's documents: ~85 KB of
 * generated code keeps ~175 KB once compiled and ~280 KB once it has run (bytecode, type feedback); with the
 * document's own bytes the estimate comes to ~280 KB an entry, ~8 % under what bench/memory.ts measured.
 */
const BYTES_PER_GENERATED_CHARACTER = 3;
/** Retained bytes per token of a parsed document (Token, Location and AST nodes). Measured: 280–320. */
export const BYTES_PER_TOKEN = 320;

/** How many tokens a parsed document has (graphql-js links them when it keeps locations, as yoga's parse does). */
export function tokenCount(document: DocumentNode): number {
  let count = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) count += 1;
  return count;
}

const printed = new WeakMap<DocumentNode, string>();
/**
 * The document's text: the source it was parsed from, else (a document built in code) its printed form. A document
 * derived from a parsed one keeps its locations, so its source: src/execution.ts derives one per text (the document
 * without @defer/@stream, for clients that do not stream), and the text still names one compiled form, since the
 * document with the directives itself is never compiled.
 */
function documentText(document: DocumentNode): string {
  const source = document.loc?.source.body;
  if (source !== undefined) return source;
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

const cacheKey = (text: string, operationName: string | null | undefined) => (operationName ? `${operationName}\u0000${text}` : text);

export interface CompiledQueriesOptions {
  /** At most this many compiled queries. */
  maxEntries: number;
  /** At most this many bytes of compiled queries, by estimate. */
  maxBytes: number;
  /** Compile a document at its n-th execution (1: at once). */
  compileAfter: number;
  /** How many documents not compiled yet have their executions counted (by hash). */
  ledgerEntries: number;
}

/** The compiled queries of one app, and when to compile. */
export class CompiledQueries {
  readonly cache: BoundedLru<string, CompiledEntry>;
  /** Executions so far of documents not compiled yet, by the hash of their key. */
  private readonly executions: BoundedLru<number, number>;
  private readonly compileAfter: number;

  constructor(options: CompiledQueriesOptions) {
    this.compileAfter = Math.max(1, options.compileAfter);
    this.executions = new BoundedLru({ maxEntries: options.ledgerEntries });
    this.cache = new BoundedLru({ maxEntries: options.maxEntries, maxBytes: options.maxBytes, weigh: (_key, entry) => entry.bytes });
  }

  /** Whether this document's operation is compiled now (does not count as a use). */
  isCompiled(document: string | DocumentNode, operationName?: string | null): boolean {
    const text = typeof document === "string" ? document : documentText(document);
    return Boolean(this.cache.peek(cacheKey(text, operationName))?.query);
  }

  /** The compiled form of this execution's operation, compiling it once it is hot; null: run it through graphql-js. */
  lookup(args: ExecutionArgs): RunCompiled | null {
    // No room for any: compiled execution is off (a query compiled for one execution would cost more than it saves).
    if (this.cache.maxEntries === 0) return null;
    const text = documentText(args.document);
    const key = cacheKey(text, args.operationName);
    const cached = this.cache.get(key);
    if (cached) return cached.query;
    const hash = textHash(key);
    const seen = (this.executions.get(hash) ?? 0) + 1;
    if (seen < this.compileAfter) {
      this.executions.set(hash, seen);
      return null;
    }
    this.executions.delete(hash);
    const entry = compile(args, 2 * stringBytes(key) + tokenCount(args.document) * BYTES_PER_TOKEN);
    this.cache.set(key, entry);
    return entry.query;
  }
}

const DEBUG_SOURCE = "__DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation";
/** graphql-jit's `debug` option (not in its typings): the compiled query carries its generated source. */
const WITH_SOURCE = { debug: true } as Partial<CompilerOptions>;
/** Generated characters per token of the document, measured on bench/documents.ts's documents: ~1,100. */
const GENERATED_CHARACTERS_PER_TOKEN = 1100;

/** Compiles the operation and estimates what it keeps (`baseBytes`: its key and document). */
function compile(args: ExecutionArgs, baseBytes: number): CompiledEntry {
  const result = compileQuery(args.schema, args.document, args.operationName ?? undefined, WITH_SOURCE);
  if (!isCompiledQuery(result)) return { query: null, bytes: baseBytes };
  // The generated source's length is the estimate's measure (fragments spread in many places generate code for each
  // spread, which a count of tokens misses; the count is the fallback should graphql-jit stop handing the source back).
  // Dropped right away: V8 keeps the function's own copy, and this one would double it.
  const generated = result as typeof result & { [DEBUG_SOURCE]?: string };
  const characters = generated[DEBUG_SOURCE]?.length ?? tokenCount(args.document) * GENERATED_CHARACTERS_PER_TOKEN;
  delete generated[DEBUG_SOURCE];
  return { query: result.query, bytes: baseBytes + characters * BYTES_PER_GENERATED_CHARACTER };
}

/**
 * Runs the operations `enableIf` accepts through their compiled form once they are hot (others, and cold ones,
 * through yoga's executor).
 */
export function compiledExecutionPlugin(queries: CompiledQueries, enableIf: (args: ExecutionArgs) => boolean): Plugin {
  return {
    onExecute({ args, setExecuteFn }) {
      if (!enableIf(args)) return;
      const run = queries.lookup(args);
      if (run) setExecuteFn((execution: ExecutionArgs) => run(execution.rootValue, execution.contextValue, execution.variableValues));
    },
  };
}
