// Prisma CLI configuration. The CLI talks to the database through the same
// driver adapters as the server (no native engine binary is ever needed):
// PostgreSQL when DATABASE_URL is set, otherwise an in-memory PGlite, which
// is enough for `prisma generate` and `prisma migrate diff`.
import { defineConfig } from "prisma/config";

// The schema's datasource needs a url even though the adapter connects; without
// one the CLI falls back to downloading a native engine, which fails offline.
const EMBEDDED = "postgres://embedded@localhost/embedded";
process.env.DATABASE_URL ??= EMBEDDED;

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (url && url !== EMBEDDED) {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return new PrismaPg({ connectionString: url }) as never;
    }
    const { PGlite } = await import("@electric-sql/pglite");
    const { PrismaPGlite } = await import("pglite-prisma-adapter");
    return new PrismaPGlite(new PGlite()) as never;
  },
});
