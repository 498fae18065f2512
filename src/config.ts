// Environment variables, parsed and validated once at start.
import { z } from "zod";

/** The size and depth limits of JSON settings when the configuration does not say (src/domain/settings/validation.ts). */
export const DEFAULT_JSON_SETTING_LIMITS = { maxBytes: 65_536, maxDepth: 16 } as const;

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("0.0.0.0"),
  /** A postgres:// URL selects a PostgreSQL server; unset selects the embedded PGlite database. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL")
    .optional(),
  /** Where the embedded database keeps its files between runs. */
  DATA_DIR: z.string().default(".data/pglite"),
  /** Signs live-events tokens; a random per-process secret when unset. */
  LIVE_EVENTS_SECRET: z.string().min(16).optional(),
  /** Seed demo data on start when the embedded database is empty (default: on, off under NODE_ENV=production). */
  SEED_DEMO: z.enum(["true", "false"]).optional(),
  /** Serve GraphiQL at GET /graphql (default: on, off under NODE_ENV=production). */
  GRAPHIQL: z.enum(["true", "false"]).optional(),
  /**
   * Who may run introspection: `public` = anyone, with or without a key (GraphiQL loads its docs before a key is
   * pasted); `authenticated` = only requests with a valid key. Default: public, authenticated under NODE_ENV=production.
   */
  INTROSPECTION: z.enum(["public", "authenticated"]).optional(),
  /**
   * The web origins whose pages may call the API cross-origin (CORS, and the Origin of a WebSocket), comma-separated,
   * e.g. `https://app.example.com,http://localhost:3000`; `*` allows any. Default: any, none under NODE_ENV=production.
   */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value, ctx) => parseCorsOrigins(value, ctx)),
  /** Request limits (see README "Limits"). */
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  MAX_TOKENS: z.coerce.number().int().min(100).default(3000),
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(25000),
  /**
   * How deeply brackets may nest in a document (selections, arguments, list and object literals) and in the variables, checked before
   * parsing (at most 512: deeper, graphql-js's recursive parser can overflow the stack).
   */
  MAX_INPUT_NESTING: z.coerce.number().int().min(8).max(512).default(64),
  /** The largest request body, in bytes (HTTP 413 above it). */
  MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** The largest value of a JSON setting (e.g. extraSettings), in bytes of its JSON text. */
  MAX_JSON_SETTING_BYTES: z.coerce.number().int().min(64).default(DEFAULT_JSON_SETTING_LIMITS.maxBytes),
  /** How deeply a JSON setting's objects and arrays may nest. */
  MAX_JSON_SETTING_DEPTH: z.coerce.number().int().min(1).max(64).default(DEFAULT_JSON_SETTING_LIMITS.maxDepth),
  /** Node's server: how long a client has to send its headers, and its whole request, before the connection is dropped (slow senders). */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How long an idle keep-alive connection stays open. */
  KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(5_000),
  /** Any value but "0" or "false" adds the stack to each fault's log line (and logs faults under NODE_ENV=test). */
  DEBUG_ERRORS: z
    .string()
    .optional()
    .transform((v) => v !== undefined && v !== "" && v !== "0" && v !== "false"),
  /**
   * Trusted documents (README "Typed clients"): `allow` runs queries, stored documents and automatic persisted queries; `only` runs only
   * the manifest's documents.
   */
  PERSISTED_OPERATIONS: z.enum(["allow", "only"]).default("allow"),
  /** The persisted-documents manifest (sha256 hash → document) that `npm run codegen` writes. */
  PERSISTED_OPERATIONS_MANIFEST: z.string().default("examples/gql/persisted-documents.json"),
});

/** Any origin, or the listed ones (none when empty). */
export type CorsOrigins = "*" | string[];

/** `*`, or a list of origins (scheme://host[:port], no path), normalized as browsers send them in `Origin`. */
function parseCorsOrigins(value: string | undefined, ctx: z.RefinementCtx): CorsOrigins | undefined {
  if (value === undefined) return undefined;
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.includes("*")) return "*";
  const origins: string[] = [];
  for (const entry of entries) {
    let url: URL | null = null;
    try {
      url = new URL(entry);
    } catch {
      // reported below
    }
    // An origin has no path, query or credentials: `https://app.example.com/` is accepted as the origin it names.
    if (
      !url ||
      !/^https?:$/.test(url.protocol) ||
      url.username ||
      url.password ||
      url.search ||
      url.hash ||
      (url.pathname !== "/" && url.pathname !== "")
    ) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(entry)} is not an origin: write scheme://host[:port], e.g. https://app.example.com`,
      });
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
}

/**
 * Production mode: what is off unless named. Development (and tests) keep the
 * friendly defaults: GraphiQL, keyless introspection, demo data and its key,
 * any origin. An explicit setting wins in every mode.
 */
function applyModeDefaults<T extends z.infer<typeof schema>>(config: T) {
  const production = config.NODE_ENV === "production";
  return {
    ...config,
    SEED_DEMO: config.SEED_DEMO ?? (production ? "false" : "true"),
    GRAPHIQL: config.GRAPHIQL ?? (production ? "false" : "true"),
    INTROSPECTION: config.INTROSPECTION ?? (production ? "authenticated" : "public"),
    CORS_ORIGINS: config.CORS_ORIGINS ?? (production ? [] : "*"),
  };
}

export type Config = ReturnType<typeof applyModeDefaults>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return applyModeDefaults(parsed.data);
}

/** Whether demo data and the demo key are wanted: never under NODE_ENV=production (a key with every scope is not a production thing). */
export function demoKeyWanted(config: Pick<Config, "NODE_ENV" | "SEED_DEMO">): boolean {
  return config.NODE_ENV !== "production" && config.SEED_DEMO === "true";
}

/**
 * A message with the configured secrets blanked out, for anything printed
 * before or outside the request path (a start-up failure can quote a
 * connection string): the password of DATABASE_URL and LIVE_EVENTS_SECRET.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const secrets: string[] = [];
  if (env.LIVE_EVENTS_SECRET) secrets.push(env.LIVE_EVENTS_SECRET);
  if (env.DATABASE_URL) {
    try {
      const password = new URL(env.DATABASE_URL).password;
      if (password) secrets.push(password, decodeURIComponent(password));
    } catch {
      // not a URL: nothing to find in it
    }
  }
  let redacted = text;
  for (const secret of secrets.filter((s) => s.length >= 4)) redacted = redacted.split(secret).join("***");
  return redacted;
}
