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
  /**
   * Memory (README "Memory"; sizes per entry in src/cache/index.ts): parsed documents kept (also bounded to 24 MB in all), compiled
   * queries kept (48 MB; 0 turns compiled execution off), the execution at which a query is compiled (1: at once), automatic persisted
   * queries remembered (8 MB).
   */
  PARSE_CACHE_SIZE: z.coerce.number().int().min(0).default(512),
  COMPILED_QUERY_CACHE_SIZE: z.coerce.number().int().min(0).default(128),
  COMPILE_AFTER: z.coerce.number().int().min(1).default(2),
  PERSISTED_QUERY_CACHE_SIZE: z.coerce.number().int().min(0).default(1000),
  /**
   * On PostgreSQL, how many of db.sql's statement texts may be sent as named (prepared) statements, each parsed and
   * planned once per connection (src/db/prepared-statements.ts); 0 sends every statement unnamed.
   */
  PREPARED_STATEMENTS: z.coerce.number().int().min(0).max(10_000).default(100),
  /**
   * The server runs one full garbage collection once it has been quiet this long after serving requests, so that the
   * memory a burst used is given back (src/http/idle-collection.ts); 0 turns it off.
   */
  IDLE_COLLECT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  /** PostgreSQL's buffer cache inside the embedded database (src/db/client.ts): `16MB` by default, PostgreSQL's own is 128MB. */
  PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^\d+(kB|MB|GB)$/, "PGLITE_SHARED_BUFFERS is a size with its unit, e.g. 16MB")
    .default("16MB"),
  /** Rate limits (README "Rate limits"): `off` turns off both the cost budgets and the failed-authentication limit. */
  RATE_LIMIT: z.enum(["on", "off"]).default("on"),
  /** Cost points each API key (and each client address without a key) may spend per window. Default 5000; see TEST_RATE_LIMITS. */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(1).max(1_000_000_000).optional(),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  /**
   * How much of a request's cost (README "Limits and cost") makes one point: GitHub divides by 100 too. A request costs
   * its cost divided by this, rounded up, and at least 1 point: the nested read of 2,600 objects costs 27 of the 5,000.
   */
  RATE_LIMIT_COST_PER_POINT: z.coerce.number().int().min(1).default(100),
  /** Failed authentications a client address may make per window before it is refused (429) without its key being looked up. */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(1_000_000_000).optional(),
  AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** The least severe log line written (pino's levels). Default: info; silent under NODE_ENV=test (faults only with DEBUG_ERRORS). */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  /** Prometheus metrics at GET /metrics. Default: on in development, off in production (where it needs METRICS_TOKEN) and tests. */
  METRICS: z.enum(["on", "off"]).optional(),
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (required for METRICS=on in production). */
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
  /** OpenTelemetry traces are exported by OTLP over HTTP to this collector (e.g. http://localhost:4318); unset: no tracing at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
});

/** The rate-limit budgets under NODE_ENV=test when not set: out of any test's reach (limits stay on, so every test runs through them). */
export const TEST_RATE_LIMITS = 1_000_000_000;

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
    // Tests make hundreds of requests with a few keys, and all of yoga.fetch's requests share one address: a budget
    // no test file reaches, unless the test sets its own (test/http/rate-limit.test.ts).
    RATE_LIMIT_POINTS: config.RATE_LIMIT_POINTS ?? (config.NODE_ENV === "test" ? TEST_RATE_LIMITS : 5000),
    AUTH_FAILURE_LIMIT: config.AUTH_FAILURE_LIMIT ?? (config.NODE_ENV === "test" ? TEST_RATE_LIMITS : 10),
    // Tests turn them on where they read them (each test app would otherwise count every request of the suite).
    METRICS: config.METRICS ?? (config.NODE_ENV === "development" ? "on" : "off"),
  };
}

export type Config = ReturnType<typeof applyModeDefaults>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const config = applyModeDefaults(parsed.data);
  // /metrics tells the request rates, error codes and operation names: never open to the internet by accident.
  if (config.NODE_ENV === "production" && config.METRICS === "on" && !config.METRICS_TOKEN) {
    throw new Error(
      "Invalid configuration:\n  METRICS: METRICS=on under NODE_ENV=production needs METRICS_TOKEN (scrapers send it as a bearer token)",
    );
  }
  return config;
}

/** Whether demo data and the demo key are wanted: never under NODE_ENV=production (a key with every scope is not a production thing). */
export function demoKeyWanted(config: Pick<Config, "NODE_ENV" | "SEED_DEMO">): boolean {
  return config.NODE_ENV !== "production" && config.SEED_DEMO === "true";
}

/**
 * A message with the configured secrets blanked out, for anything printed
 * before or outside the request path (a start-up failure can quote a
 * connection string): the password of DATABASE_URL, LIVE_EVENTS_SECRET and METRICS_TOKEN.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const secrets: string[] = [];
  if (env.LIVE_EVENTS_SECRET) secrets.push(env.LIVE_EVENTS_SECRET);
  if (env.METRICS_TOKEN) secrets.push(env.METRICS_TOKEN);
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
