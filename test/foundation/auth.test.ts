import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";

const t = await setupTestApp();

describe("authentication", () => {
  it("answers the viewer's organizations with a valid key", async () => {
    const res = await t.gql(`{ viewer { user { email } organizations(first: 10) { totalCount nodes { name membershipLevel } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer.organizations.totalCount).toBe(1);
    expect(res.data.viewer.organizations.nodes[0].membershipLevel).toBe("OWNER");
  });

  it.each([
    ["no key", null, undefined],
    ["an empty Bearer", null, { authorization: "Bearer " }],
    ["a garbage token", "garbage", undefined],
    ["an unknown key", "phx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", undefined],
    ["a non-Bearer scheme", null, { authorization: "Basic abc" }],
  ])("refuses %s with 401 UNAUTHENTICATED", async (_name, key, headers) => {
    const res = await t.gql(`{ viewer { user { email } } }`, undefined, { key, headers });
    expect(res.status).toBe(401);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a revoked key", async () => {
    const key = await t.fixtures.key(t.owner.id);
    expect((await t.gql(`{ viewer { user { email } } }`, undefined, { key })).status).toBe(200);
    await t.db.prisma.personalApiKey.updateMany({ where: { userId: t.owner.id, label: "test key" }, data: {} });
    const { revokeApiKey } = await import("../../src/auth/api-keys.js");
    const rows = await t.db.prisma.personalApiKey.findMany({ where: { userId: t.owner.id }, orderBy: { createdAt: "desc" } });
    expect(await revokeApiKey(t.db.prisma, rows[0].id)).toBe(true);
    const res = await t.gql(`{ viewer { user { email } } }`, undefined, { key });
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("lets introspection through without a key, so GraphiQL can load the docs", async () => {
    const res = await t.gql(`{ __schema { queryType { name } } }`, undefined, { key: null });
    expect(res.status).toBe(200);
    expect(res.data.__schema.queryType.name).toBe("Query");
  });

  it("authenticates with one SQL statement", async () => {
    const res = await t.gql(`{ viewer { apiKey { label scopes } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.sql).toBe(1);
  });
});

describe("scopes", () => {
  it("answers FORBIDDEN when the key lacks organization:read", async () => {
    const key = await t.fixtures.key(t.owner.id, ["project:read"]);
    const res = await t.gql(`{ viewer { organizations(first: 10) { nodes { name } } } }`, undefined, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(res.data?.viewer ?? null).toBeNull();
  });

  it("lets write imply read", async () => {
    const key = await t.fixtures.key(t.owner.id, ["organization:write"]);
    const res = await t.gql(`{ viewer { organizations(first: 10) { nodes { name } } } }`, undefined, { key });
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer.organizations.nodes).toHaveLength(1);
  });

  it("refuses a mutation without the write scope and writes nothing", async () => {
    const key = await t.fixtures.key(t.owner.id, ["organization:read"]);
    const before = await t.db.prisma.organization.count();
    const res = await t.gql(
      `mutation { createOrganization(input: { name: "Nope" }) { organization { name } userErrors { message } } }`,
      undefined,
      { key },
    );
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await t.db.prisma.organization.count()).toBe(before);
  });
});
