// Nested project lists cost a fixed number of SQL statements, whatever the
// number of organizations, projects and environments.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { helpers } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const TREE = `{ viewer { organizations(first: 10) { nodes { projects(first: 10) { nodes { name timezone
  environments(first: 2) { nodes { name apiToken productIntents { productType } groupTypes { groupType } } } } } } } } }`;

const ACTIVITY = `{ viewer { organizations(first: 10) { nodes { projects(first: 50) { nodes { name
  activity(first: 5) { totalCount nodes { activity user { email } detail { changes { field after } } } } } } } } } }`;

// The shape: organization → projects(first: 50) → environments → activity(first: 5).
const DEEP = `query($id: ID!) { organization(id: $id) { projects(first: 50) { totalCount nodes {
  name secretApiToken liveEventsToken promotedProductIntent hasGroupTypes
  environments(first: 5) { nodes { name eventIngestionRestrictions { restrictionType }
  activity(first: 5) { nodes { activity user { email } } } } } } } } }`;

/**
 * A user owning `orgs` organizations of `projects` projects each; every project has 2 environments, intents, group types, restrictions and
 * activity.
 */
async function world(orgs: number, projects: number) {
  const owner = await h.seed.createOwner();
  const user = owner.user;
  const orgIds: string[] = [];
  for (let o = 0; o < orgs; o += 1) {
    const seeded = await owner.createOrg();
    const org = seeded.org;
    orgIds.push(org.id);
    for (let p = 0; p < projects; p += 1) {
      const { project, environment } = await seeded.createProject(h.uniqueName("N1"), { timezone: "Europe/Berlin" });
      const staging = await seeded.createEnvironment(project, h.uniqueName("N1 staging"));
      for (const env of [environment, staging]) {
        await prisma.productIntent.create({
          data: { environmentId: env.id, productType: "product_analytics", contexts: { "onboarding product selected - primary": 1 } },
        });
        await prisma.productIntent.create({ data: { environmentId: env.id, productType: "surveys" } });
        await prisma.groupTypeMapping.create({ data: { environmentId: env.id, groupType: "company", groupTypeIndex: 0 } });
        await prisma.eventIngestionRestriction.create({
          data: { token: env.apiToken, restrictionType: "skip_person_processing", distinctIds: ["a"] },
        });
        for (const activity of ["updated", "updated"]) {
          await prisma.activityLog.create({
            data: {
              organizationId: org.id,
              projectId: project.id,
              environmentId: env.id,
              userId: user.id,
              activity,
              scope: "Team",
              itemId: String(env.id),
              detail: {
                name: env.name,
                changes: [{ type: "Team", action: "changed", field: "timezone", before: "UTC", after: "Europe/Berlin" }],
              },
            },
          });
        }
      }
    }
  }
  return { key: owner.key, orgIds };
}

const small = await world(1, 1);
const wide = await world(1, 5);
const many = await world(3, 5);

describe("N+1: organizations → projects → environments → intents and group types", () => {
  it("costs the same statements for 1 and for 5 projects, and for 1 and for 3 organizations", async () => {
    const a = await t.gql(TREE, undefined, { key: small.key });
    const b = await t.gql(TREE, undefined, { key: wide.key });
    const c = await t.gql(TREE, undefined, { key: many.key });
    for (const res of [a, b, c]) expect(res.errors).toBeUndefined();
    const count = (res: typeof a) => res.data.viewer.organizations.nodes.flatMap((o: any) => o.projects.nodes).length;
    expect([count(a), count(b), count(c)]).toEqual([1, 5, 15]);
    for (const org of c.data.viewer.organizations.nodes) {
      for (const p of org.projects.nodes) {
        expect(p.timezone).toBe("Europe/Berlin");
        expect(p.environments.nodes).toHaveLength(2);
        for (const e of p.environments.nodes) {
          // (Sorted: both intents are created within a millisecond, and this test is about statements, not order.)
          expect(e.productIntents.map((i: any) => i.productType).sort()).toEqual(["product_analytics", "surveys"]);
          expect(e.groupTypes).toEqual([{ groupType: "company" }]);
        }
      }
    }
    // authentication, organizations, projects, environments, intents, group types
    expect(a.sql).toBe(6);
    expect(b.sql).toBe(a.sql);
    expect(c.sql).toBe(a.sql);
  });

  it("costs the same statements for Project.activity across 1, 5 and 15 projects", async () => {
    const a = await t.gql(ACTIVITY, undefined, { key: small.key });
    const b = await t.gql(ACTIVITY, undefined, { key: wide.key });
    const c = await t.gql(ACTIVITY, undefined, { key: many.key });
    for (const res of [a, b, c]) expect(res.errors).toBeUndefined();
    for (const org of c.data.viewer.organizations.nodes) {
      for (const p of org.projects.nodes) {
        expect(p.activity.totalCount).toBe(4);
        expect(p.activity.nodes).toHaveLength(4);
        expect(p.activity.nodes[0].user.email).toMatch(/@example\.com$/);
      }
    }
    // authentication, organizations, projects, activity pages, users
    expect(a.sql).toBe(5);
    expect(b.sql).toBe(a.sql);
    expect(c.sql).toBe(a.sql);
  });

  it("keeps organization → projects(first: 50) → environments → activity(first: 5) constant as the page grows", async () => {
    const a = await t.gql(DEEP, { id: small.orgIds[0] }, { key: small.key });
    const b = await t.gql(DEEP, { id: wide.orgIds[0] }, { key: wide.key });
    for (const res of [a, b]) expect(res.errors).toBeUndefined();
    expect(a.data.organization.projects.totalCount).toBe(1);
    expect(b.data.organization.projects.totalCount).toBe(5);
    for (const p of b.data.organization.projects.nodes) {
      expect(p.promotedProductIntent).toBe("product_analytics");
      expect(p.hasGroupTypes).toBe(true);
      for (const e of p.environments.nodes) {
        expect(e.activity.nodes).toHaveLength(2);
        expect(e.eventIngestionRestrictions).toEqual([{ restrictionType: "SKIP_PERSON_PROCESSING" }]);
      }
    }
    expect(b.sql).toBe(a.sql);
  });

  it("costs the same for project(id:) lookups and nodes(ids:) of many projects", async () => {
    const ids = (
      await h.ok(`{ viewer { organizations(first: 10) { nodes { projects(first: 10) { nodes { id } } } } } }`, undefined, many.key)
    ).viewer.organizations.nodes.flatMap((o: any) => o.projects.nodes.map((p: any) => p.id));
    const q = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Project { name environments(first: 2) { nodes { productIntents {
      productType } groupTypes { groupType } } } } } }`;
    const one = await t.gql(q, { ids: ids.slice(0, 1) }, { key: many.key });
    const all = await t.gql(q, { ids }, { key: many.key });
    for (const res of [one, all]) expect(res.errors).toBeUndefined();
    expect(all.data.nodes).toHaveLength(15);
    expect(all.sql).toBe(one.sql);
  });
});
