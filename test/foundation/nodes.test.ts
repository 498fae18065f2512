// node(id:) / nodes(ids:) and typed lookups: the same authorization as typed
// fields, and NOT_FOUND alike for ids that do not exist and ids you may not see.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { encodeId } from "../../src/domain/ids.js";

const t = await setupTestApp();
const seed = initSeed(t);

// The owner (t.owner) is in t.org and in `second`; a stranger has `theirs`.
const second = await t.fixtures.organization("Second", [{ userId: t.owner.id, level: MembershipLevel.MEMBER }]);
const { org: theirs } = await seed.ownerWithOrg("Theirs");
// A colleague shares t.org with the owner; a loner shares nothing with the owner.
const { user: colleague } = await seed.home.member();
const loner = (await seed.ownerWithOrg("Lonely")).owner.user;

const orgGid = (id: string) => encodeId("Organization", id);
const userGid = (id: number) => encodeId("User", id);
const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Organization { name uuid } ... on User { email databaseId } } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Organization { name } ... on User { email } } }`;

function expectNotFound(res: { errors?: { message: string; extensions?: Record<string, unknown> }[] }, what?: RegExp) {
  expect(res.errors?.length, JSON.stringify(res)).toBeGreaterThan(0);
  for (const e of res.errors!) expect(e.extensions?.code).toBe("NOT_FOUND");
  if (what) expect(res.errors![0].message).toMatch(what);
}

describe("node(id:)", () => {
  it("fetches an organization of the caller's", async () => {
    const res = await t.gql(NODE, { id: orgGid(t.org.id) });
    expect(res.errors).toBeUndefined();
    expect(res.data.node).toMatchObject({ __typename: "Organization", id: orgGid(t.org.id), uuid: t.org.id });
  });

  it("round-trips: the id an object gives is the id node() takes", async () => {
    const list = await t.gql(`{ viewer { user { id } organizations(first: 10) { nodes { id name } } } }`);
    for (const org of list.data.viewer.organizations.nodes) {
      const res = await t.gql(NODE, { id: org.id });
      expect(res.data.node.name).toBe(org.name);
    }
    const me = await t.gql(NODE, { id: list.data.viewer.user.id });
    expect(me.data.node.databaseId).toBe(t.owner.id);
  });

  it("answers another organization's id exactly like an unknown one: NOT_FOUND, no data", async () => {
    const other = await t.gql(NODE, { id: orgGid(theirs.id) });
    const unknown = await t.gql(NODE, { id: orgGid("00000000-0000-4000-8000-000000000000") });
    for (const res of [other, unknown]) {
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ node: null });
      expectNotFound(res, /not found/);
    }
    // The same message shape, so nothing tells the two apart but the echoed id.
    expect(other.errors![0].message.replace(theirs.id, "X")).toBe(
      unknown.errors![0].message.replace("00000000-0000-4000-8000-000000000000", "X"),
    );
  });

  it.each([
    ["garbage", "!!!"],
    ["an empty string", ""],
    ["a bare UUID", "6a1f0d2e-5b9c-4e0f-9b1a-2b3c4d5e6f70"],
    ["base64 of nonsense", Buffer.from("nonsense").toString("base64url")],
    ["a type that is not a Node", encodeId("Viewer", 1)],
    ["an unknown type", encodeId("Foo", 1)],
    ["the Query type", encodeId("Query", 1)],
    ["a non-UUID organization id", encodeId("Organization", "abc")],
    ["a non-integer user id", encodeId("User", "abc")],
    ["a user id beyond int4", encodeId("User", "99999999999")],
    ["user id 0", encodeId("User", 0)],
    ["a very long id", "A".repeat(5000)],
  ])("answers a malformed id (%s) with NOT_FOUND, never a fault", async (_name, id) => {
    const res = await t.gql(NODE, { id });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ node: null });
    expectNotFound(res);
  });

  it("shows a user to themself and to co-members only", async () => {
    const self = await t.gql(NODE, { id: userGid(t.owner.id) });
    expect(self.data.node.databaseId).toBe(t.owner.id);
    const co = await t.gql(NODE, { id: userGid(colleague.id) });
    expect(co.errors).toBeUndefined();
    expect(co.data.node.email).toBe(colleague.email);
    const notCo = await t.gql(NODE, { id: userGid(loner.id) });
    const nobody = await t.gql(NODE, { id: userGid(2_000_000_000) });
    for (const res of [notCo, nobody]) {
      expect(res.data).toEqual({ node: null });
      expectNotFound(res, /^User not found\.$/);
    }
  });

  it("needs the organization:read scope for an organization, and answers FORBIDDEN without it", async () => {
    const key = await seed.home.scopedKey(["project:read"]);
    const res = await t.gql(NODE, { id: orgGid(t.org.id) }, { key });
    expect(res.data?.node ?? null).toBeNull();
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});

describe("nodes(ids:)", () => {
  it("fetches several objects in order, with null and NOT_FOUND (at its index) for those you may not see", async () => {
    const ids = [orgGid(second.id), orgGid(theirs.id), userGid(colleague.id), orgGid(t.org.id), userGid(loner.id)];
    const res = await t.gql(NODES, { ids });
    expect(res.status).toBe(200);
    expect(res.data.nodes).toEqual([
      { __typename: "Organization", id: ids[0], name: "Second" },
      null,
      { __typename: "User", id: ids[2], email: colleague.email },
      { __typename: "Organization", id: ids[3], name: expect.any(String) },
      null,
    ]);
    expectNotFound(res);
    expect(res.errors!.map((e) => e.path).sort()).toEqual([
      ["nodes", 1],
      ["nodes", 4],
    ]);
  });

  it("keeps the good ids when one of the same type is malformed inside", async () => {
    const res = await t.gql(NODES, { ids: [orgGid(t.org.id), orgGid("abc"), userGid(t.owner.id), encodeId("User", "x")] });
    expect(res.data.nodes[0]?.__typename).toBe("Organization");
    expect(res.data.nodes[1]).toBeNull();
    expect(res.data.nodes[2]?.__typename).toBe("User");
    expect(res.data.nodes[3]).toBeNull();
    expectNotFound(res);
  });

  it("answers NOT_FOUND (and no fault) when an id is not a global id at all", async () => {
    const res = await t.gql(NODES, { ids: [orgGid(t.org.id), "%%%"] });
    expect(res.status).toBe(200);
    expectNotFound(res);
  });

  it("loads many organizations in one query", async () => {
    const res = await t.gql(NODES, { ids: [orgGid(t.org.id), orgGid(second.id), orgGid(theirs.id)] });
    expect(res.data.nodes.filter(Boolean)).toHaveLength(2);
    expect(res.sql).toBe(2); // authentication + one batched load (the invisible id costs nothing)
  });

  it("takes 100 ids", async () => {
    const res = await t.gql(NODES, { ids: Array.from({ length: 100 }, () => orgGid(t.org.id)) });
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes).toHaveLength(100);
  });

  it.each([
    ["in a variable", NODES, { ids: Array.from({ length: 101 }, () => orgGid(t.org.id)) }],
    ["inline", `{ nodes(ids: [${Array.from({ length: 101 }, () => `"${orgGid(t.org.id)}"`).join(",")}]) { id } }`, undefined],
    [
      "in a fragment",
      `query($ids: [ID!]!) { ...F } fragment F on Query { n: nodes(ids: $ids) { id } }`,
      { ids: Array.from({ length: 150 }, () => orgGid(t.org.id)) },
    ],
  ])("refuses more than 100 ids (%s) with BAD_USER_INPUT, before loading anything", async (_name, query, variables) => {
    const res = await t.gql(query, variables);
    expect(res.status).toBe(400);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors![0].message).toMatch(/at most 100/);
    expect(res.data ?? null).toBeNull();
    expect(res.sql).toBe(1); // authentication only
  });
});

it("refuses nodes(ids:) without a key as UNAUTHENTICATED, whatever the number of ids", async () => {
  const res = await t.gql(NODES, { ids: Array.from({ length: 101 }, () => orgGid(t.org.id)) }, { key: null });
  expect(res.status).toBe(401);
  expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
});

describe("organization(id:)", () => {
  const Q = `query($id: ID!) { organization(id: $id) { id uuid name } }`;

  it("accepts the UUID (any case) and the global id", async () => {
    for (const id of [t.org.id, t.org.id.toUpperCase(), orgGid(t.org.id), ` ${t.org.id} `]) {
      const res = await t.gql(Q, { id });
      expect(res.errors, id).toBeUndefined();
      expect(res.data.organization).toMatchObject({ id: orgGid(t.org.id), uuid: t.org.id });
    }
  });

  it.each([
    ["another's UUID", () => theirs.id],
    ["another's global id", () => orgGid(theirs.id)],
    ["an unknown UUID", () => "00000000-0000-4000-8000-000000000000"],
    ["a user's global id", () => userGid(t.owner.id)],
    ["garbage", () => "not-an-id"],
  ])("answers %s with NOT_FOUND", async (_name, id) => {
    const res = await t.gql(Q, { id: id() });
    expect(res.data ?? null).toBeNull();
    expectNotFound(res);
  });
});

describe("keys limited to some organizations", () => {
  it("see only those, through every door", async () => {
    const key = await seed.home.scopedKey(["organization:read"], { organizations: [t.org.id] });
    const list = await t.gql(`{ viewer { organizations(first: 10) { totalCount nodes { uuid } } } }`, undefined, { key });
    expect(list.data.viewer.organizations).toEqual({ totalCount: 1, nodes: [{ uuid: t.org.id }] });

    for (const res of [
      await t.gql(NODE, { id: orgGid(second.id) }, { key }),
      await t.gql(`query($id: ID!) { organization(id: $id) { name } }`, { id: second.id }, { key }),
    ]) {
      expectNotFound(res);
    }
    const nodes = await t.gql(NODES, { ids: [orgGid(t.org.id), orgGid(second.id)] }, { key });
    expect(nodes.data.nodes.map((n: { id: string } | null) => n?.id ?? null)).toEqual([orgGid(t.org.id), null]);

    const current = await t.gql(`{ currentOrganization { uuid } }`, undefined, { key });
    expect(current.data.currentOrganization.uuid).toBe(t.org.id);
  });

  it("do not reveal users met only in the organizations outside the limit", async () => {
    const mate = await t.fixtures.user();
    await t.db.prisma.organizationMembership.create({ data: { organizationId: second.id, userId: mate.id } });
    const all = await t.gql(NODE, { id: userGid(mate.id) });
    expect(all.data.node.email).toBe(mate.email);
    const key = await seed.home.scopedKey(["organization:read"], { organizations: [t.org.id] });
    expectNotFound(await t.gql(NODE, { id: userGid(mate.id) }, { key }));
  });

  it("answer NOT_FOUND for an organization out of the limit on update, and change nothing", async () => {
    const key = await seed.home.scopedKey(["organization:write"], { organizations: [t.org.id] });
    const admin = await t.fixtures.organization("Admin here", [{ userId: t.owner.id, level: MembershipLevel.ADMIN }]);
    const res = await t.gql(
      `mutation($id: ID!) { updateOrganization(input: { id: $id, name: "Hacked" }) { organization { name } } }`,
      { id: admin.id },
      { key },
    );
    expectNotFound(res);
    expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: admin.id } })).name).toBe("Admin here");
  });
});
