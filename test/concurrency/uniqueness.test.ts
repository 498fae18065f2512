// Issue 12, "nothing lost": creations that race for one name or one row.
// Exactly one wins where a name must be unique (the others are answered TAKEN,
// never a server error); where a free variant exists (organization slugs) or
// the row is get-or-create (product intents), every request succeeds and
// nothing is counted twice or lost.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { encodeId } from "../../src/domain/ids.js";
import { helpers, MembershipLevel, orgGid, projectGid } from "../projects/support.js";
import { all, expectNoFaults, outcomes, payloads, told, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization {
  id name slug membershipLevel } ${USER_ERRORS} } }`;
const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id databaseId name }
  ${USER_ERRORS} } }`;
const UPDATE_PROJECT = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { id name } ${USER_ERRORS} } }`;
const MOVE = `mutation($input: ChangeProjectOrganizationInput!) { changeProjectOrganization(input: $input) { project {
  id name organization { id } } ${USER_ERRORS} } }`;
const INTENT = `mutation($input: AddProjectProductIntentInput!) { addProjectProductIntent(input: $input) { project { id }
  ${USER_ERRORS} } }`;
const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id name } ${USER_ERRORS} } }`;
const ADD_MEMBER = `mutation($input: AddRoleMemberInput!) { addRoleMember(input: $input) { member { user { email } } ${USER_ERRORS} } }`;

/** An organization the owner administers. */
const ownedOrg = async (name?: string) => (await h.seed.home.owner.createOrg(name)).org;

describe("createOrganization with one name at once", () => {
  it("30 concurrent creations all succeed, with 30 distinct slugs", async () => {
    const name = `Acme Race ${process.pid}`;
    const results = await all(30, () => t.gql(CREATE_ORG, { input: { name } }));
    expectNoFaults(results);
    const list = payloads(results, "createOrganization");
    const o = outcomes(list);
    expect.soft(o, `of 30 creations: ${told(o)}`).toEqual({ ok: 30, codes: [], missing: 0 });
    const slugs = list.filter((p) => p?.organization).map((p) => p.organization.slug);
    expect.soft(new Set(slugs).size, `${new Set(slugs).size} distinct slugs among 30 organizations`).toBe(30);
    for (const p of list.filter((p) => p?.organization)) expect.soft(p.organization).toMatchObject({ name, membershipLevel: "OWNER" });

    const stored = await prisma.organization.findMany({ where: { name }, include: { memberships: true } });
    expect.soft(stored.length, "organizations stored").toBe(30);
    expect.soft(new Set(stored.map((o) => o.slug)).size, "distinct stored slugs").toBe(stored.length);
    expect
      .soft(
        stored.filter((o) => o.memberships.length !== 1 || o.memberships[0].userId !== t.owner.id).length,
        "organizations without exactly their owner",
      )
      .toBe(0);
  });
});

describe("addProjectProductIntent, the first for a product, at once", () => {
  it("20 concurrent first intents make one intent with its context counted 20 times", async () => {
    const p = await h.project();
    const context = "onboarding product selected - primary";
    const input = { id: projectGid(p.project.id), productType: "SESSION_REPLAY", intentContext: context };
    const results = await all(20, () => t.gql(INTENT, { input }));
    expectNoFaults(results);
    const o = outcomes(payloads(results, "addProjectProductIntent"));
    expect.soft(o, `of 20 intents: ${told(o)}`).toEqual({ ok: 20, codes: [], missing: 0 });

    const res = await t.gql(`query($id: ID!) { project(id: $id) { productIntents { productType contexts } promotedProductIntent } }`, {
      id: projectGid(p.project.id),
    });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const intents = res.data.project.productIntents.filter((i: { productType: string }) => i.productType === "session_replay");
    expect.soft(intents.length, "intents for session_replay").toBe(1);
    expect.soft(intents[0]?.contexts, `context counted ${intents[0]?.contexts?.[context]} of 20 times`).toEqual({ [context]: 20 });
    expect.soft(res.data.project.promotedProductIntent).toBe("session_replay");
    const logged = await prisma.activityLog.count({ where: { projectId: p.project.id, activity: "product_intent_added" } });
    expect.soft(logged, "activity entries").toBe(20);
  });
});

describe("createProject with one name in one organization at once", () => {
  it("of 10 concurrent creations exactly one succeeds; the others are answered TAKEN", async () => {
    const name = h.uniqueName("Racing project");
    const results = await all(10, () => t.gql(CREATE_PROJECT, { input: { organizationId: orgGid(t.org.id), name } }));
    expectNoFaults(results);
    const o = outcomes(payloads(results, "createProject"));
    expect.soft(o, `of 10 creations: ${told(o)}`).toEqual({ ok: 1, codes: Array(9).fill("TAKEN"), missing: 0 });
    const stored = await prisma.project.findMany({ where: { organizationId: t.org.id, name } });
    expect.soft(stored.length, "projects stored with the name").toBe(1);
    const environments = await prisma.environment.count({ where: { organizationId: t.org.id, name } });
    expect.soft(environments, "primary environments stored with the name").toBe(stored.length);
  });
});

describe("updateProject renaming two projects to one name at once", () => {
  it("exactly one rename succeeds, the other is answered TAKEN (10 rounds)", async () => {
    const wrong: string[] = [];
    const responses = [];
    for (let round = 0; round < 10; round += 1) {
      const [a, b] = [await h.project(), await h.project()];
      const name = h.uniqueName("Renamed");
      const results = await Promise.all([a, b].map((p) => t.gql(UPDATE_PROJECT, { input: { id: projectGid(p.project.id), name } })));
      responses.push(...results);
      const o = outcomes(payloads(results, "updateProject"));
      const stored = await prisma.project.count({ where: { organizationId: t.org.id, name } });
      if (o.ok !== 1 || o.codes.join() !== "TAKEN" || o.missing !== 0 || stored !== 1) {
        wrong.push(`round ${round}: ${o.ok} succeeded, codes [${o.codes}], ${o.missing} failed, ${stored} stored with the name`);
      }
    }
    expectNoFaults(responses);
    expect(wrong, `${wrong.length} of 10 rounds did not end with one rename and one TAKEN`).toEqual([]);
  });
});

describe("changeProjectOrganization of two same-named projects into one organization at once", () => {
  it("exactly one move succeeds, the other is answered TAKEN (10 rounds)", async () => {
    const wrong: string[] = [];
    const responses = [];
    for (let round = 0; round < 10; round += 1) {
      const [from1, from2, target] = [await ownedOrg(), await ownedOrg(), await ownedOrg()];
      const name = h.uniqueName("Moved");
      const p1 = await h.project({}, name, from1.id);
      const p2 = await h.project({}, name, from2.id);
      const results = await Promise.all(
        [p1, p2].map((p) => t.gql(MOVE, { input: { id: projectGid(p.project.id), organizationId: orgGid(target.id) } })),
      );
      responses.push(...results);
      const o = outcomes(payloads(results, "changeProjectOrganization"));
      const inTarget = await prisma.project.count({ where: { organizationId: target.id } });
      if (o.ok !== 1 || o.codes.join() !== "TAKEN" || o.missing !== 0 || inTarget !== 1) {
        wrong.push(`round ${round}: ${o.ok} succeeded, codes [${o.codes}], ${o.missing} failed, ${inTarget} projects in the target`);
      }
    }
    expectNoFaults(responses);
    expect(wrong, `${wrong.length} of 10 rounds did not end with one move and one TAKEN`).toEqual([]);
  });
});

describe("roles at once", () => {
  it("createRole: of 10 concurrent creations with one name exactly one succeeds; the others are answered TAKEN", async () => {
    const name = h.uniqueName("Racing role");
    const results = await all(10, () => t.gql(CREATE_ROLE, { input: { organizationId: orgGid(t.org.id), name } }));
    expectNoFaults(results);
    const o = outcomes(payloads(results, "createRole"));
    expect.soft(o, `of 10 creations: ${told(o)}`).toEqual({ ok: 1, codes: Array(9).fill("TAKEN"), missing: 0 });
    expect.soft(await prisma.role.count({ where: { organizationId: t.org.id, name } }), "roles stored").toBe(1);
    expect
      .soft(
        await prisma.activityLog.count({ where: { scope: "Role", activity: "created", detail: { path: ["name"], equals: name } } }),
        "activity entries",
      )
      .toBe(1);
  });

  it("addRoleMember: of 10 concurrent additions of one user to one role exactly one succeeds; the others are answered TAKEN", async () => {
    const created = await t.gql(CREATE_ROLE, { input: { organizationId: orgGid(t.org.id), name: h.uniqueName("Members role") } });
    expect(created.errors).toBeUndefined();
    const role = created.data.createRole.role;
    const { user } = await h.userAt(MembershipLevel.MEMBER);
    const results = await all(10, () => t.gql(ADD_MEMBER, { input: { roleId: role.id, userId: encodeId("User", user.id) } }));
    expectNoFaults(results);
    const o = outcomes(payloads(results, "addRoleMember"));
    expect.soft(o, `of 10 additions: ${told(o)}`).toEqual({ ok: 1, codes: Array(9).fill("TAKEN"), missing: 0 });
    const roleRow = await prisma.role.findFirstOrThrow({ where: { name: role.name, organizationId: t.org.id } });
    expect.soft(await prisma.roleMembership.count({ where: { roleId: roleRow.id, userId: user.id } }), "memberships stored").toBe(1);
    expect.soft(await prisma.activityLog.count({ where: { itemId: roleRow.id, activity: "member_added" } }), "activity entries").toBe(1);
  });
});
