// db.sql parses PostgreSQL's timestamptz text digit by digit (faster than pg's
// parser and V8's); it must give exactly the Date pg's own parser gives, for
// every shape PostgreSQL prints, and the same instants through db.sql as through Prisma.
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
    "0099-12-31 23:59:59+00",
    "0100-01-01 00:00:00+00",
    "2024-02-29 12:00:00.5+00",
    "2026-11-29 21:30:38.999999+00",
    "2026-11-29 21:30:38.000001-03:30",
    "9999-12-31 23:59:59.999+00",
    "10000-01-01 00:00:00+00",
    "infinity",
    "-infinity",
  ])("reads %s as pg does", (value) => {
    const ours = parseTimestamptz(value);
    const theirs = pgParse(value);
    expect(ours instanceof Date ? ours.getTime() : ours).toEqual(theirs instanceof Date ? theirs.getTime() : theirs);
  });
});

describe("parseTimestamptz on many instants", () => {
  it("reads 10,000 instants, fractions and offsets as pg does", () => {
    let seed = 7;
    const next = (limit: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % limit;
    };
    const pad = (v: number, width = 2) => String(v).padStart(width, "0");
    for (let k = 0; k < 10_000; k += 1) {
      const date = new Date(Date.UTC(100 + next(9900), next(12), 1 + next(28), next(24), next(60), next(60)));
      const fraction = ["", ".1", ".12", ".123", ".1234", ".123456", `.${pad(next(1000), 3)}`][next(7)];
      const offset = ["+00", "-08", "+05:30", "-03:30", "+14"][next(5)];
      const text = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction}${offset}`;
      expect(parseTimestamptz(text).getTime(), text).toBe((pgParse(text) as Date).getTime());
    }
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
