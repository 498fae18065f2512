// Prepares the databases every test file clones: a migrated PGlite data
// directory (dumped to a file) and, for the `postgres` project, a real
// PostgreSQL server with a migrated template database.
import { mkdirSync, writeFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../src/db/client.js";
import { applyMigrations } from "../src/db/migrate.js";
import { startPostgresServer } from "./helpers/postgres-server.js";

export const PGLITE_TEMPLATE = ".data/test/pglite-template.tar.gz";
export const PG_TEMPLATE_DB = "app_template";

export default async function setup(project: TestProject) {
  if (process.env.TEST_DB === "postgres" || project.config.env?.TEST_DB === "postgres") {
    const server = await startPostgresServer("test");
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${PG_TEMPLATE_DB}`);
    await admin.end();
    const db = await openDatabase({ kind: "postgres", url: server.url(PG_TEMPLATE_DB), poolSize: 1 });
    await applyMigrations(db.exec);
    await db.close();
    project.provide("postgresUrl", server.url());
    return () => server.stop();
  }
  const db = await openDatabase({ kind: "pglite" });
  await applyMigrations(db.exec);
  const dump = await db.pglite!.dumpDataDir("gzip");
  await db.close();
  mkdirSync(".data/test", { recursive: true });
  writeFileSync(PGLITE_TEMPLATE, Buffer.from(await dump.arrayBuffer()));
  project.provide("postgresUrl", "");
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
