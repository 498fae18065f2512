// Applies prisma/migrations/*/migration.sql in order, once each, recording
// them in "_migrations". The same runner serves PGlite (at every start) and
// PostgreSQL (`npm run db:migrate`), so both get exactly the same SQL.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export interface SqlExecutor {
  script(sql: string): Promise<void>;
  /** `name`: send it as this named (prepared) statement where the driver can (PostgreSQL; see src/db/prepared-statements.ts). */
  query(sql: string, params?: unknown[], name?: string): Promise<Record<string, unknown>[]>;
}

/** The folder holding package.json, found upwards from this module (it runs from src/ or from the built dist/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const MIGRATIONS_DIR = join(projectRoot(), "prisma/migrations");

export function listMigrations(dir = MIGRATIONS_DIR): { name: string; sql: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name, "migration.sql"), "utf8") }));
}

/** Returns the names of the migrations it applied (empty when up to date). */
export async function applyMigrations(db: SqlExecutor): Promise<string[]> {
  await db.script(`CREATE TABLE IF NOT EXISTS "_migrations" (
    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Set((await db.query(`SELECT name FROM "_migrations"`)).map((r) => String(r.name)));
  const applied: string[] = [];
  for (const migration of listMigrations()) {
    if (done.has(migration.name)) continue;
    // One transaction per migration: a failing migration leaves nothing behind.
    await db.script(`BEGIN;\n${migration.sql}\nINSERT INTO "_migrations"(name) VALUES ('${migration.name.replace(/'/g, "''")}');\nCOMMIT;`);
    applied.push(migration.name);
  }
  return applied;
}
