// Which statements db.sql prepares on PostgreSQL (src/db/prepared-statements.ts): a text at its
// second sighting, never more than the limit, never a name twice.
import { describe, expect, it } from "vitest";
import { PreparedStatements } from "../../../src/db/prepared-statements.js";

describe("PreparedStatements", () => {
  it("names a text at its second sighting, and keeps its name", () => {
    const prepared = new PreparedStatements(10);
    expect(prepared.nameFor("SELECT 1")).toBeUndefined();
    const name = prepared.nameFor("SELECT 1");
    expect(name).toMatch(/^db_sql_\d+$/);
    expect(prepared.nameFor("SELECT 1")).toBe(name);
    expect(prepared.nameFor("SELECT 2")).toBeUndefined();
  });

  it("names at most `limit` texts; later ones run unnamed, the named ones keep their names", () => {
    const prepared = new PreparedStatements(3);
    const names = new Set<string>();
    for (let n = 0; n < 50; n += 1) {
      for (let k = 0; k < 3; k += 1) {
        const name = prepared.nameFor(`SELECT ${n}`);
        if (name) names.add(name);
      }
    }
    expect(names.size).toBe(3);
    expect(prepared.size).toBe(3);
    expect(prepared.nameFor("SELECT 0")).toBe("db_sql_1");
    expect(prepared.nameFor("SELECT 49")).toBeUndefined();
  });

  it("never gives a name twice, even to a text it forgot (a connection keeps the old statement under it)", () => {
    const prepared = new PreparedStatements(2);
    prepared.nameFor("SELECT a");
    const first = prepared.nameFor("SELECT a");
    prepared.forget("SELECT a");
    prepared.nameFor("SELECT a");
    const second = prepared.nameFor("SELECT a");
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    // Both names count: the limit is reached.
    prepared.nameFor("SELECT b");
    expect(prepared.nameFor("SELECT b")).toBeUndefined();
  });

  it("names nothing with a limit of 0", () => {
    const prepared = new PreparedStatements(0);
    for (let k = 0; k < 5; k += 1) expect(prepared.nameFor("SELECT 1")).toBeUndefined();
  });

  it("does not count sightings of statements sent once without bound", () => {
    const prepared = new PreparedStatements(5);
    // 5,000 texts sent once each: none is named, and the one sent twice after them still is.
    for (let n = 0; n < 5000; n += 1) expect(prepared.nameFor(`SELECT ${n} /* once */`)).toBeUndefined();
    prepared.nameFor("SELECT 'hot'");
    expect(prepared.nameFor("SELECT 'hot'")).toBe("db_sql_1");
  });
});
