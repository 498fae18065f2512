// Nested lists cost a fixed number of SQL statements, whatever the number of parents.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { MembershipLevel } from "../../src/auth/levels.js";

const t = await setupTestApp();
const seed = initSeed(t);

const QUERY = `{ viewer { organizations(first: 10) { nodes { name members(first: 10) { nodes { level user { email } } } } } } }`;

/** A user in `orgCount` organizations, each with the user as owner and `others` more members; returns the user's key. */
async function userWithOrgs(orgCount: number, others: number): Promise<string> {
  const viewer = await seed.createOwner(["organization:read"]);
  for (let i = 0; i < orgCount; i += 1) {
    const org = await viewer.createOrg(`N1 ${orgCount}-${i}`);
    for (let j = 0; j < others; j += 1) await org.member(j === 0 ? MembershipLevel.ADMIN : MembershipLevel.MEMBER);
  }
  return viewer.key;
}

const oneOrg = await userWithOrgs(1, 4);
const tenOrgs = await userWithOrgs(10, 4);

describe("N+1", () => {
  it("answers organizations → members → users with 4 statements for 1 organization", async () => {
    const res = await t.gql(QUERY, undefined, { key: oneOrg });
    expect(res.errors).toBeUndefined();
    const orgs = res.data.viewer.organizations.nodes;
    expect(orgs).toHaveLength(1);
    expect(orgs[0].members.nodes).toHaveLength(5);
    expect(orgs[0].members.nodes.map((m: { level: string }) => m.level).sort()).toEqual(["ADMIN", "MEMBER", "MEMBER", "MEMBER", "OWNER"]);
    // authentication, the organizations page, the members pages, the users
    expect(res.sql).toBe(4);
  });

  it("answers the same query with the same 4 statements for 10 organizations", async () => {
    const res = await t.gql(QUERY, undefined, { key: tenOrgs });
    expect(res.errors).toBeUndefined();
    const orgs = res.data.viewer.organizations.nodes;
    expect(orgs).toHaveLength(10);
    for (const org of orgs) {
      expect(org.members.nodes).toHaveLength(5);
      for (const m of org.members.nodes) expect(m.user.email).toMatch(/@example\.com$/);
    }
    const emails = orgs.flatMap((o: { members: { nodes: { user: { email: string } }[] } }) => o.members.nodes.map((m) => m.user.email));
    expect(new Set(emails).size).toBe(41); // the owner in each, plus 4 others each
    expect(res.sql).toBe(4);
  });

  it("keeps the count fixed for lookups by id too: nodes(ids:) of 10 organizations with their members", async () => {
    const ids = await t.gql(`{ viewer { organizations(first: 10) { nodes { id } } } }`, undefined, { key: tenOrgs });
    const res = await t.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization { name membershipLevel members(first: 3) {
        totalCount nodes { user { email } } } } } }`,
      { ids: ids.data.viewer.organizations.nodes.map((n: { id: string }) => n.id) },
      { key: tenOrgs },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes).toHaveLength(10);
    for (const org of res.data.nodes) {
      expect(org.membershipLevel).toBe("OWNER");
      expect(org.members.totalCount).toBe(5);
      expect(org.members.nodes).toHaveLength(3);
    }
    // authentication, the organizations, the members pages, the users
    expect(res.sql).toBe(4);
  });

  it("costs one statement per aliased list, not per organization", async () => {
    const res = await t.gql(
      `{ a: viewer { organizations(first: 10) { totalCount } } b: viewer { organizations(first: 10) { totalCount } } }`,
      undefined,
      { key: tenOrgs },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.a.organizations.totalCount).toBe(10);
    expect(res.data.b.organizations.totalCount).toBe(10);
    expect(res.sql).toBe(3); // authentication, then one page query per alias (loaders batch by path)
  });
});
