// Trusted documents and automatic persisted queries, on yoga's
// persisted-operations plugin.
//
// A request names a stored document by its sha256 hash instead of sending it:
//   {"documentId": "sha256:<hex>", "variables": {...}}                 (GraphQL over HTTP's proposal; the hex alone works too)
//   {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}   (Apollo)
//   GET /graphql?documentId=sha256:<hex>&variables=...                  (queries only)
// Documents come from a manifest ({"sha256:<hex>": "<document>"}, as GraphQL
// Code Generator's client preset writes it with `persistedDocuments: true`).
//
// mode "only": only the manifest's documents run; a request that sends a query
//   is refused (PERSISTED_QUERY_ONLY, HTTP 400), an unknown hash is
//   PERSISTED_QUERY_NOT_FOUND (HTTP 404).
// mode "allow" (default): queries run as usual; hashes of the manifest run; and
//   Apollo's automatic persisted queries work: a hash that is not known yet
//   answers PERSISTED_QUERY_NOT_FOUND, the client resends hash + query, the
//   server checks that the hash is the query's sha256, runs it and, once it
//   validates, remembers it (in memory, least recently used dropped first), so
//   the hash alone works from then on. Remembered: at most
//   PERSISTED_QUERY_CACHE_SIZE documents (1,000) and 8 MB of their text
//   (src/cache/), so a client registering distinct documents cannot grow the
//   process; an evicted hash answers PERSISTED_QUERY_NOT_FOUND again and
//   Apollo's clients resend the query.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "graphql";
import { createGraphQLError, type GraphQLParams, type Plugin } from "graphql-yoga";
import { defaultExtractPersistedOperationId, usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import { ErrorCode } from "./errors.js";
import type { BoundedLru } from "./cache/lru.js";

export type PersistedOperationsMode = "allow" | "only";

/** Where `npm run codegen` writes the example client's manifest. */
export const DEFAULT_MANIFEST_PATH = "examples/gql/persisted-documents.json";

export const PersistedErrorCode = {
  /** Mode "only": the request sent a query instead of a stored document's hash. HTTP 400. */
  PERSISTED_QUERY_ONLY: "PERSISTED_QUERY_ONLY",
  /** No document is stored under the hash (Apollo clients resend with the query on this code). HTTP 404. */
  PERSISTED_QUERY_NOT_FOUND: "PERSISTED_QUERY_NOT_FOUND",
} as const;

export interface PersistedOperationsOptions {
  mode: PersistedOperationsMode;
  /**
   * The manifest: a JSON object of hash → document. Mode "only" refuses to start
   * without it; mode "allow" treats a missing file as empty.
   */
  manifestPath?: string;
  /** Mode "allow": where automatic persisted queries are remembered (hash → document; src/cache/ bounds it). */
  apqCache: Pick<BoundedLru<string, string>, "get" | "set">;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** `sha256:ABC…` and `abc…` name the same document. */
function normalizeId(id: string): string {
  const bare = id.startsWith("sha256:") ? id.slice("sha256:".length) : id;
  return SHA256_HEX.test(bare.toLowerCase()) ? bare.toLowerCase() : bare;
}

/**
 * Reads a persisted-documents manifest: {"<id>": "<document>"}. Every document
 * must parse, and an id of the form `sha256:<hex>` must be its document's sha256.
 */
export function loadPersistedDocuments(path: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read the persisted-documents manifest ${path}: ${(error as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new Error(`The persisted-documents manifest ${path} must be a JSON object of id → document.`);
  }
  const documents = new Map<string, string>();
  for (const [id, document] of Object.entries(json)) {
    if (typeof document !== "string") throw new Error(`Persisted document ${id} in ${path} is not a string.`);
    if (id.startsWith("sha256:") && normalizeId(id) !== sha256(document)) {
      throw new Error(`Persisted document ${id} in ${path} does not hash to its id.`);
    }
    try {
      parse(document);
    } catch (error) {
      throw new Error(`Persisted document ${id} in ${path} does not parse: ${(error as Error).message}`);
    }
    documents.set(normalizeId(id), document);
  }
  return documents;
}

/** `documentId` in a JSON body or (GET) in the URL, else Apollo's `extensions.persistedQuery.sha256Hash`. */
function extractId(params: GraphQLParams, request: Request): string | null {
  const documentId = (params as GraphQLParams & { documentId?: unknown }).documentId;
  if (typeof documentId === "string" && documentId) return normalizeId(documentId);
  const apq = defaultExtractPersistedOperationId(params, request, {});
  if (apq) return normalizeId(apq);
  if (request.method === "GET") {
    const fromUrl = new URL(request.url, "http://localhost").searchParams.get("documentId");
    if (fromUrl) return normalizeId(fromUrl);
  }
  return null;
}

const badRequest = (message: string) => createGraphQLError(message, { extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } });

/**
 * The yoga plugin. Put it before the plugins that look at the document (it
 * swaps a hash for its document before parsing, so limits, authentication and
 * error codes apply to stored documents as to any other).
 */
export function persistedOperationsPlugin(options: PersistedOperationsOptions): Plugin {
  const manifestPath = options.manifestPath ?? DEFAULT_MANIFEST_PATH;
  if (options.mode === "only" && !existsSync(manifestPath)) {
    throw new Error(
      `PERSISTED_OPERATIONS=only needs the persisted-documents manifest, and ${manifestPath} does not exist ` +
        "(run `npm run codegen`, or set PERSISTED_OPERATIONS_MANIFEST).",
    );
  }
  const manifest = existsSync(manifestPath) ? loadPersistedDocuments(manifestPath) : new Map<string, string>();
  const allow = options.mode === "allow";
  const apq = options.apqCache;
  /** Mode "allow": hash + query pairs waiting for validation before they are remembered. */
  const pending = new WeakMap<object, { hash: string; query: string }>();

  // Runs before yoga's plugin: checks an Apollo hash sent with its query.
  const registration: Plugin = {
    onParams({ params, request, context }) {
      if (!allow || typeof params.query !== "string" || !params.query) return;
      const hash = defaultExtractPersistedOperationId(params, request, {});
      if (!hash) return;
      if (normalizeId(hash) !== sha256(params.query)) {
        throw badRequest("`extensions.persistedQuery.sha256Hash` is not the sha256 of the query.");
      }
      pending.set(context, { hash: normalizeId(hash), query: params.query });
    },
    onValidate({ context }) {
      const registering = pending.get(context);
      if (!registering) return;
      return ({ valid }) => {
        if (valid && !manifest.has(registering.hash)) apq.set(registering.hash, registering.query);
      };
    },
  };

  const persisted: Plugin = usePersistedOperations({
    allowArbitraryOperations: allow,
    extractPersistedOperationId: (params, request) => extractId(params, request),
    getPersistedOperation: (id) => manifest.get(id) ?? (allow ? apq.get(id) : undefined) ?? null,
    customErrors: {
      persistedQueryOnly: {
        message:
          "This server runs only trusted documents: send a persisted document's hash (`documentId`, or Apollo's " +
          "`extensions.persistedQuery.sha256Hash`) instead of a query.",
        extensions: { code: PersistedErrorCode.PERSISTED_QUERY_ONLY, http: { status: 400 } },
      },
      notFound: {
        message: allow
          ? "PersistedQueryNotFound: no document is stored under this hash; send the query with it once."
          : "PersistedQueryNotFound: no trusted document has this hash.",
        extensions: { code: PersistedErrorCode.PERSISTED_QUERY_NOT_FOUND, http: { status: 404 } },
      },
      keyNotFound: allow
        ? { message: "Must provide query string.", extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } }
        : {
            message: "Must provide a persisted document's hash (`documentId`, or Apollo's `extensions.persistedQuery.sha256Hash`).",
            extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
          },
    },
  });

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(registration);
      addPlugin(persisted);
    },
  };
}
