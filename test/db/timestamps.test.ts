// db.sql parses PostgreSQL's timestamptz text with V8's ISO parser (faster than
// pg's); it must give exactly the Date pg's own parser gives, for every shape
// PostgreSQL prints, and the same instants through db.sql as through Prisma.
import { describe, expect, it } from "vitest";
import pg from "pg";
import { parseTimestamptz } from "../../src/db/client.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import { setupTestApp } from "../helpers/app.js";

const pgParse = pg.types.getTypeParser(1184, "text") as (value: string) => Date | number;

describe("parseTimestamptz", () => {
  it.each([
    "2026-11-29 21:30:38.123+00",
    "2026-11-29 21:30:38+00",
    "2026-11-29 21:30:38.1+00",
    "2026-11-29 21:30:38.123456+05:30",
    "2026-11-29 21:30:38-08",
    "1999-12-31 23:59:59.999+14",
    "0044-03-15 12:00:00+00 BC",
    "1900-01-01 00:00:00+00:09:21",
    "infinity",
    "-infinity",
  ])("reads %s as pg does", (value) => {
    const ours = parseTimestamptz(value);
    const theirs = pgParse(value);
    expect(ours instanceof Date ? ours.getTime() : ours).toEqual(theirs instanceof Date ? theirs.getTime() : theirs);
  });
});

describe("db.sql and Prisma agree on instants", () => {
  it("returns the same Date for a stored timestamptz", async () => {
    const t = await setupTestApp();
    const user = await t.fixtures.user();
    const [row] = await t.db.sql<{ createdAt: Date }>(Prisma.sql`SELECT "createdAt" FROM "User" WHERE id = ${user.id}`);
    const viaPrisma = await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(row.createdAt.getTime()).toBe(viaPrisma.createdAt.getTime());
  });
});
