// Relay connections: window arguments are validated (never clamped), and
// first/after and last/before give the right slices, pageInfo and totalCount.
import { describe, expect, it } from "vitest";
import { offsetToCursor } from "@pothos/plugin-relay";
import { setupTestApp } from "../helpers/app.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { connectionFromArray, pageWindow } from "../../src/schema/connections.js";

const t = await setupTestApp();

// A user in seven organizations (named so that the order, by name, is A..G), and
// an organization the user is not in (it must never show up).
const user = await t.fixtures.user();
const NAMES = ["Gamma g", "alpha a", "Delta d", "beta b", "Echo e", "cobalt c", "Foxtrot f"];
const SORTED = [...NAMES].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
for (const name of NAMES) await t.fixtures.organization(name, [{ userId: user.id, level: MembershipLevel.MEMBER }]);
await t.fixtures.organization("aardvark (not a member)", [{ userId: t.owner.id, level: MembershipLevel.OWNER }]);
const key = await t.fixtures.key(user.id, ["organization:read"]);

const PAGE = `query($first: Int, $after: String, $last: Int, $before: String) {
  viewer { organizations(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
    nodes { name }
  } }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { name: string } }[];
  nodes: { name: string }[];
}

async function page(args: { first?: number; after?: string; last?: number; before?: string }): Promise<Page> {
  const res = await t.gql(PAGE, args, { key });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const conn = res.data.viewer.organizations as Page;
  // edges and nodes agree, and the page's cursors are its first and last edges'.
  expect(conn.edges.map((e) => e.node)).toEqual(conn.nodes);
  expect(conn.pageInfo.startCursor).toBe(conn.edges[0]?.cursor ?? null);
  expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1)?.cursor ?? null);
  expect(conn.totalCount).toBe(NAMES.length);
  return conn;
}
const names = (p: Page) => p.nodes.map((n) => n.name);

describe("window arguments", () => {
  it.each([
    ["first: 0", { first: 0 }, "first"],
    ["first: -1", { first: -1 }, "first"],
    ["first: 101", { first: 101 }, "first"],
    ["first: 500", { first: 500 }, "first"],
    ["last: 0", { last: 0 }, "last"],
    ["last: 101", { last: 101 }, "last"],
    ["first and last together", { first: 2, last: 2 }, "last"],
    ["a garbage after", { after: "garbage" }, "after"],
    ["a garbage before", { before: "garbage!!" }, "before"],
    ["an after cursor with a negative offset", { after: offsetToCursor(-5) }, "after"],
    ["an after cursor with a fractional offset", { after: offsetToCursor(1.5) }, "after"],
    ["an after cursor with an offset beyond any list", { after: offsetToCursor(99_999_999_999) }, "after"],
    ["a before cursor with an offset beyond any list", { before: offsetToCursor(2 ** 40) }, "before"],
    [
      "a cursor with trailing garbage",
      { after: Buffer.from(`${Buffer.from(offsetToCursor(2), "base64").toString()}x`).toString("base64") },
      "after",
    ],
    ["a cursor of another prefix", { after: Buffer.from("arrayconnection:2").toString("base64") }, "after"],
  ])("refuses %s with BAD_USER_INPUT", async (_name, args, argument) => {
    const res = await t.gql(PAGE, args, { key });
    expect(res.status).toBe(200);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors![0].extensions?.argument).toBe(argument);
    expect(res.errors![0].path).toEqual(["viewer", "organizations"]);
    expect(res.errors![0].message).toMatch(new RegExp(argument === "last" && "first" in args ? "first.*last|last.*first" : argument));
  });

  it("accepts first: 100 and last: 100, the bounds", async () => {
    expect(names(await page({ first: 100 }))).toEqual(SORTED);
    expect(names(await page({ last: 100 }))).toEqual(SORTED);
  });

  it("pages 20 by default", async () => {
    expect(pageWindow({})).toEqual({ afterOffset: null, beforeOffset: null, first: 20, last: null });
    const items = Array.from({ length: 30 }, (_, i) => i);
    const conn = connectionFromArray(items, {});
    expect(conn.edges.map((e) => e.node)).toEqual(items.slice(0, 20));
    expect(conn.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(conn.totalCount).toBe(30);
  });

  it("refuses bad windows in the in-memory pager too", () => {
    expect(() => connectionFromArray([1, 2], { first: 0 })).toThrow(/between 1 and 100/);
    expect(() => connectionFromArray([1, 2], { first: 1, last: 1 })).toThrow(/not both/);
    expect(() => connectionFromArray([1, 2], { after: "nope" })).toThrow(/cursor/);
  });
});

describe("paging viewer.organizations", () => {
  it("lists only the user's organizations, by name, case-insensitively", async () => {
    const all = await page({});
    expect(names(all)).toEqual(SORTED);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it("walks forward with first/after", async () => {
    const p1 = await page({ first: 3 });
    expect(names(p1)).toEqual(SORTED.slice(0, 3));
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const p2 = await page({ first: 3, after: p1.pageInfo.endCursor! });
    expect(names(p2)).toEqual(SORTED.slice(3, 6));
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const p3 = await page({ first: 3, after: p2.pageInfo.endCursor! });
    expect(names(p3)).toEqual(SORTED.slice(6));
    expect(p3.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const p4 = await page({ first: 3, after: p3.pageInfo.endCursor! });
    expect(p4.nodes).toEqual([]);
    expect(p4.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });

  it("walks backward with last/before", async () => {
    const p1 = await page({ last: 3 });
    expect(names(p1)).toEqual(SORTED.slice(4));
    expect(p1.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const p2 = await page({ last: 3, before: p1.pageInfo.startCursor! });
    expect(names(p2)).toEqual(SORTED.slice(1, 4));
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const p3 = await page({ last: 3, before: p2.pageInfo.startCursor! });
    expect(names(p3)).toEqual(SORTED.slice(0, 1));
    expect(p3.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const p4 = await page({ last: 3, before: p3.pageInfo.startCursor! });
    expect(p4.nodes).toEqual([]);
    expect(p4.pageInfo).toMatchObject({ hasPreviousPage: false, startCursor: null, endCursor: null });
  });

  it("gives each item a stable cursor, whichever way it is reached", async () => {
    const forward = (await page({ first: 7 })).edges;
    const backward = (await page({ last: 4 })).edges;
    expect(backward).toEqual(forward.slice(3));
  });

  it("takes the items between after and before", async () => {
    const all = (await page({})).edges;
    const between = await page({ after: all[1].cursor, before: all[5].cursor });
    expect(names(between)).toEqual(SORTED.slice(2, 5));
    const firstTwo = await page({ first: 2, after: all[1].cursor, before: all[5].cursor });
    expect(names(firstTwo)).toEqual(SORTED.slice(2, 4));
    expect(firstTwo.pageInfo.hasNextPage).toBe(true);
    const lastTwo = await page({ last: 2, after: all[1].cursor, before: all[5].cursor });
    expect(names(lastTwo)).toEqual(SORTED.slice(3, 5));
  });

  it("answers an empty page, not an error, for a cursor past the end", async () => {
    const p = await page({ first: 5, after: offsetToCursor(50) });
    expect(p.nodes).toEqual([]);
    expect(p.pageInfo.hasNextPage).toBe(false);
  });

  it("pages the same without totalCount, and then counts nothing (one extra row says whether more follow)", async () => {
    const UNCOUNTED = `query($first: Int, $after: String) { viewer { organizations(first: $first, after: $after) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } } }`;
    for (const first of [1, 3, 6, 7, 8]) {
      let after: string | undefined;
      for (;;) {
        t.db.counter.recording = true;
        t.db.counter.reset();
        const res = await t.gql(UNCOUNTED, { first, after }, { key });
        const statements = t.db.counter.statements;
        t.db.counter.recording = false;
        expect(res.errors).toBeUndefined();
        expect(statements.filter((sql) => /count\(\*\)/i.test(sql))).toEqual([]);
        const counted = await page({ first, after });
        const { totalCount: _, nodes: __, ...withoutCount } = counted;
        expect(res.data.viewer.organizations).toEqual(withoutCount);
        if (!counted.pageInfo.hasNextPage) break;
        after = counted.pageInfo.endCursor!;
      }
    }
  });

  it("counts and pages only the organizations a limited key reaches", async () => {
    const orgs = await t.db.prisma.organization.findMany({ where: { name: { in: [SORTED[1], SORTED[4]] } } });
    const limited = await t.fixtures.key(user.id, ["organization:read"], { scopedOrganizations: orgs.map((o) => o.id) });
    const res = await t.gql(PAGE, { first: 1 }, { key: limited });
    expect(res.errors).toBeUndefined();
    const conn = res.data.viewer.organizations as Page;
    expect(conn.totalCount).toBe(2);
    expect(names(conn)).toEqual([SORTED[1]]);
    const next = await t.gql(PAGE, { first: 1, after: conn.pageInfo.endCursor }, { key: limited });
    expect(next.data.viewer.organizations.nodes).toEqual([{ name: SORTED[4] }]);
    expect(next.data.viewer.organizations.pageInfo.hasNextPage).toBe(false);
  });
});

describe("paging organization.members", () => {
  it("pages members oldest first, both ways", async () => {
    const org = await t.fixtures.organization("Members Inc", [{ userId: user.id, level: MembershipLevel.OWNER }]);
    const emails = [(await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).email];
    for (let i = 0; i < 4; i += 1) {
      const u = await t.fixtures.user();
      await t.db.prisma.organizationMembership.create({
        data: { organizationId: org.id, userId: u.id, level: MembershipLevel.MEMBER, joinedAt: new Date(Date.now() + (i + 1) * 1000) },
      });
      emails.push(u.email);
    }
    const memberKey = await t.fixtures.key(user.id, ["organization:read"]);
    const q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      organization(id: $id) { members(first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } nodes { user { email } }
      } }
    }`;
    const p1 = await t.gql(q, { id: org.id, first: 2 }, { key: memberKey });
    expect(p1.errors).toBeUndefined();
    const m1 = p1.data.organization.members;
    expect(m1.totalCount).toBe(5);
    expect(m1.nodes.map((n: { user: { email: string } }) => n.user.email)).toEqual(emails.slice(0, 2));
    const p2 = await t.gql(q, { id: org.id, first: 2, after: m1.pageInfo.endCursor }, { key: memberKey });
    expect(p2.data.organization.members.nodes.map((n: { user: { email: string } }) => n.user.email)).toEqual(emails.slice(2, 4));
    const last = await t.gql(q, { id: org.id, last: 2 }, { key: memberKey });
    expect(last.data.organization.members.nodes.map((n: { user: { email: string } }) => n.user.email)).toEqual(emails.slice(3));
    expect(last.data.organization.members.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
});
