// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database, which
// the server also migrates at every start). Exits 1 with one line when it cannot (e.g. the embedded
// database is open in the server).
import { loadConfig } from "../config.js";
import { openDatabase, openEmbeddedDatabase } from "./client.js";
import { applyMigrations } from "./migrate.js";

try {
  const config = loadConfig();
  const db = config.DATABASE_URL
    ? await openDatabase({ kind: "postgres", url: config.DATABASE_URL })
    : await openEmbeddedDatabase(config.DATA_DIR, { role: "migrate" });
  try {
    const applied = await applyMigrations(db.exec);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Up to date.");
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(`Cannot migrate: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DEBUG_ERRORS) console.error(error);
  process.exitCode = 1;
}
