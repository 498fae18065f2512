// A static cohort's persons, through the HTTP handler: addPersonsToStaticCohort
// and removePersonsFromStaticCohort (PostHog's add_persons_to_static_cohort and
// remove_person_from_static_cohort, restated from posthog/api/test/
// test_cohort.py: test_remove_person_from_static_cohort, ..._validation_errors,
// test_filter_by_static_cohort) and the paginated Cohort.persons. Idempotent
// (adding a member again, removing a non-member: nothing changes, nothing is
// logged), refused on dynamic cohorts, unknown ids are userErrors, and a
// refusal writes nothing.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { encodeId } from "../../src/domain/ids.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { waitForCohortCalculations } from "../../src/domain/cohorts/calculation.js";

const t = await setupTestApp();
const prisma = t.db.prisma;

// A plain member (level 1): members change cohorts.
const member = await t.fixtures.user();
await prisma.organizationMembership.create({ data: { organizationId: t.org.id, userId: member.id, level: MembershipLevel.MEMBER } });
const memberKey = await t.fixtures.key(member.id);

const { environment: env } = await insertProject(prisma, t.org.id, "Static persons");
const { environment: elsewhere } = await insertProject(prisma, t.org.id, "Elsewhere");
const stranger = await t.fixtures.user();
const otherOrg = await t.fixtures.organization(undefined, [{ userId: stranger.id, level: MembershipLevel.OWNER }]);
const foreign = await insertProject(prisma, otherOrg.id, "Foreign");

let seq = 0;
const person = (environmentId: number, distinctIds: string[], properties: Record<string, unknown> = {}) => {
  seq += 1;
  return prisma.person.create({
    data: { environmentId, distinctIds, properties: properties as never, createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, seq)) },
  });
};
const ada = await person(env.id, ["ada", "ada@hogflix.com"], { email: "ada@hogflix.com" });
const grace = await person(env.id, ["grace"], { email: "grace@navy.mil" });
const linus = await person(env.id, ["linus"], { plan: "free" });
// Same distinct id in another environment (PostHog's "team leakage" case): never this cohort's.
const adaElsewhere = await person(elsewhere.id, ["ada"]);

const ERRORS = `userErrors { field message code }`;
const ADD = `mutation($input: AddPersonsToStaticCohortInput!) { addPersonsToStaticCohort(input: $input) {
  cohort { databaseId count isStatic } ${ERRORS} } }`;
const REMOVE = `mutation($input: RemovePersonsFromStaticCohortInput!) { removePersonsFromStaticCohort(input: $input) {
  cohort { databaseId count isStatic } ${ERRORS} } }`;
const PERSONS = `query($id: ID!, $first: Int, $after: String, $last: Int) { cohort(id: $id) {
  persons(first: $first, after: $after, last: $last) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { uuid distinctIds properties createdAt } } } }`;

async function ok(query: string, variables?: Record<string, unknown>, key?: string) {
  const res = await t.gql(query, variables, key ? { key } : undefined);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as any;
}
const add = async (input: Record<string, unknown>, key?: string) => (await ok(ADD, { input }, key)).addPersonsToStaticCohort;
const remove = async (input: Record<string, unknown>, key?: string) => (await ok(REMOVE, { input }, key)).removePersonsFromStaticCohort;

const staticCohort = async (name: string, environmentId = env.id) =>
  prisma.cohort.create({ data: { environmentId, name, isStatic: true, cohortType: "static", count: 0 } });
const members = async (cohortId: number) =>
  (await prisma.cohortPerson.findMany({ where: { cohortId } })).map((m) => m.personId).sort((a, b) => a - b);
const ids = (...persons: { id: number }[]) => persons.map((p) => p.id).sort((a, b) => a - b);
const activity = (cohortId: number) =>
  prisma.activityLog.findMany({ where: { scope: "Cohort", itemId: String(cohortId) }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
const rowCounts = async () => ({
  cohorts: await prisma.cohort.count(),
  members: await prisma.cohortPerson.count(),
  activity: await prisma.activityLog.count(),
});

describe("adding and removing a static cohort's persons", () => {
  it("adds by UUID and by distinct id, only the cohort's environment's persons; adding again changes nothing", async () => {
    const c = await staticCohort("Hand picked");
    const first = await add({ id: encodeId("Cohort", c.id), personIds: [grace.uuid.toUpperCase()], distinctIds: ["ada"] }, memberKey);
    expect(first).toEqual({ cohort: { databaseId: c.id, count: 2, isStatic: true }, userErrors: [] });
    expect(await members(c.id)).toEqual(ids(ada, grace));
    expect(await members(c.id)).not.toContain(adaElsewhere.id);

    // Again, by the other ids of the same persons: nothing changes, nothing is logged.
    const before = await rowCounts();
    const again = await add({ id: String(c.id), personIds: [ada.uuid], distinctIds: ["ada@hogflix.com", "grace"] });
    expect(again).toEqual({ cohort: { databaseId: c.id, count: 2, isStatic: true }, userErrors: [] });
    expect(await rowCounts()).toEqual(before);

    const entries = await activity(c.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ activity: "persons_added_manually", userId: member.id, environmentId: env.id, scope: "Cohort" });
    expect((entries[0].detail as any).changes).toEqual([{ type: "Cohort", action: "changed", field: "count", before: 0, after: 2 }]);
    expect((entries[0].detail as any).context).toEqual({ personsAdded: 2 });
  });

  it("removes by UUID or distinct id, only those persons; removing a non-member changes nothing", async () => {
    const c = await staticCohort("To trim");
    await add({ id: String(c.id), distinctIds: ["ada", "grace", "linus"] });
    const removed = await remove({ id: String(c.id), personIds: [ada.uuid] }, memberKey);
    expect(removed).toEqual({ cohort: { databaseId: c.id, count: 2, isStatic: true }, userErrors: [] });
    expect(await members(c.id)).toEqual(ids(grace, linus));

    const before = await rowCounts();
    const again = await remove({ id: String(c.id), distinctIds: ["ada@hogflix.com"] });
    expect(again.userErrors).toEqual([]);
    expect(await rowCounts()).toEqual(before);

    await remove({ id: String(c.id), distinctIds: ["grace", "linus"] });
    expect(await members(c.id)).toEqual([]);
    expect((await activity(c.id)).map((e) => [e.activity, (e.detail as any).changes[0].after])).toEqual([
      ["persons_added_manually", 3],
      ["person_removed_manually", 2],
      ["person_removed_manually", 0],
    ]);
  });

  it("refuses a dynamic cohort (CONFLICT) and writes nothing", async () => {
    const dynamic = await prisma.cohort.create({
      data: {
        environmentId: env.id,
        name: "Dynamic",
        filters: { properties: { type: "AND", values: [{ type: "person", key: "plan", operator: "is_set" }] } },
      },
    });
    const before = await rowCounts();
    for (const [mutation, verb] of [
      [add, "added"],
      [remove, "removed"],
    ] as const) {
      const res = await mutation({ id: String(dynamic.id), personIds: [ada.uuid] });
      expect(res).toEqual({
        cohort: null,
        userErrors: [
          {
            field: ["input", "id"],
            code: "CONFLICT",
            message:
              `Only a static cohort's persons are ${verb} by hand: this cohort is dynamic (its members are calculated ` +
              "from its definition).",
          },
        ],
      });
    }
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses ids that name no person of the cohort's environment, each on its path, and writes nothing", async () => {
    const c = await staticCohort("Strict");
    const otherPerson = await person(foreign.environment.id, ["x"]);
    const missing = "12345678-1234-1234-1234-123456789abc";
    const before = await rowCounts();
    const res = await add({
      id: String(c.id),
      personIds: [ada.uuid, missing, adaElsewhere.uuid, otherPerson.uuid],
      distinctIds: ["grace", "nobody"],
    });
    expect(res.cohort).toBeNull();
    expect(res.userErrors).toEqual([
      { field: ["input", "personIds", "1"], code: "NOT_FOUND", message: `No person with id ${missing} in the cohort's environment.` },
      {
        field: ["input", "personIds", "2"],
        code: "NOT_FOUND",
        message: `No person with id ${adaElsewhere.uuid} in the cohort's environment.`,
      },
      {
        field: ["input", "personIds", "3"],
        code: "NOT_FOUND",
        message: `No person with id ${otherPerson.uuid} in the cohort's environment.`,
      },
      {
        field: ["input", "distinctIds", "1"],
        code: "NOT_FOUND",
        message: `No person with distinct id "nobody" in the cohort's environment.`,
      },
    ]);
    const rm = await remove({ id: String(c.id), personIds: [missing] });
    expect(rm.userErrors.map((e: any) => e.code)).toEqual(["NOT_FOUND"]);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses an input naming nobody, and malformed ids", async () => {
    const c = await staticCohort("Needs someone");
    const before = await rowCounts();
    for (const input of [{}, { personIds: [], distinctIds: [] }, { personIds: null }]) {
      const res = await add({ id: String(c.id), ...input });
      expect(res.userErrors).toEqual([
        { field: ["input", "personIds"], code: "REQUIRED", message: "Name at least one person: give personIds or distinctIds." },
      ]);
    }
    const blank = await remove({ id: String(c.id), distinctIds: ["ok", ""] });
    expect(blank.userErrors).toEqual([
      { field: ["input", "distinctIds", "1"], code: "INVALID", message: "A distinct id must not be empty." },
    ]);
    const bad = await t.gql(REMOVE, { input: { id: String(c.id), personIds: ["a"] } });
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(await rowCounts()).toEqual(before);
  });

  it("answers NOT_FOUND for another organization's and a deleted cohort, FORBIDDEN for a read-only key", async () => {
    const theirs = await staticCohort("Theirs", foreign.environment.id);
    const deleted = await prisma.cohort.create({ data: { environmentId: env.id, name: "Gone", isStatic: true, deleted: true } });
    const mine = await staticCohort("Mine");
    const readOnly = await t.fixtures.key(t.owner.id, ["cohort:read"]);
    const before = await rowCounts();
    for (const [id, key, code] of [
      [theirs.id, undefined, "NOT_FOUND"],
      [deleted.id, undefined, "NOT_FOUND"],
      [mine.id, readOnly, "FORBIDDEN"],
    ] as const) {
      for (const mutation of [ADD, REMOVE]) {
        const res = await t.gql(mutation, { input: { id: String(id), distinctIds: ["ada"] } }, key ? { key } : undefined);
        expect(res.errors?.[0].extensions?.code).toBe(code);
      }
    }
    expect(await rowCounts()).toEqual(before);
  });
});

describe("Cohort.persons", () => {
  it("pages a static cohort's persons, newest first, with totalCount", async () => {
    const c = await staticCohort("Paged");
    await add({ id: String(c.id), distinctIds: ["ada", "grace", "linus"] });
    const page1 = (await ok(PERSONS, { id: String(c.id), first: 2 }, memberKey)).cohort.persons;
    expect(page1.totalCount).toBe(3);
    expect(page1.nodes.map((p: any) => p.uuid)).toEqual([linus.uuid, grace.uuid]);
    expect(page1.nodes[1]).toEqual({
      uuid: grace.uuid,
      distinctIds: ["grace"],
      properties: { email: "grace@navy.mil" },
      createdAt: grace.createdAt.toISOString(),
    });
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const page2 = (await ok(PERSONS, { id: String(c.id), first: 2, after: page1.pageInfo.endCursor })).cohort.persons;
    expect(page2.nodes.map((p: any) => p.uuid)).toEqual([ada.uuid]);
    expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const last = (await ok(PERSONS, { id: String(c.id), last: 1 })).cohort.persons;
    expect(last.nodes.map((p: any) => p.uuid)).toEqual([ada.uuid]);
  });

  it("lists a dynamic cohort's calculated members", async () => {
    const CREATE = `mutation($input: CreateCohortInput!) { createCohort(input: $input) { cohort { id } ${ERRORS} } }`;
    const { createCohort } = await ok(CREATE, {
      input: {
        environmentId: String(env.id),
        name: "Has email",
        filters: { properties: { type: "AND", values: [{ type: "person", key: "email", operator: "is_set" }] } },
      },
    });
    // The calculation runs after the answer (its queue may already have finished it): wait for it, then list.
    await waitForCohortCalculations();
    const listed = (await ok(PERSONS, { id: createCohort.cohort.id })).cohort.persons;
    expect(listed.nodes.map((p: any) => p.uuid)).toEqual([grace.uuid, ada.uuid]);
  });

  it("needs cohort:read", async () => {
    const c = await staticCohort("Guarded");
    const query = `query($id: ID!) { cohort(id: $id) { persons(first: 1) { totalCount } } }`;
    const without = await t.gql(query, { id: String(c.id) }, { key: await t.fixtures.key(t.owner.id, ["project:read"]) });
    expect(without.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const readOnly = await t.gql(query, { id: String(c.id) }, { key: await t.fixtures.key(t.owner.id, ["cohort:read"]) });
    expect(readOnly.data.cohort.persons).toEqual({ totalCount: 0 });
  });
});
