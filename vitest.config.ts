// Two projects run the same tests: on the embedded PGlite database, and on a
// real PostgreSQL server started on loopback (when its binaries are present;
// .ci/run installs them when missing, so CI always runs both).
import { configDefaults, defineConfig } from "vitest/config";
import { createRequire } from "node:module";
import { findPostgresBin } from "./test/helpers/postgres-server.js";

// graphql 16 ships an ESM and a CJS build. Node (and so every dependency)
// loads the CJS one; without this alias Vite would hand our sources the ESM
// one, and two GraphQL realms cannot share a schema.
const graphqlCjs = createRequire(import.meta.url).resolve("graphql");

/** What the database projects never run: scratch copies, data folders, the benchmark, and the unit tier. */
const dbExclude = [...configDefaults.exclude, "scratch/**", ".data/**", "bench/**", "test/unit/**"];

const withPostgres = process.env.TEST_DB !== "pglite" && findPostgresBin() !== null;

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlCjs }] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time on this 2-core machine (vitest's default is cores − 1: one). A database test waits on
    // PostgreSQL, a spawned server or the disk for part of its time (three measured no faster: the cores are busy).
    maxWorkers: 2,
    // Scratch copies and data folders are never test sources.
    exclude: [...configDefaults.exclude, "scratch/**", ".data/**", "bench/**"],
    env: { NODE_ENV: "test" },
    projects: [
      // Pure rules (policy, scopes, diffs, page windows, ...): no database, run once; nothing to isolate.
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], isolate: false } },
      {
        extends: true,
        test: {
          name: "pglite",
          // Files share a worker's loaded modules (loading them is most of a file's cost: ~200 s → ~75 s of imports):
          // each file opens its own database and app, and the modules' own state (the schema, caches) is the same for all.
          isolate: false,
          exclude: [...dbExclude],
          env: { TEST_DB: "pglite", NODE_ENV: "test" },
          globalSetup: ["test/global-setup.ts"],
        },
      },
      ...(withPostgres
        ? [
            {
              extends: true as const,
              test: {
                name: "postgres",
                isolate: false, // as the pglite project
                exclude: [...dbExclude],
                env: { TEST_DB: "postgres", NODE_ENV: "test" },
                globalSetup: ["test/global-setup.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
