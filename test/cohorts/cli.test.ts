// The cohorts area's operator commands: person:create and cohort:recalculate,
// run through the CLI's entry point against this file's database.
import { describe, expect, it, vi } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { runCli } from "../../src/cli/index.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { waitForCohortCalculations } from "../../src/domain/cohorts/calculation.js";
import { cliOn } from "../helpers/cli.js";

const t = await setupTestApp();
const prisma = t.db.prisma;
const { environment: env } = await insertProject(prisma, t.org.id, "Cohort CLI");

const cli = cliOn(t.db);

const paidCohort = () =>
  prisma.cohort.create({
    data: {
      environmentId: env.id,
      name: "Paid",
      isStatic: false,
      cohortType: "person_property",
      filters: { properties: { type: "AND", values: [{ type: "person", key: "plan", value: "paid", operator: "exact" }] } },
      version: 1,
      pendingVersion: 1,
    },
  });

describe("cohort:recalculate", () => {
  it("counts the persons created since, under the next version", async () => {
    const cohort = await paidCohort();
    expect(
      (await cli("person:create", "--environment", String(env.id), "--distinct-id", "p1", "--properties", '{"plan":"paid"}')).code,
    ).toBe(0);
    expect(
      (await cli("person:create", "--environment", String(env.id), "--distinct-id", "p2", "--properties", '{"plan":"free"}')).code,
    ).toBe(0);
    const res = await cli("cohort:recalculate", "--id", String(cohort.id));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("1 members (version 2)");
    const after = await prisma.cohort.findUniqueOrThrow({ where: { id: cohort.id } });
    expect({
      count: after.count,
      version: after.version,
      pendingVersion: after.pendingVersion,
      isCalculating: after.isCalculating,
    }).toEqual({
      count: 1,
      version: 2,
      pendingVersion: 2,
      isCalculating: false,
    });
  });

  it("then recalculates the cohorts referring to it, in the order of the references", async () => {
    const paid = await paidCohort();
    const ref = (id: number) => ({ properties: { type: "AND", values: [{ type: "cohort", key: "id", value: id }] } });
    const b = await prisma.cohort.create({
      data: { environmentId: env.id, name: "B", filters: ref(paid.id), version: 1, pendingVersion: 1 },
    });
    const c = await prisma.cohort.create({ data: { environmentId: env.id, name: "C", filters: ref(b.id), version: 1, pendingVersion: 1 } });
    expect(
      (await cli("person:create", "--environment", String(env.id), "--distinct-id", "p3", "--properties", '{"plan":"paid"}')).code,
    ).toBe(0);
    const res = await cli("cohort:recalculate", "--id", String(paid.id));
    expect(res.code, res.stderr).toBe(0);
    const paying = await prisma.person.findMany({ where: { environmentId: env.id, properties: { path: ["plan"], equals: "paid" } } });
    for (const id of [paid.id, b.id, c.id]) {
      expect(await prisma.cohort.findUniqueOrThrow({ where: { id } })).toMatchObject({
        count: paying.length,
        version: 2,
        isCalculating: false,
      });
      expect(await prisma.cohortPerson.count({ where: { cohortId: id } })).toBe(paying.length);
    }
  });

  it("refuses a deleted or static cohort and changes nothing", async () => {
    const deleted = await paidCohort();
    await prisma.cohort.update({ where: { id: deleted.id }, data: { deleted: true } });
    const fixed = await prisma.cohort.create({ data: { environmentId: env.id, name: "Fixed", isStatic: true, cohortType: "static" } });
    for (const cohort of [deleted, fixed]) {
      const before = await prisma.cohort.findUniqueOrThrow({ where: { id: cohort.id } });
      const res = await cli("cohort:recalculate", "--id", String(cohort.id));
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(new RegExp(`Cohort ${cohort.id} is static|No cohort ${cohort.id}`));
      expect(await prisma.cohort.findUniqueOrThrow({ where: { id: cohort.id } })).toEqual(before);
    }
  });

  it("gives concurrent recalculations distinct versions, the newest one wins", async () => {
    const cohort = await paidCohort();
    // One spy around all five (cli()'s own spies would overlap).
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const codes = await Promise.all(
      Array.from({ length: 5 }, () => runCli(["cohort:recalculate", "--id", String(cohort.id)], { database: t.db })),
    );
    log.mockRestore();
    await waitForCohortCalculations();
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    const after = await prisma.cohort.findUniqueOrThrow({ where: { id: cohort.id } });
    expect(after.pendingVersion).toBe(6);
    expect(after.version).toBe(6);
    expect(after.isCalculating).toBe(false);
  });
});
