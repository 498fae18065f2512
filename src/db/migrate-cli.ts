// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database).
import { loadConfig } from "../config.js";
import { openDatabase } from "./client.js";
import { applyMigrations } from "./migrate.js";

const config = loadConfig();
const db = await openDatabase(config.DATABASE_URL ? { kind: "postgres", url: config.DATABASE_URL } : { kind: "pglite", dataDir: config.DATA_DIR });
const applied = await applyMigrations(db.exec);
console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Up to date.");
await db.close();
