// Environment variables, parsed and validated once at start.
import { z } from "zod";

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
  /** Seed demo data on start when the embedded database is empty. */
  SEED_DEMO: z.enum(["true", "false"]).default("true"),
  /** Request limits (see README "Limits"). */
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  MAX_TOKENS: z.coerce.number().int().min(100).default(3000),
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(25000),
  /** Trusted documents (README "Typed clients"): `allow` runs queries, stored documents and automatic persisted queries; `only` runs only the manifest's documents. */
  PERSISTED_OPERATIONS: z.enum(["allow", "only"]).default("allow"),
  /** The persisted-documents manifest (sha256 hash → document) that `npm run codegen` writes. */
  PERSISTED_OPERATIONS_MANIFEST: z.string().default("examples/gql/persisted-documents.json"),
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
