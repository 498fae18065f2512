// Every cache a client can fill by sending distinct documents, in one place,
// each bounded by a count and by an estimate of its bytes (README,
// "Memory"). A client's own documents are a few dozen to a few hundred and
// stay cached; a stream of distinct documents (10,000 in the benchmark's
// memory pass) only cycles through these bounds.
//
// Parsed documents (and parse errors) are kept from a text's second request
// on, and queries compiled at their second execution: the first time, only
// the text's hash is noted, in a ledger of the last 4,096 such hashes
// (~100 bytes each). A document sent once is then young garbage, collected
// cheaply, instead of a cache entry that lives long enough to reach V8's old
// generation and fill it with garbage once evicted.
//
// Sizes, measured on bench/documents.ts's documents (small nested reads of
// ~330 characters, ~80 tokens) with bench/memory.ts:
//
// | cache | count (default) | one entry | full, typical | byte bound |
// | --- | ---: | ---: | ---: | ---: |
// | parsed documents (yoga's parse cache; the validation results and the per-document WeakMaps hang on these) | 512 | ~25 KB | ~13 MB | 24 MB |
// | parse errors (yoga) | 128 | the text + ~1 KB | < 1 MB | 4 MB |
// | compiled queries (graphql-jit) | 128 | ~300 KB | ~38 MB | 48 MB (measured: 52 MB of heap when full by estimate) |
// | automatic persisted queries (src/persisted.ts) | 1,000 | the text | < 1 MB | 8 MB |
//
// The byte bounds are what a hostile client can fill them to: a document
// may be as large as MAX_REQUEST_BYTES (1 MB) and as long as MAX_TOKENS
// (3,000), and such a document keeps ~2 MB parsed and compiles to megabytes.
// Not here because they keep nothing per document: the cost rule
// (src/limits.ts) computes each request's cost anew; Prisma 6.19's query
// compiler keeps no plan cache; no SQL statement is prepared under a name
// (@prisma/adapter-pg, db.sql and PGlite send unnamed statements), so the
// database keeps nothing per document either.
import type { DocumentNode } from "graphql";
import { BYTES_PER_TOKEN, CompiledQueries, tokenCount } from "./compiled-queries.js";
import { BoundedLru, SecondSightLru, stringBytes } from "./lru.js";

export { BoundedLru, SecondSightLru } from "./lru.js";
export { CompiledQueries, compiledExecutionPlugin } from "./compiled-queries.js";

export interface CacheSizes {
  /** Parsed documents (and, hanging on them, their validation results). */
  PARSE_CACHE_SIZE: number;
  /** Compiled queries. */
  COMPILED_QUERY_CACHE_SIZE: number;
  /** A query is compiled at its n-th execution. */
  COMPILE_AFTER: number;
  /** Automatic persisted queries (hash → document) remembered in memory. */
  PERSISTED_QUERY_CACHE_SIZE: number;
}

export const DEFAULT_CACHE_SIZES: CacheSizes = {
  PARSE_CACHE_SIZE: 512,
  COMPILED_QUERY_CACHE_SIZE: 128,
  COMPILE_AFTER: 2,
  PERSISTED_QUERY_CACHE_SIZE: 1000,
};

const MB = 1024 * 1024;
export const CACHE_BYTE_BOUNDS = {
  parsedDocuments: 24 * MB,
  parseErrors: 4 * MB,
  compiledQueries: 48 * MB,
  persistedQueries: 8 * MB,
} as const;

/** How many texts seen once the parse caches and the compiled queries remember (by hash, ~100 bytes each). */
const LEDGER_ENTRIES = 4096;

export interface Caches {
  /** yoga's parse cache: document text → parsed document, from a text's second parse on. */
  parsedDocuments: SecondSightLru<DocumentNode>;
  /** yoga's cache of documents that do not parse: text → the error, from a text's second time on. */
  parseErrors: SecondSightLru<unknown>;
  compiledQueries: CompiledQueries;
  /** Automatic persisted queries: sha256 hex → document. */
  persistedQueries: BoundedLru<string, string>;
}

export function createCaches(sizes: CacheSizes = DEFAULT_CACHE_SIZES): Caches {
  return {
    parsedDocuments: new SecondSightLru<DocumentNode>({
      ledgerEntries: LEDGER_ENTRIES,
      maxEntries: sizes.PARSE_CACHE_SIZE,
      maxBytes: CACHE_BYTE_BOUNDS.parsedDocuments,
      // The text is kept once (the key is the document's source) and its string literals once more, as token values.
      weigh: (text, document) => 2 * stringBytes(text) + tokenCount(document) * BYTES_PER_TOKEN,
    }),
    parseErrors: new SecondSightLru<unknown>({
      ledgerEntries: LEDGER_ENTRIES,
      maxEntries: Math.min(128, sizes.PARSE_CACHE_SIZE),
      maxBytes: CACHE_BYTE_BOUNDS.parseErrors,
      weigh: (text) => stringBytes(text) + 1024,
    }),
    compiledQueries: new CompiledQueries({
      maxEntries: sizes.COMPILED_QUERY_CACHE_SIZE,
      maxBytes: CACHE_BYTE_BOUNDS.compiledQueries,
      compileAfter: sizes.COMPILE_AFTER,
      ledgerEntries: LEDGER_ENTRIES,
    }),
    persistedQueries: new BoundedLru<string, string>({
      maxEntries: sizes.PERSISTED_QUERY_CACHE_SIZE,
      maxBytes: CACHE_BYTE_BOUNDS.persistedQueries,
      weigh: (hash, text) => stringBytes(hash) + stringBytes(text),
    }),
  };
}
