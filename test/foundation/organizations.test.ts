// createOrganization / updateOrganization: success, userErrors (with nothing
// written), levels, and unique slugs.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { MembershipLevel } from "../../src/auth/levels.js";

const t = await setupTestApp();

const CREATE = `mutation($name: String!) {
  createOrganization(input: { name: $name }) {
    organization { id uuid name slug membershipLevel members(first: 5) { totalCount nodes { level user { databaseId } } } }
    userErrors { field message code }
  }
}`;
const UPDATE = `mutation($id: ID!, $name: String) {
  updateOrganization(input: { id: $id, name: $name }) {
    organization { uuid name slug updatedAt }
    userErrors { field message code }
  }
}`;

async function counts() {
  return {
    organizations: await t.db.prisma.organization.count(),
    memberships: await t.db.prisma.organizationMembership.count(),
    names: (await t.db.prisma.organization.findMany({ select: { name: true }, orderBy: { id: "asc" } })).map((o) => o.name),
  };
}

describe("createOrganization", () => {
  it("creates an organization with the caller as owner, and makes it current for a user without one", async () => {
    const user = await t.fixtures.user();
    const key = await t.fixtures.key(user.id, ["organization:write"]);
    const res = await t.gql(CREATE, { name: "  Acme Analytics  " }, { key });
    expect(res.errors).toBeUndefined();
    const { organization, userErrors } = res.data.createOrganization;
    expect(userErrors).toEqual([]);
    expect(organization).toMatchObject({ name: "Acme Analytics", slug: "acme-analytics", membershipLevel: "OWNER" });
    expect(organization.members).toEqual({ totalCount: 1, nodes: [{ level: "OWNER", user: { databaseId: user.id } }] });

    const row = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: organization.uuid }, include: { memberships: true } });
    expect(row.memberships).toMatchObject([{ userId: user.id, level: MembershipLevel.OWNER }]);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).currentOrganizationId).toBe(organization.uuid);

    // The next request sees it like any other of the user's organizations.
    const list = await t.gql(
      `{ viewer { organizations(first: 10) { nodes { uuid membershipLevel } } } currentOrganization { uuid } }`,
      undefined,
      { key },
    );
    expect(list.data.viewer.organizations.nodes).toEqual([{ uuid: organization.uuid, membershipLevel: "OWNER" }]);
    expect(list.data.currentOrganization.uuid).toBe(organization.uuid);
  });

  it("keeps the current organization of a user who has one", async () => {
    await t.db.prisma.user.update({ where: { id: t.owner.id }, data: { currentOrganizationId: t.org.id } });
    const res = await t.gql(CREATE, { name: "Side project" });
    expect(res.data.createOrganization.userErrors).toEqual([]);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: t.owner.id } })).currentOrganizationId).toBe(t.org.id);
  });

  it.each([
    ["an empty name", "", /blank/],
    ["a blank name", "   \t ", /blank/],
    ["a name of 65 characters", "x".repeat(65), /at most 64/],
    ["a name with a NUL character", "a\u0000b", /control/],
    ["a name with a newline", "two\nlines", /control/],
  ])("refuses %s with a userError on input.name, writing nothing", async (_name, name, message) => {
    const before = await counts();
    const res = await t.gql(CREATE, { name });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.createOrganization.organization).toBeNull();
    expect(res.data.createOrganization.userErrors).toHaveLength(1);
    expect(res.data.createOrganization.userErrors[0]).toMatchObject({ field: ["input", "name"], code: "INVALID" });
    expect(res.data.createOrganization.userErrors[0].message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it("accepts a name of exactly 64 characters (after trimming)", async () => {
    const name = "y".repeat(64);
    const res = await t.gql(CREATE, { name: ` ${name} ` });
    expect(res.data.createOrganization.userErrors).toEqual([]);
    expect(res.data.createOrganization.organization.name).toBe(name);
    expect(res.data.createOrganization.organization.slug).toBe("y".repeat(40));
  });

  it("gives every organization a unique slug derived from its name", async () => {
    const slugs: string[] = [];
    for (const name of ["Hog Hub", "hog hub", "HOG-HUB!", "Hög Hub"]) {
      const res = await t.gql(CREATE, { name });
      expect(res.data.createOrganization.userErrors).toEqual([]);
      slugs.push(res.data.createOrganization.organization.slug);
    }
    expect(slugs).toEqual(["hog-hub", "hog-hub-2", "hog-hub-3", "hog-hub-4"]);
    // A name that only looks like a numbered slug does not take a number from the sequence.
    const res = await t.gql(CREATE, { name: "hog hub 5" });
    expect(res.data.createOrganization.organization.slug).toBe("hog-hub-5");
    const next = await t.gql(CREATE, { name: "Hog Hub" });
    expect(next.data.createOrganization.organization.slug).toBe("hog-hub-6");
  });

  it("falls back to a generic slug for a name without letters or digits", async () => {
    const res = await t.gql(CREATE, { name: "!!!" });
    expect(res.data.createOrganization.organization.slug).toMatch(/^organization(-\d+)?$/);
  });

  it("gives concurrent creations of the same name distinct slugs, without a fault", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => t.gql(CREATE, { name: "Race Condition" })));
    for (const res of results) {
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(res.data.createOrganization.userErrors).toEqual([]);
    }
    const slugs = results.map((r) => r.data.createOrganization.organization.slug as string);
    expect(new Set(slugs).size).toBe(6);
    expect(slugs.sort()).toEqual([
      "race-condition",
      "race-condition-2",
      "race-condition-3",
      "race-condition-4",
      "race-condition-5",
      "race-condition-6",
    ]);
  });

  it("needs the organization:write scope", async () => {
    const key = await t.fixtures.key(t.owner.id, ["organization:read", "project:write"]);
    const before = await counts();
    const res = await t.gql(CREATE, { name: "Nope" }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(res.data ?? null).toBeNull();
    expect(await counts()).toEqual(before);
  });
});

// An organization with an owner (t.owner), an admin and a member; and a user outside it.
const admin = await t.fixtures.user();
const member = await t.fixtures.user();
const outsider = await t.fixtures.user();
const org = await t.fixtures.organization("Before", [
  { userId: t.owner.id, level: MembershipLevel.OWNER },
  { userId: admin.id, level: MembershipLevel.ADMIN },
  { userId: member.id, level: MembershipLevel.MEMBER },
]);
const adminKey = await t.fixtures.key(admin.id, ["organization:write"]);
const memberKey = await t.fixtures.key(member.id, ["organization:write"]);
const outsiderKey = await t.fixtures.key(outsider.id, ["organization:write"]);

describe("updateOrganization", () => {
  it("lets an admin rename, by UUID or global id, keeping the slug", async () => {
    const res = await t.gql(UPDATE, { id: org.id, name: "After" }, { key: adminKey });
    expect(res.errors).toBeUndefined();
    expect(res.data.updateOrganization).toMatchObject({ organization: { uuid: org.id, name: "After", slug: org.slug }, userErrors: [] });
    expect(new Date(res.data.updateOrganization.organization.updatedAt).getTime()).toBeGreaterThan(org.updatedAt.getTime());

    const gid = (await t.gql(`query($id: ID!) { organization(id: $id) { id } }`, { id: org.id }, { key: adminKey })).data.organization.id;
    const again = await t.gql(UPDATE, { id: gid, name: "  After again " }, { key: adminKey });
    expect(again.data.updateOrganization.organization.name).toBe("After again");
    expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).name).toBe("After again");
  });

  it("lets the owner rename too", async () => {
    const res = await t.gql(UPDATE, { id: org.id, name: "Owned" });
    expect(res.data.updateOrganization.organization.name).toBe("Owned");
  });

  it("changes nothing when no name is given", async () => {
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    const res = await t.gql(UPDATE, { id: org.id }, { key: adminKey });
    expect(res.data.updateOrganization).toMatchObject({ organization: { name: before.name }, userErrors: [] });
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toEqual(before);
  });

  it("refuses a member (level 1) with FORBIDDEN and changes nothing", async () => {
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    const res = await t.gql(UPDATE, { id: org.id, name: "Member was here" }, { key: memberKey });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe("FORBIDDEN");
    expect(res.errors![0].message).toMatch(/admin/);
    expect(res.errors![0].path).toEqual(["updateOrganization"]);
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toEqual(before);
  });

  it("answers NOT_FOUND to a non-member, exactly as for an unknown organization", async () => {
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    const res = await t.gql(UPDATE, { id: org.id, name: "Outsider" }, { key: outsiderKey });
    const unknown = await t.gql(UPDATE, { id: "00000000-0000-4000-8000-000000000000", name: "Outsider" }, { key: outsiderKey });
    for (const r of [res, unknown]) {
      expect(r.errors?.[0].extensions?.code).toBe("NOT_FOUND");
      expect(r.data ?? null).toBeNull();
    }
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toEqual(before);
  });

  it.each([
    ["a blank name", "  ", /blank/],
    ["a name of 65 characters", "z".repeat(65), /at most 64/],
  ])("refuses %s with a userError on input.name, writing nothing", async (_name, name, message) => {
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    const res = await t.gql(UPDATE, { id: org.id, name }, { key: adminKey });
    expect(res.errors).toBeUndefined();
    expect(res.data.updateOrganization.organization).toBeNull();
    expect(res.data.updateOrganization.userErrors).toEqual([
      { field: ["input", "name"], message: expect.stringMatching(message), code: "INVALID" },
    ]);
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toEqual(before);
  });

  it("refuses an explicit null name with a userError (omitting it keeps the name), writing nothing", async () => {
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    const res = await t.gql(UPDATE, { id: org.id, name: null }, { key: adminKey });
    expect(res.errors).toBeUndefined();
    expect(res.data.updateOrganization.organization).toBeNull();
    expect(res.data.updateOrganization.userErrors).toMatchObject([
      { field: ["input", "name"], message: expect.stringMatching(/must not be null/) },
    ]);
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toEqual(before);
  });

  it("checks who may before what: a member is refused FORBIDDEN, an outsider NOT_FOUND, even for an invalid name", async () => {
    const before = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    const forbidden = await t.gql(UPDATE, { id: org.id, name: "" }, { key: memberKey });
    expect(forbidden.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(forbidden.data ?? null).toBeNull();
    const hidden = await t.gql(UPDATE, { id: org.id, name: "" }, { key: outsiderKey });
    expect(hidden.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toEqual(before);
  });

  it("needs the organization:write scope", async () => {
    const key = await t.fixtures.key(admin.id, ["organization:read"]);
    const res = await t.gql(UPDATE, { id: org.id, name: "Read only" }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect((await t.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).name).not.toBe("Read only");
  });
});
