// Cohorts that refer to cohorts, through the HTTP handler, as PostHog's API
// tests have it (posthog/api/test/test_cohort.py: test_creating_update_and_
// calculating_with_cycle, ..._with_non_directed_cycle, ..._with_invalid_cohort,
// test_cohort_dependencies_calculated): B → A and C → B are accepted and
// calculated from the referred cohort's members, in the order of the
// references; loops, self-references, foreign and deleted cohorts are refused
// with a userError on the filter's value, and nothing is written. Also: an
// empty cohort (neither filters nor query), and restoring a live cohort.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { insertEnvironment } from "../../src/domain/environments/store.js";
import { waitForCohortCalculations } from "../../src/domain/cohorts/calculation.js";

const t = await setupTestApp();
const prisma = t.db.prisma;

const { project, environment: env } = await insertProject(prisma, t.org.id, "References");
const staging = await insertEnvironment(prisma, project, "References staging");
// Another project of the same organization, and another organization.
const sibling = await insertProject(prisma, t.org.id, "Sibling");
const stranger = await t.fixtures.user();
const otherOrg = await t.fixtures.organization(undefined, [{ userId: stranger.id, level: MembershipLevel.OWNER }]);
const foreign = await insertProject(prisma, otherOrg.id, "Foreign");

const person = (environmentId: number, properties: Record<string, unknown>) =>
  prisma.person.create({ data: { environmentId, distinctIds: [`d-${Math.random()}`], properties: properties as never } });
const ada = await person(env.id, { plan: "paid", country: "GB" });
const grace = await person(env.id, { plan: "paid", country: "US" });
const linus = await person(env.id, { plan: "free", country: "FI" });
const alan = await person(env.id, { country: "GB" });

async function ok(query: string, variables?: Record<string, unknown>) {
  const res = await t.gql(query, variables);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as any;
}

const FIELDS = `id databaseId name filters cohortType isCalculating version pendingVersion count lastErrorMessage deleted`;
const ERRORS = `userErrors { field message code }`;
const CREATE = `mutation($input: CreateCohortInput!) { createCohort(input: $input) { cohort { ${FIELDS} } ${ERRORS} } }`;
const UPDATE = `mutation($input: UpdateCohortInput!) { updateCohort(input: $input) { cohort { ${FIELDS} } ${ERRORS} } }`;
const GET = `query($id: ID!) { cohort(id: $id) { ${FIELDS} } }`;

type Payload = { cohort: any; userErrors: any[] };
const create = async (input: Record<string, unknown>): Promise<Payload> =>
  (await ok(CREATE, { input: { environmentId: String(env.id), ...input } })).createCohort;
const update = async (input: Record<string, unknown>): Promise<Payload> => (await ok(UPDATE, { input })).updateCohort;
const get = async (id: number | string) => (await ok(GET, { id: String(id) })).cohort;

const prop = (key: string, value: unknown) => ({ type: "person", key, operator: "exact", value });
const ref = (id: number, negation?: boolean) => ({ type: "cohort", key: "id", value: id, ...(negation ? { negation: true } : {}) });
const filters = (...values: unknown[]): any => ({ properties: { type: "AND", values } });

/** Creates a cohort and answers its PostHog id (it must be accepted). */
async function cohort(name: string, input: Record<string, unknown>): Promise<number> {
  const { cohort: c, userErrors } = await create({ name, ...input });
  expect(userErrors).toEqual([]);
  return c.databaseId;
}

const members = async (cohortId: number) =>
  (await prisma.cohortPerson.findMany({ where: { cohortId } })).map((m) => m.personId).sort((a, b) => a - b);
const ids = (...persons: { id: number }[]) => persons.map((p) => p.id).sort((a, b) => a - b);

const rowCounts = async () => ({
  cohorts: await prisma.cohort.count(),
  members: await prisma.cohortPerson.count(),
  activity: await prisma.activityLog.count(),
});

describe("cohorts referring to cohorts", () => {
  it("accepts B → A and C → B, and calculates each from the members of the one it refers to", async () => {
    const a = await cohort("A: paid", { filters: filters(prop("plan", "paid")) });
    const b = await cohort("B: in A", { filters: filters(ref(a)) });
    const c = await cohort("C: in B, from GB", { filters: filters(ref(b), prop("country", "GB")) });
    const notA = await cohort("not in A", { filters: filters({ ...ref(a), value: String(a), negation: true }) });
    await waitForCohortCalculations();
    expect(await members(a)).toEqual(ids(ada, grace));
    expect(await members(b)).toEqual(ids(ada, grace));
    expect(await members(c)).toEqual(ids(ada));
    expect(await members(notA)).toEqual(ids(linus, alan));
    for (const [id, count] of [
      [b, 2],
      [c, 1],
    ])
      expect(await get(id)).toMatchObject({
        isCalculating: false,
        version: 1,
        count,
        lastErrorMessage: null,
        cohortType: "PERSON_PROPERTY",
      });
    expect((await get(b)).filters).toEqual(filters(ref(a)));
  });

  it("recalculates the cohorts referring to a changed cohort after it, in the order of the references", async () => {
    const a = await cohort("A", { filters: filters(prop("plan", "paid")) });
    const b = await cohort("B → A", { filters: filters(ref(a)) });
    const c = await cohort("C → B", { filters: filters(ref(b)) });
    const d = await cohort("D → A and C", { filters: { properties: { type: "OR", values: [ref(a), ref(c)] } } });
    await waitForCohortCalculations();
    expect(await members(d)).toEqual(ids(ada, grace));

    const changed = await update({ id: String(a), filters: filters(prop("plan", "free")) });
    expect(changed.userErrors).toEqual([]);
    expect(changed.cohort).toMatchObject({ isCalculating: true, pendingVersion: 2 });
    // The cohorts referring to it are marked calculating with it.
    for (const id of [b, c, d]) expect(await get(id)).toMatchObject({ isCalculating: true, pendingVersion: 2, version: 1 });
    await waitForCohortCalculations();
    for (const id of [a, b, c, d]) {
      expect(await members(id)).toEqual(ids(linus));
      expect(await get(id)).toMatchObject({ isCalculating: false, version: 2, count: 1 });
    }
  });

  it("counts a static cohort's persons as given, and recalculates its referrers when they change", async () => {
    const fixed = await cohort("Fixed", { isStatic: true, staticPersonIds: [linus.uuid] });
    const inFixed = await cohort("In fixed or GB", {
      filters: { properties: { type: "OR", values: [ref(fixed), prop("country", "GB")] } },
    });
    await waitForCohortCalculations();
    expect(await members(inFixed)).toEqual(ids(ada, linus, alan));
    const added = await ok(
      `mutation($input: AddPersonsToStaticCohortInput!) { addPersonsToStaticCohort(input: $input) { cohort { count } ${ERRORS} } }`,
      { input: { id: String(fixed), personIds: [grace.uuid] } },
    );
    expect(added.addPersonsToStaticCohort).toEqual({ cohort: { count: 2 }, userErrors: [] });
    expect(await get(inFixed)).toMatchObject({ isCalculating: true, pendingVersion: 2 });
    await waitForCohortCalculations();
    expect(await members(inFixed)).toEqual(ids(ada, grace, linus, alan));
  });

  it("accepts a cohort of another environment of the same project (whose persons are not this environment's)", async () => {
    const there = await prisma.cohort.create({
      data: { environmentId: staging.id, name: "Staging", isStatic: true, cohortType: "static" },
    });
    const here = await cohort("Refers to staging", { filters: filters(ref(there.id)) });
    await waitForCohortCalculations();
    expect(await get(here)).toMatchObject({ count: 0, lastErrorMessage: null });
  });

  it("derives the type through the referred cohorts; says why one referring to an uncalculable cohort has no count", async () => {
    const viewers = await cohort("Viewers", {
      filters: filters({ type: "behavioral", key: "$pageview", value: "performed_event", event_type: "events" }),
    });
    const { cohort: referring, userErrors } = await create({ name: "Paid viewers", filters: filters(ref(viewers), prop("plan", "paid")) });
    expect(userErrors).toEqual([]);
    expect(referring.cohortType).toBe("BEHAVIORAL");
    const mismatch = await create({ name: "Typed", filters: filters(ref(viewers)), cohortType: "PERSON_PROPERTY" });
    expect(mismatch.userErrors).toEqual([
      { field: ["input", "cohortType"], code: "INVALID", message: expect.stringContaining("expected `behavioral`") },
    ]);
    await waitForCohortCalculations();
    const after = await get(referring.databaseId);
    expect(after).toMatchObject({ isCalculating: false, count: null });
    expect(after.lastErrorMessage).toMatch(new RegExp(`^The cohort refers to cohort ${viewers}, whose members cannot be calculated here`));
  });
});

describe("refused references: a userError on the filter's value, nothing written", () => {
  it("refuses a loop (A → C when C → B → A) and a cohort referring to itself", async () => {
    const a = await cohort("Loop A", { filters: filters(prop("plan", "paid")) });
    const b = await cohort("Loop B", { filters: filters(ref(a)) });
    const c = await cohort("Loop C", { filters: filters(ref(b)) });
    await waitForCohortCalculations();
    const before = await rowCounts();
    const stored = await get(a);

    const loop = await update({ id: String(a), name: "Cohort A, reloaded", filters: filters(ref(c)) });
    expect(loop).toEqual({
      cohort: null,
      userErrors: [
        {
          field: ["input", "filters", "properties", "values", "0", "value"],
          code: "CONFLICT",
          message: `Cohorts cannot refer to each other in a loop: cohort ${a} → ${c} → ${b} → ${a}.`,
        },
      ],
    });
    const self = await update({ id: String(a), filters: { properties: { type: "OR", values: [prop("plan", "x"), ref(a)] } } });
    expect(self.userErrors).toEqual([
      { field: ["input", "filters", "properties", "values", "1", "value"], code: "INVALID", message: "A cohort cannot refer to itself." },
    ]);
    expect(await rowCounts()).toEqual(before);
    expect(await get(a)).toEqual(stored);

    // C referring to both A and B is no loop (A depends on nothing).
    const diamond = await update({ id: String(c), name: "Cohort C, reloaded", filters: filters(ref(b), ref(a)) });
    expect(diamond.userErrors).toEqual([]);
    await waitForCohortCalculations();
  });

  it("refuses cohorts of no one, of another project or organization, and deleted ones", async () => {
    const gone = await cohort("Gone", { isStatic: true });
    await prisma.cohort.update({ where: { id: gone }, data: { deleted: true } });
    const siblings = await prisma.cohort.create({ data: { environmentId: sibling.environment.id, name: "Sibling", isStatic: true } });
    const theirs = await prisma.cohort.create({ data: { environmentId: foreign.environment.id, name: "Theirs", isStatic: true } });
    const before = await rowCounts();
    const res = await create({
      name: "Bad references",
      filters: {
        properties: { type: "OR", values: [ref(99999999), ref(siblings.id), { type: "AND", values: [ref(theirs.id)] }, ref(gone)] },
      },
    });
    expect(res.cohort).toBeNull();
    const at = (...path: number[]) => ["input", "filters", "properties", ...path.flatMap((i) => ["values", String(i)]), "value"];
    const notHere = (id: number) => `No cohort ${id} in this project: a cohort refers only to cohorts of its own project.`;
    expect(res.userErrors).toEqual([
      { field: at(0), code: "NOT_FOUND", message: notHere(99999999) },
      { field: at(1), code: "NOT_FOUND", message: notHere(siblings.id) },
      { field: at(2, 0), code: "NOT_FOUND", message: notHere(theirs.id) },
      { field: at(3), code: "NOT_FOUND", message: `Cohort ${gone} is deleted: restore it, or refer to another cohort.` },
    ]);
    // The same on update (PostHog's "Invalid Cohort ID in filter").
    const target = await cohort("Target", { filters: filters(prop("plan", "paid")) });
    await waitForCohortCalculations();
    const counts = await rowCounts();
    const upd = await update({ id: String(target), filters: filters(ref(99999999)) });
    expect(upd.userErrors).toEqual([{ field: at(0), code: "NOT_FOUND", message: notHere(99999999) }]);
    expect(await rowCounts()).toEqual(counts);
    expect(counts.cohorts - before.cohorts).toBe(1);
  });

  it("refuses malformed cohort filters with the rest of the input", async () => {
    const before = await rowCounts();
    const res = await create({
      name: "Malformed",
      filters: filters(
        { type: "cohort", key: "name", value: 1 },
        { type: "cohort", key: "id", value: "one" },
        { type: "cohort", key: "id" },
      ),
    });
    expect(res.userErrors.map((e: any) => [e.field.slice(3).join("."), e.message])).toEqual([
      ["values.0.key", 'A cohort filter\'s `key` must be "id".'],
      ["values.1.value", "A cohort filter's `value` must be the integer id of a cohort of the same project."],
      ["values.2.value", "A cohort filter's `value` must be the integer id of a cohort of the same project."],
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  it("lets only one of two changes that would close a loop together win", async () => {
    const a = await cohort("Race A", { filters: filters(prop("plan", "paid")) });
    const b = await cohort("Race B", { filters: filters(prop("plan", "free")) });
    await waitForCohortCalculations();
    const [ab, ba] = await Promise.all([
      update({ id: String(a), filters: filters(ref(b)) }),
      update({ id: String(b), filters: filters(ref(a)) }),
    ]);
    const outcomes = [ab, ba].map((r) => (r.userErrors.length ? r.userErrors[0].code : "OK")).sort();
    expect(outcomes).toEqual(["CONFLICT", "OK"]);
    await waitForCohortCalculations();
  });
});

describe("empty cohorts (PostHog accepts a cohort with neither filters nor a query)", () => {
  it("creates one, calculated with no members; an empty group matches nobody", async () => {
    const { cohort: empty, userErrors } = await create({ name: "Empty" });
    expect(userErrors).toEqual([]);
    expect(empty).toMatchObject({ filters: null, cohortType: "PERSON_PROPERTY", isCalculating: true });
    const emptyGroup = await cohort("Empty group", { filters: { properties: { type: "AND", values: [] } } });
    const orEmpty = await cohort("Paid, or an empty group", {
      filters: { properties: { type: "OR", values: [prop("plan", "paid"), { type: "AND", values: [] }] } },
    });
    await waitForCohortCalculations();
    expect(await get(empty.databaseId)).toMatchObject({ isCalculating: false, count: 0, version: 1, lastErrorMessage: null });
    expect(await get(emptyGroup)).toMatchObject({ count: 0, lastErrorMessage: null });
    expect(await members(orEmpty)).toEqual(ids(ada, grace));
    // Clearing a cohort's filters makes it empty.
    const cleared = await update({ id: String(orEmpty), filters: null });
    expect(cleared.userErrors).toEqual([]);
    await waitForCohortCalculations();
    expect(await get(orEmpty)).toMatchObject({ filters: null, count: 0 });
  });
});

describe("restoring (one rule for every restorable object)", () => {
  it("restoring a cohort that is not deleted succeeds and changes nothing", async () => {
    const id = await cohort("Alive", { isStatic: true, staticPersonIds: [ada.uuid] });
    const RESTORE = `mutation($input: RestoreCohortInput!) { restoreCohort(input: $input) { cohort { ${FIELDS} } ${ERRORS} } }`;
    const before = await rowCounts();
    const stored = await prisma.cohort.findUniqueOrThrow({ where: { id } });
    const res = (await ok(RESTORE, { input: { id: String(id) } })).restoreCohort;
    expect(res).toEqual({ cohort: await get(id), userErrors: [] });
    expect(res.cohort).toMatchObject({ deleted: false, count: 1 });
    expect(await rowCounts()).toEqual(before);
    expect(await prisma.cohort.findUniqueOrThrow({ where: { id } })).toEqual(stored);
  });
});
