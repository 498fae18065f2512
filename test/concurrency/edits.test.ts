// Issue 12, "nothing lost": concurrent edits of different fields of one row
// both stay (cohorts, annotations), and a project moved to the same
// organization by many requests at once moves once: one success, userErrors
// for the others, one activity entry whose "before" is the original org.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { encodeId } from "../../src/domain/ids.js";
import { helpers, orgGid, projectGid } from "../projects/support.js";
import { all, changeOf, expectNoFaults, outcomes, payloads, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const UPDATE_COHORT = `mutation($input: UpdateCohortInput!) { updateCohort(input: $input) { cohort { id name description }
  ${USER_ERRORS} } }`;
const UPDATE_ANNOTATION = `mutation($input: UpdateAnnotationInput!) { updateAnnotation(input: $input) { annotation {
  id content dateMarker } ${USER_ERRORS} } }`;
const MOVE = `mutation($input: ChangeProjectOrganizationInput!) { changeProjectOrganization(input: $input) {
  project { id organization { id } } ${USER_ERRORS} } }`;

const ROUNDS = 10;

describe("updateCohort: name and description at once", () => {
  it(`both changes are stored (${ROUNDS} rounds)`, async () => {
    const p = await h.project();
    const cohort = await prisma.cohort.create({
      data: { environmentId: p.environment.id, name: "Start", description: "start", isStatic: true, cohortType: "static" },
    });
    const id = encodeId("Cohort", cohort.id);
    const lost: string[] = [];
    const responses = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const name = `Name ${round}`;
      const description = `Description ${round}`;
      const results = await Promise.all([
        t.gql(UPDATE_COHORT, { input: { id, name } }),
        t.gql(UPDATE_COHORT, { input: { id, description } }),
      ]);
      responses.push(...results);
      expect.soft(outcomes(payloads(results, "updateCohort")), `round ${round}`).toEqual({ ok: 2, codes: [], missing: 0 });
      const res = await t.gql(`query($id: ID!) { cohort(id: $id) { name description } }`, { id });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const stored = res.data.cohort;
      if (stored.name !== name || stored.description !== description) lost.push(`round ${round}: ${JSON.stringify(stored)}`);
    }
    expectNoFaults(responses);
    expect(lost, `${lost.length} of ${ROUNDS} rounds lost a change`).toEqual([]);
  });
});

describe("updateAnnotation: content and dateMarker at once", () => {
  it(`both changes are stored (${ROUNDS} rounds)`, async () => {
    const p = await h.project();
    const annotation = await prisma.annotation.create({
      data: {
        organizationId: t.org.id,
        environmentId: p.environment.id,
        content: "start",
        dateMarker: new Date("2026-01-01T00:00:00Z"),
        createdById: t.owner.id,
      },
    });
    const id = encodeId("Annotation", annotation.id);
    const lost: string[] = [];
    const responses = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const content = `Content ${round}`;
      const dateMarker = new Date(Date.UTC(2026, 1, round + 1)).toISOString();
      const results = await Promise.all([
        t.gql(UPDATE_ANNOTATION, { input: { id, content } }),
        t.gql(UPDATE_ANNOTATION, { input: { id, dateMarker } }),
      ]);
      responses.push(...results);
      expect.soft(outcomes(payloads(results, "updateAnnotation")), `round ${round}`).toEqual({ ok: 2, codes: [], missing: 0 });
      const res = await t.gql(`query($id: ID!) { annotation(id: $id) { content dateMarker } }`, { id });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const stored = res.data.annotation;
      if (stored.content !== content || stored.dateMarker !== dateMarker) lost.push(`round ${round}: ${JSON.stringify(stored)}`);
    }
    expectNoFaults(responses);
    expect(lost, `${lost.length} of ${ROUNDS} rounds lost a change`).toEqual([]);
  });
});

describe("changeProjectOrganization of one project to one target at once", () => {
  it("of 10 concurrent moves one succeeds, the others get a userError; one entry, from the original organization (3 rounds)", async () => {
    const wrong: string[] = [];
    const responses = [];
    for (let round = 0; round < 3; round += 1) {
      const { org: from } = await h.seed.home.owner.createOrg();
      const { org: target } = await h.seed.home.owner.createOrg();
      const p = await h.project({}, undefined, from.id);
      const input = { id: projectGid(p.project.id), organizationId: orgGid(target.id) };
      const results = await all(10, () => t.gql(MOVE, { input }));
      responses.push(...results);
      const o = outcomes(payloads(results, "changeProjectOrganization"));
      const row = await prisma.project.findUniqueOrThrow({ where: { id: p.project.id } });
      const envOrgs = (await prisma.environment.findMany({ where: { projectId: p.project.id } })).map((e) => e.organizationId);
      const entries = await prisma.activityLog.findMany({
        where: { projectId: p.project.id, activity: "changed_organization" },
        orderBy: { seq: "asc" },
      });
      const moves = entries.map((e) => {
        const c = changeOf(e, "organization");
        return (
          `${c?.before === from.id ? "from" : c?.before === target.id ? "target" : c?.before}→` +
          `${c?.after === target.id ? "target" : c?.after}`
        );
      });
      const problems = [
        o.ok !== 1 && `${o.ok} succeeded`,
        o.codes.length !== 9 && `${o.codes.length} userErrors [${o.codes}]`,
        o.missing !== 0 && `${o.missing} without a payload`,
        row.organizationId !== target.id && "the project is not in the target",
        envOrgs.some((org) => org !== target.id) && "an environment is not in the target",
        moves.join() !== "from→target" && `activity entries: [${moves.join(", ")}]`,
      ].filter(Boolean);
      if (problems.length) wrong.push(`round ${round}: ${problems.join(", ")}`);
    }
    expectNoFaults(responses);
    expect(wrong, `${wrong.length} of 3 rounds went wrong`).toEqual([]);
  });
});

describe("concurrent addPersonsToStaticCohort on one static cohort", () => {
  const ADD = `mutation($input: AddPersonsToStaticCohortInput!) { addPersonsToStaticCohort(input: $input) {
    cohort { count } ${USER_ERRORS} } }`;

  it("adds every person, counts them all, and logs one entry per change", async () => {
    const p = await h.project();
    const cohort = await prisma.cohort.create({
      data: { environmentId: p.environment.id, name: "Static at once", isStatic: true, cohortType: "static", count: 0 },
    });
    const people = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        prisma.person.create({ data: { environmentId: p.environment.id, distinctIds: [`at-once-${i}`], properties: {} } }),
      ),
    );
    const id = encodeId("Cohort", cohort.id);
    // Each person twice: adding one already there changes nothing.
    const results = await all(20, (i) => t.gql(ADD, { input: { id, personIds: [people[i % 10].uuid] } }));
    expectNoFaults(results);
    expect(outcomes(payloads(results, "addPersonsToStaticCohort"))).toEqual({ ok: 20, codes: [], missing: 0 });
    expect(await prisma.cohortPerson.count({ where: { cohortId: cohort.id } })).toBe(10);
    expect((await prisma.cohort.findUniqueOrThrow({ where: { id: cohort.id } })).count).toBe(10);
    expect(await prisma.activityLog.count({ where: { scope: "Cohort", itemId: String(cohort.id) } })).toBe(10);
  });
});
