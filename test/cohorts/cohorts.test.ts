import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { helpers } from "../projects/support.js";
import { encodeId } from "../../src/domain/ids.js";
import { waitForCohortCalculations } from "../../src/domain/cohorts/calculation.js";
import { BEHAVIORAL_MESSAGE } from "../../src/domain/cohorts/calculation.js";

const t = await setupTestApp();
const prisma = t.db.prisma;
const { ok } = helpers(t);
const seed = initSeed(t);

// A plain member (level 1) of the test organization: members read and write cohorts.
const { user: member, key: memberKey } = await seed.home.member();
const owner = seed.home.owner.user;

const { project, environment: env } = await seed.home.createProject("Cohorts main");

// Another organization, with a project and a cohort the owner may not see.
const other = await seed.ownerWithProject("Elsewhere");
const otherPerson = await prisma.person.create({
  data: { environmentId: other.environment.id, distinctIds: ["x"], properties: { plan: "paid" } },
});
const otherCohort = await prisma.cohort.create({
  data: { environmentId: other.environment.id, name: "Theirs", isStatic: true, cohortType: "static" },
});

const cohortGid = (id: number) => encodeId("Cohort", id);

async function person(environmentId: number, properties: Record<string, unknown>, distinctId = `d-${Math.random()}`) {
  return prisma.person.create({ data: { environmentId, distinctIds: [distinctId], properties: properties as never } });
}

const FIELDS = `id databaseId name description groups deleted filters query version pendingVersion isCalculating createdAt lastCalculation
  errorsCalculating lastErrorMessage count isStatic cohortType experimentSet createdBy { email } environment { databaseId }
  project { databaseId }`;
const CREATE = `mutation($input: CreateCohortInput!) { createCohort(input: $input) { cohort { ${FIELDS} }
  userErrors { field message code } } }`;
const UPDATE = `mutation($input: UpdateCohortInput!) { updateCohort(input: $input) { cohort { ${FIELDS} }
  userErrors { field message code } } }`;
const DELETE = `mutation($input: DeleteCohortInput!) { deleteCohort(input: $input) { cohort { id deleted }
  userErrors { field message code } } }`;
const RESTORE = `mutation($input: RestoreCohortInput!) { restoreCohort(input: $input) { cohort { id deleted count }
  userErrors { field message code } } }`;
const GET = `query($id: ID!) { cohort(id: $id) { ${FIELDS} } }`;

async function create(input: Record<string, unknown>, key?: string) {
  const data = await ok(CREATE, { input: { environmentId: String(env.id), ...input } }, key);
  return data.createCohort as { cohort: any; userErrors: any[] };
}

async function get(id: number | string) {
  return (await ok(GET, { id: String(id) })).cohort;
}

const rowCounts = async () => ({
  cohorts: await prisma.cohort.count(),
  members: await prisma.cohortPerson.count(),
  activity: await prisma.activityLog.count(),
});

// Typed loosely: the same value goes to GraphQL variables and to Prisma JSON columns.
const dynamic = (...values: unknown[]): any => ({ properties: { type: "AND", values } });
const prop = (key: string, operator: string, value?: unknown, extra: Record<string, unknown> = {}) => ({
  type: "person",
  key,
  operator,
  value,
  ...extra,
});

describe("reading cohorts", () => {
  it("lists a project's and an environment's cohorts, newest first, with search and type filters; deleted ones hidden", async () => {
    const { project: p, environment: e } = await seed.home.createProject("Cohort lists");
    const staging = await seed.home.createEnvironment(p, "Staging");
    const at = (day: number) => new Date(`2026-02-0${day}T00:00:00Z`);
    await prisma.cohort.create({
      data: { environmentId: e.id, name: "Beta testers", isStatic: true, cohortType: "static", createdAt: at(1), createdById: owner.id },
    });
    await prisma.cohort.create({
      data: {
        environmentId: e.id,
        name: "Paying BETA users",
        filters: dynamic(prop("plan", "exact", "paid")),
        cohortType: "person_property",
        count: 0,
        createdAt: at(2),
      },
    });
    await prisma.cohort.create({
      data: {
        environmentId: e.id,
        name: "Churned",
        filters: dynamic(prop("churned", "is_set")),
        cohortType: "person_property",
        createdAt: at(3),
      },
    });
    await prisma.cohort.create({ data: { environmentId: e.id, name: "Deleted beta", isStatic: true, deleted: true, createdAt: at(4) } });
    await prisma.cohort.create({ data: { environmentId: staging.id, name: "Staging beta", isStatic: true, createdAt: at(5) } });
    await prisma.cohort.create({ data: { environmentId: e.id, name: "100%_off", isStatic: true, createdAt: at(6) } });

    const q = `query($id: ID!, $search: String, $type: CohortKind) { project(id: $id) { cohorts(first: 10, search: $search, type: $type) {
      totalCount nodes { name isStatic createdBy { email } } } } }`;
    const all = await ok(q, { id: String(p.id) }, memberKey);
    expect(all.project.cohorts.nodes.map((c: any) => c.name)).toEqual(["100%_off", "Churned", "Paying BETA users", "Beta testers"]);
    expect(all.project.cohorts.totalCount).toBe(4);
    expect(all.project.cohorts.nodes[3].createdBy).toEqual({ email: owner.email });

    const beta = await ok(q, { id: String(p.id), search: "beta" });
    expect(beta.project.cohorts.nodes.map((c: any) => c.name)).toEqual(["Paying BETA users", "Beta testers"]);
    const literal = await ok(q, { id: String(p.id), search: "%_" });
    expect(literal.project.cohorts.nodes.map((c: any) => c.name)).toEqual(["100%_off"]);

    const statics = await ok(q, { id: String(p.id), type: "STATIC" });
    expect(statics.project.cohorts.nodes.map((c: any) => c.name)).toEqual(["100%_off", "Beta testers"]);
    const dynamics = await ok(q, { id: String(p.id), type: "DYNAMIC", search: "BETA" });
    expect(dynamics.project.cohorts.nodes.map((c: any) => c.name)).toEqual(["Paying BETA users"]);

    const envQ = `query($id: ID!) { environment(id: $id) { cohorts(first: 10) { totalCount nodes { name environment { databaseId }
      project { databaseId } } } } }`;
    const stagingData = await ok(envQ, { id: String(staging.id) });
    expect(stagingData.environment.cohorts.nodes).toEqual([
      { name: "Staging beta", environment: { databaseId: staging.id }, project: { databaseId: p.id } },
    ]);
  });

  it("fetches a cohort by global id, integer id and node(id:), with every field", async () => {
    const cohort = await prisma.cohort.create({
      data: {
        environmentId: env.id,
        name: "Fetched",
        description: "d",
        isStatic: true,
        cohortType: "static",
        createdById: owner.id,
        count: 0,
      },
    });
    const byGid = await get(cohortGid(cohort.id));
    expect(byGid).toMatchObject({
      id: cohortGid(cohort.id),
      databaseId: cohort.id,
      name: "Fetched",
      description: "d",
      groups: [],
      deleted: false,
      filters: null,
      query: null,
      isStatic: true,
      cohortType: "STATIC",
      count: 0,
      experimentSet: [],
      errorsCalculating: 0,
      createdBy: { email: owner.email },
      environment: { databaseId: env.id },
      project: { databaseId: project.id },
    });
    expect(await get(cohort.id)).toEqual(byGid);
    const node = await ok(`query($id: ID!) { node(id: $id) { id ... on Cohort { name } } }`, { id: cohortGid(cohort.id) }, memberKey);
    expect(node.node).toEqual({ id: cohortGid(cohort.id), name: "Fetched" });
  });

  it("answers NOT_FOUND for another organization's cohort: cohort(id:), node(id:), nodes(ids:), update, delete", async () => {
    for (const id of [cohortGid(otherCohort.id), String(otherCohort.id)]) {
      const res = await t.gql(`query($id: ID!) { cohort(id: $id) { name } }`, { id });
      expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
      expect(res.data?.cohort ?? null).toBeNull();
    }
    const node = await t.gql(`query($id: ID!) { node(id: $id) { ... on Cohort { name } } }`, { id: cohortGid(otherCohort.id) });
    expect(node.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const nodes = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Cohort { name } } }`, { ids: [cohortGid(otherCohort.id)] });
    expect(nodes.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const before = await rowCounts();
    const update = await t.gql(UPDATE, { input: { id: cohortGid(otherCohort.id), name: "Mine now" } });
    expect(update.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const del = await t.gql(DELETE, { input: { id: String(otherCohort.id) } });
    expect(del.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const createThere = await t.gql(CREATE, { input: { environmentId: String(other.environment.id), name: "Sneaky", isStatic: true } });
    expect(createThere.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await rowCounts()).toEqual(before);
    expect((await prisma.cohort.findUniqueOrThrow({ where: { id: otherCohort.id } })).name).toBe("Theirs");
  });

  it("answers NOT_FOUND for malformed and unknown ids", async () => {
    for (const id of ["nope", "999999", encodeId("Project", project.id), "0"]) {
      const res = await t.gql(`query($id: ID!) { cohort(id: $id) { name } }`, { id });
      expect(res.errors?.[0].extensions?.code, id).toBe("NOT_FOUND");
    }
  });

  it("hides cohorts from a key limited to another project", async () => {
    const cohort = await prisma.cohort.create({ data: { environmentId: env.id, name: "Scoped", isStatic: true } });
    const key = await seed.home.scopedKey(["cohort:read", "project:read"], { projects: [other.project.id] });
    const res = await t.gql(`query($id: ID!) { cohort(id: $id) { name } }`, { id: String(cohort.id) }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("answers FORBIDDEN to a key without cohort:read, and to a read-only key that writes", async () => {
    const cohort = await prisma.cohort.create({ data: { environmentId: env.id, name: "Guarded", isStatic: true } });
    const projectOnly = await seed.home.scopedKey(["project:read"]);
    const single = await t.gql(`query($id: ID!) { cohort(id: $id) { name } }`, { id: String(cohort.id) }, { key: projectOnly });
    expect(single.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const list = await t.gql(
      `query($id: ID!) { project(id: $id) { name cohorts(first: 5) { totalCount } } }`,
      { id: String(project.id) },
      { key: projectOnly },
    );
    expect(list.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const node = await t.gql(
      `query($id: ID!) { node(id: $id) { ... on Cohort { name } } }`,
      { id: cohortGid(cohort.id) },
      { key: projectOnly },
    );
    expect(node.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    const readOnly = await seed.home.scopedKey(["cohort:read"]);
    expect(
      (await t.gql(`query($id: ID!) { cohort(id: $id) { name } }`, { id: String(cohort.id) }, { key: readOnly })).data.cohort.name,
    ).toBe("Guarded");
    const before = await rowCounts();
    const write = await t.gql(CREATE, { input: { environmentId: String(env.id), name: "Nope", isStatic: true } }, { key: readOnly });
    expect(write.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await rowCounts()).toEqual(before);
  });
});

describe("static cohorts", () => {
  it("adds the known persons of the environment and drops unknown ids; count is exact", async () => {
    const a = await person(env.id, { email: "a@x.com" });
    const b = await person(env.id, { email: "b@x.com" });
    const unknown = "00000000-0000-4000-8000-000000000000";
    const { cohort, userErrors } = await create(
      { name: "Hand picked", isStatic: true, staticPersonIds: [a.uuid, b.uuid.toUpperCase(), a.uuid, unknown, otherPerson.uuid] },
      memberKey,
    );
    expect(userErrors).toEqual([]);
    expect(cohort).toMatchObject({
      name: "Hand picked",
      isStatic: true,
      cohortType: "STATIC",
      isCalculating: false,
      count: 2,
      filters: null,
      createdBy: { email: member.email },
    });
    const members = await prisma.cohortPerson.findMany({ where: { cohortId: cohort.databaseId }, orderBy: { personId: "asc" } });
    expect(members.map((m) => m.personId)).toEqual([a.id, b.id].sort((x, y) => x - y));
    expect((await get(cohort.id)).count).toBe(2);
  });

  it("makes an empty cohort from [] or no ids, and takes a project's global id as the environment", async () => {
    const empty = await create({ name: "Empty", isStatic: true, staticPersonIds: [] });
    expect(empty.userErrors).toEqual([]);
    expect(empty.cohort.count).toBe(0);
    const viaProject = await ok(CREATE, {
      input: { environmentId: encodeId("Project", project.id), name: "No ids", isStatic: true, cohortType: "STATIC" },
    });
    expect(viaProject.createCohort.userErrors).toEqual([]);
    expect(viaProject.createCohort.cohort).toMatchObject({ count: 0, environment: { databaseId: env.id } });
  });
});

// Persons of the environment whose cohorts are calculated.
const { environment: calc } = await seed.home.createProject("Calculated");
const ada = await person(calc.id, { email: "ada@hogflix.com", plan: "paid", country: "GB", age: 36, beta: true });
const grace = await person(calc.id, { email: "grace@navy.mil", plan: "paid", country: "US", age: "85" });
const linus = await person(calc.id, { email: "linus@kernel.org", plan: "free", country: "FI", age: 20 });
const alan = await person(calc.id, { email: "ALAN@HOGFLIX.COM", plan: null, country: "GB" });
await person(env.id, { email: "elsewhere@hogflix.com", plan: "paid" }); // another environment: never a member

describe("dynamic cohorts", () => {
  async function calculated(filters: unknown) {
    const { cohort, userErrors } = await create({ environmentId: String(calc.id), name: "Calc", filters });
    expect(userErrors).toEqual([]);
    expect(cohort).toMatchObject({ isCalculating: true, pendingVersion: 1, version: null, count: null, cohortType: "PERSON_PROPERTY" });
    await waitForCohortCalculations();
    const after = await get(cohort.id);
    const members = await prisma.cohortPerson.findMany({ where: { cohortId: after.databaseId } });
    return { after, ids: members.map((m) => m.personId).sort((x, y) => x - y) };
  }
  const ids = (...persons: { id: number }[]) => persons.map((p) => p.id).sort((x, y) => x - y);

  it.each([
    ["exact", dynamic(prop("plan", "exact", "paid")), () => ids(ada, grace)],
    ["exact with a list", dynamic(prop("country", "exact", ["US", "FI"])), () => ids(grace, linus)],
    ["exact on a number", dynamic(prop("age", "exact", 36)), () => ids(ada)],
    ["exact on a boolean", dynamic(prop("beta", "exact", true)), () => ids(ada)],
    ["is_not (missing and null match)", dynamic(prop("plan", "is_not", "paid")), () => ids(linus, alan)],
    ["icontains", dynamic(prop("email", "icontains", "HOGFLIX")), () => ids(ada, alan)],
    ["not_icontains", dynamic(prop("email", "not_icontains", "hogflix")), () => ids(grace, linus)],
    ["regex", dynamic(prop("email", "regex", "^[a-z]+@(navy|kernel)\\.")), () => ids(grace, linus)],
    ["not_regex", dynamic(prop("email", "not_regex", "\\.com$")), () => ids(grace, linus, alan)],
    ["gt (numbers and numeric strings)", dynamic(prop("age", "gt", 30)), () => ids(ada, grace)],
    ["gte", dynamic(prop("age", "gte", "36")), () => ids(ada, grace)],
    ["lt", dynamic(prop("age", "lt", 36)), () => ids(linus)],
    ["lte", dynamic(prop("age", "lte", 36)), () => ids(ada, linus)],
    ["is_set", dynamic(prop("age", "is_set")), () => ids(ada, grace, linus)],
    ["is_not_set (null counts as not set)", dynamic(prop("plan", "is_not_set")), () => ids(alan)],
    ["negation", dynamic(prop("country", "exact", "GB", { negation: true })), () => ids(grace, linus)],
    ["operator defaults to exact", dynamic({ type: "person", key: "country", value: "FI" }), () => ids(linus)],
    [
      "nested AND/OR groups",
      {
        properties: {
          type: "OR",
          values: [
            { type: "AND", values: [prop("plan", "exact", "paid"), prop("country", "exact", "US")] },
            {
              type: "AND",
              values: [prop("country", "exact", "GB"), { type: "OR", values: [prop("age", "lt", 30), prop("age", "is_not_set")] }],
            },
          ],
        },
      },
      () => ids(grace, alan),
    ],
  ])("calculates %s against person properties", async (_name, filters, expected) => {
    const { after, ids: members } = await calculated(filters);
    expect(members).toEqual(expected());
    expect(after).toMatchObject({
      isCalculating: false,
      version: 1,
      pendingVersion: 1,
      count: expected().length,
      errorsCalculating: 0,
      lastErrorMessage: null,
    });
    expect(after.lastCalculation).not.toBeNull();
  });

  it("recalculates after an update, with a new version", async () => {
    const { after } = await calculated(dynamic(prop("plan", "exact", "paid")));
    expect(after.count).toBe(2);
    const updated = (await ok(UPDATE, { input: { id: after.id, filters: dynamic(prop("plan", "exact", "free")) } })).updateCohort;
    expect(updated.userErrors).toEqual([]);
    expect(updated.cohort).toMatchObject({ isCalculating: true, pendingVersion: 2, version: 1 });
    await waitForCohortCalculations();
    expect(await get(after.id)).toMatchObject({ isCalculating: false, version: 2, pendingVersion: 2, count: 1 });
    expect((await prisma.cohortPerson.findMany({ where: { cohortId: after.databaseId } })).map((m) => m.personId)).toEqual([linus.id]);
  });

  it("keeps the newest version when changes follow each other quickly, and derives the type from new filters", async () => {
    const { cohort } = await create({ environmentId: String(calc.id), name: "Quick", filters: dynamic(prop("plan", "exact", "paid")) });
    await ok(UPDATE, { input: { id: cohort.id, filters: dynamic(prop("country", "exact", "GB")) } });
    const third = (await ok(UPDATE, { input: { id: cohort.id, filters: dynamic(prop("country", "exact", "FI")) } })).updateCohort.cohort;
    expect(third).toMatchObject({ pendingVersion: 3, isCalculating: true });
    await waitForCohortCalculations();
    expect(await get(cohort.id)).toMatchObject({ version: 3, pendingVersion: 3, count: 1, isCalculating: false });
    expect((await prisma.cohortPerson.findMany({ where: { cohortId: cohort.databaseId } })).map((m) => [m.personId, m.version])).toEqual([
      [linus.id, 3],
    ]);

    const behavioral = (
      await ok(UPDATE, { input: { id: cohort.id, filters: dynamic({ type: "behavioral", key: "$pageview", value: "performed_event" }) } })
    ).updateCohort.cohort;
    expect(behavioral.cohortType).toBe("BEHAVIORAL");
    await waitForCohortCalculations();
    expect(await get(cohort.id)).toMatchObject({ count: null, version: 3, pendingVersion: 4, lastErrorMessage: BEHAVIORAL_MESSAGE });
    expect(await prisma.cohortPerson.count({ where: { cohortId: cohort.databaseId } })).toBe(0);
  });

  it("records a failing calculation (an invalid regex): errorsCalculating and lastErrorMessage", async () => {
    const { cohort } = await create({
      environmentId: String(calc.id),
      name: "Broken",
      filters: dynamic(prop("email", "regex", "(unclosed")),
    });
    expect(cohort.isCalculating).toBe(true);
    await waitForCohortCalculations();
    const after = await get(cohort.id);
    expect(after).toMatchObject({ isCalculating: false, errorsCalculating: 1, count: null, version: null });
    expect(after.lastErrorMessage).toMatch(/^The calculation failed: .*regular expression/i);
    // Fixing it succeeds and clears the error.
    await ok(UPDATE, { input: { id: cohort.id, filters: dynamic(prop("email", "regex", "hogflix")) } });
    await waitForCohortCalculations();
    expect(await get(cohort.id)).toMatchObject({
      isCalculating: false,
      errorsCalculating: 0,
      lastErrorMessage: null,
      count: 1,
      version: 2,
    });
  });

  it("stores behavioral cohorts and says why their members cannot be calculated", async () => {
    const filters = dynamic(prop("plan", "exact", "paid"), {
      type: "behavioral",
      key: "$pageview",
      value: "performed_event",
      event_type: "events",
      time_value: 30,
      time_interval: "day",
    });
    const { cohort, userErrors } = await create({ environmentId: String(calc.id), name: "Viewers", filters });
    expect(userErrors).toEqual([]);
    expect(cohort).toMatchObject({ cohortType: "BEHAVIORAL", isCalculating: true, filters });
    await waitForCohortCalculations();
    const after = await get(cohort.id);
    expect(after).toMatchObject({ isCalculating: false, count: null, version: null, lastErrorMessage: BEHAVIORAL_MESSAGE });
    expect(after.lastErrorMessage).toMatch(/event data/);
    expect(await prisma.cohortPerson.count({ where: { cohortId: after.databaseId } })).toBe(0);
  });

  it("stores query cohorts as analytical, without pretending to calculate them", async () => {
    const { cohort, userErrors } = await create({
      environmentId: String(calc.id),
      name: "Query",
      query: { kind: "HogQLQuery", query: "select 1" },
    });
    expect(userErrors).toEqual([]);
    expect(cohort.cohortType).toBe("ANALYTICAL");
    await waitForCohortCalculations();
    expect(await get(cohort.id)).toMatchObject({ isCalculating: false, count: null });
  });
});

describe("refused input", () => {
  it("refuses filters and a query together", async () => {
    const before = await rowCounts();
    const { cohort, userErrors } = await create({
      name: "Both",
      filters: dynamic(prop("plan", "exact", "paid")),
      query: { kind: "HogQLQuery", query: "select 1" },
    });
    expect(cohort).toBeNull();
    expect(userErrors).toEqual([{ field: ["input", "query"], message: "Give filters or a query, not both.", code: "CONFLICT" }]);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses a cohortType that does not agree with the definition", async () => {
    const before = await rowCounts();
    const cases: [Record<string, unknown>, string][] = [
      [{ filters: dynamic(prop("plan", "exact", "paid")), cohortType: "BEHAVIORAL" }, "person_property"],
      [
        { filters: dynamic({ type: "behavioral", key: "$pageview", value: "performed_event" }), cohortType: "PERSON_PROPERTY" },
        "behavioral",
      ],
      [{ isStatic: true, cohortType: "PERSON_PROPERTY" }, "static"],
      [{ filters: dynamic(prop("plan", "exact", "paid")), cohortType: "STATIC" }, "person_property"],
      [{ filters: dynamic(prop("plan", "exact", "paid")), cohortType: "REALTIME" }, "person_property"],
    ];
    for (const [input, expected] of cases) {
      const { cohort, userErrors } = await create({ name: "Typed", ...input });
      expect(cohort).toBeNull();
      expect(userErrors).toHaveLength(1);
      expect(userErrors[0]).toMatchObject({ field: ["input", "cohortType"], code: "INVALID" });
      expect(userErrors[0].message).toContain(`expected \`${expected}\``);
    }
    expect(await rowCounts()).toEqual(before);
    const agreeing = await create({ name: "Typed", filters: dynamic(prop("plan", "exact", "paid")), cohortType: "PERSON_PROPERTY" });
    expect(agreeing.userErrors).toEqual([]);
    await waitForCohortCalculations();
  });

  it("reports every invalid field at once and writes nothing", async () => {
    const before = await rowCounts();
    const { cohort, userErrors } = await create({
      name: "  ",
      description: "x".repeat(1001),
      groups: { not: "a list" },
      filters: {
        properties: {
          type: "XOR",
          values: [
            prop("plan", "bogus", "x"),
            prop("age", "gt", "many"),
            { type: "cohort", key: "id", value: 1 },
            { type: "AND", values: [] },
          ],
        },
      },
      staticPersonIds: ["00000000-0000-4000-8000-000000000000"],
    });
    expect(cohort).toBeNull();
    const fields = userErrors.map((e: any) => e.field.join("."));
    expect(fields).toEqual(
      expect.arrayContaining(["input.name", "input.description", "input.groups", "input.filters.properties.type", "input.staticPersonIds"]),
    );
    const bad = await create({
      name: "Bad",
      filters: dynamic(
        prop("plan", "bogus", "x"),
        prop("age", "gt", "many"),
        { type: "cohort", key: "id", value: 999999 },
        { type: "AND", values: [] },
        prop("email", "icontains"),
      ),
    });
    // The cohorts referred to are checked with the rest (an empty group is no error: it matches nobody).
    expect(bad.userErrors.map((e: any) => e.field.join("."))).toEqual([
      "input.filters.properties.values.0.operator",
      "input.filters.properties.values.1.value",
      "input.filters.properties.values.4.value",
      "input.filters.properties.values.2.value",
    ]);
    const staticWithFilters = await create({ name: "S", isStatic: true, filters: dynamic(prop("plan", "exact", "paid")) });
    expect(staticWithFilters.userErrors.map((e: any) => e.field)).toEqual([["input", "filters"]]);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses invalid updates without writing", async () => {
    const { cohort } = await create({ name: "Stable", isStatic: true });
    const before = await rowCounts();
    const res = (await ok(UPDATE, { input: { id: cohort.id, name: "", filters: dynamic(prop("plan", "exact", "paid")) } })).updateCohort;
    expect(res.cohort).toBeNull();
    expect(res.userErrors.map((e: any) => e.field.join("."))).toEqual(["input.name", "input.filters"]);
    expect(await rowCounts()).toEqual(before);
    expect((await get(cohort.id)).name).toBe("Stable");
  });
});

describe("changes", () => {
  it("soft-deletes (hidden everywhere) and restores", async () => {
    const a = await person(env.id, {});
    const { cohort } = await create({ name: "Temporary", isStatic: true, staticPersonIds: [a.uuid] });
    const listed = async () =>
      (
        await ok(`query($id: ID!) { project(id: $id) { cohorts(first: 100, search: "Temporary") { nodes { id } } } }`, {
          id: String(project.id),
        })
      ).project.cohorts.nodes.map((n: any) => n.id);
    expect(await listed()).toContain(cohort.id);
    const del = (await ok(DELETE, { input: { id: cohort.id } }, memberKey)).deleteCohort;
    expect(del).toEqual({ cohort: { id: cohort.id, deleted: true }, userErrors: [] });
    expect(await listed()).not.toContain(cohort.id);
    for (const query of [GET, `query($id: ID!) { node(id: $id) { id } }`]) {
      const res = await t.gql(query, { id: cohort.id });
      expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    }
    const again = await t.gql(DELETE, { input: { id: cohort.id } });
    expect(again.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const update = await t.gql(UPDATE, { input: { id: cohort.id, name: "x" } });
    expect(update.errors?.[0].extensions?.code).toBe("NOT_FOUND");

    const restored = (await ok(RESTORE, { input: { id: cohort.id } }, memberKey)).restoreCohort;
    expect(restored).toEqual({ cohort: { id: cohort.id, deleted: false, count: 1 }, userErrors: [] });
    expect(await listed()).toContain(cohort.id);
    // Restoring a cohort that is not deleted succeeds and changes nothing (tested in references.test.ts).
    const twice = (await ok(RESTORE, { input: { id: cohort.id } })).restoreCohort;
    expect(twice).toEqual({ cohort: { id: cohort.id, deleted: false, count: 1 }, userErrors: [] });
  });

  it("writes one activity entry per change, none for a change that changes nothing", async () => {
    const entries = (id: number) =>
      prisma.activityLog.findMany({ where: { scope: "Cohort", itemId: String(id) }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    const filters = dynamic(prop("plan", "exact", "paid"));
    const { cohort } = await create({ name: "Logged", filters }, memberKey);
    await waitForCohortCalculations();
    const created = await entries(cohort.databaseId);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      activity: "created",
      organizationId: t.org.id,
      projectId: project.id,
      environmentId: env.id,
      userId: member.id,
    });
    expect((created[0].detail as any).changes.map((c: any) => c.field)).toEqual([
      "name",
      "description",
      "groups",
      "filters",
      "isStatic",
      "cohortType",
    ]);

    // The same values again (keys in another order): nothing changes, nothing is written, nothing recalculated.
    const same = (
      await ok(UPDATE, {
        input: {
          id: cohort.id,
          name: "Logged",
          filters: { properties: { values: [{ value: "paid", operator: "exact", key: "plan", type: "person" }], type: "AND" } },
        },
      })
    ).updateCohort;
    expect(same.userErrors).toEqual([]);
    expect(same.cohort).toMatchObject({ pendingVersion: 1, isCalculating: false });
    expect(await entries(cohort.databaseId)).toHaveLength(1);

    await ok(UPDATE, { input: { id: cohort.id, name: "Logged again", description: "now described" } });
    await waitForCohortCalculations();
    await ok(DELETE, { input: { id: cohort.id } });
    await ok(RESTORE, { input: { id: cohort.id } });
    const all = await entries(cohort.databaseId);
    expect(all.map((e) => e.activity)).toEqual(["created", "updated", "deleted", "restored"]);
    expect((all[1].detail as any).changes).toEqual([
      { type: "Cohort", action: "changed", field: "name", before: "Logged", after: "Logged again" },
      { type: "Cohort", action: "changed", field: "description", before: "", after: "now described" },
    ]);
    expect((all[2].detail as any).changes).toEqual([{ type: "Cohort", action: "changed", field: "deleted", before: false, after: true }]);
    for (const e of all) expect(e).toMatchObject({ organizationId: t.org.id, projectId: project.id, environmentId: env.id });

    const activity = await ok(`query($id: ID!) { environment(id: $id) { activity(first: 1) { nodes { scope activity itemId } } } }`, {
      id: String(env.id),
    });
    expect(activity.environment.activity.nodes[0]).toEqual({ scope: "Cohort", activity: "restored", itemId: String(cohort.databaseId) });
  });
});

describe("N+1", () => {
  const QUERY = `{ viewer { organizations(first: 10) { nodes { projects(first: 10) { nodes { cohorts(first: 5) { nodes {
    name count createdBy { email } } } } } } } } }`;

  async function userWithProjects(projects: number): Promise<string> {
    const org = await seed.ownerWithOrg();
    for (let i = 0; i < projects; i += 1) {
      const { environment } = await org.createProject(`N1 ${i}`);
      const p = await person(environment.id, {});
      for (let j = 0; j < 3; j += 1) {
        const { user: creator } = await org.member();
        await prisma.cohort.create({
          data: {
            environmentId: environment.id,
            name: `C${i}-${j}`,
            isStatic: true,
            createdById: creator.id,
            persons: { create: j ? [{ personId: p.id }] : [] },
          },
        });
      }
    }
    return org.owner.key;
  }

  it("costs the same SQL statements for 1 and 5 projects", async () => {
    const one = await t.gql(QUERY, undefined, { key: await userWithProjects(1) });
    const five = await t.gql(QUERY, undefined, { key: await userWithProjects(5) });
    expect(one.errors).toBeUndefined();
    expect(five.errors).toBeUndefined();
    const cohorts = (r: any) =>
      r.data.viewer.organizations.nodes.flatMap((o: any) => o.projects.nodes.flatMap((p: any) => p.cohorts.nodes));
    expect(cohorts(one)).toHaveLength(3);
    expect(cohorts(five)).toHaveLength(15);
    expect(
      cohorts(five)
        .map((c: any) => c.count)
        .sort(),
    ).toEqual([...Array(5).fill(0), ...Array(10).fill(1)]);
    for (const c of cohorts(five)) expect(c.createdBy.email).toMatch(/@example\.com$/);
    // authentication, organizations, projects, cohorts (with member counts), users: whatever the number of projects
    expect(five.sql).toBe(one.sql);
  });
});
