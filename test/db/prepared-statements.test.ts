// On PostgreSQL db.sql sends a repeated statement as a named (prepared) one: the answers stay
// the same, and a statement whose result changed shape under it (a migration while the server
// runs) is answered by running it again unnamed, not by an error.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "../../src/db/client.js";
import { Prisma } from "../../src/generated/prisma/client.js";

describe.runIf(process.env.TEST_DB === "postgres")("prepared statements on PostgreSQL", () => {
  let db: Database;
  beforeAll(async () => {
    const serverUrl = inject("postgresUrl");
    const name = `t_${randomBytes(6).toString("hex")}`;
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    // One connection: every run meets the statement that connection prepared.
    db = await openDatabase({ kind: "postgres", url: serverUrl.replace(/\/[^/]*$/, `/${name}`), poolSize: 1 });
  });
  afterAll(() => db?.close());

  it("prepares a repeated statement, answers the same, and survives a change of the table's columns", async () => {
    await db.exec.script(`CREATE TABLE shape (id int PRIMARY KEY, label text); INSERT INTO shape VALUES (1, 'one')`);
    const read = () => db.sql<Record<string, unknown>>(Prisma.sql`SELECT * FROM shape WHERE id = ${1}`);
    expect(await read()).toEqual([{ id: 1, label: "one" }]);
    expect(await read()).toEqual([{ id: 1, label: "one" }]); // named from here on
    const [prepared] = await db.sql<{ count: number }>(
      Prisma.sql`SELECT count(*)::int AS count FROM pg_prepared_statements WHERE statement LIKE ${"SELECT * FROM shape%"}`,
    );
    expect(prepared.count).toBe(1);

    await db.exec.script(`ALTER TABLE shape ADD COLUMN extra int DEFAULT 7`);
    expect(await read()).toEqual([{ id: 1, label: "one", extra: 7 }]);
    expect(await read()).toEqual([{ id: 1, label: "one", extra: 7 }]);
  });
});
