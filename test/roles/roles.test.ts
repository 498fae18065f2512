import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { helpers } from "../projects/support.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { encodeId } from "../../src/domain/ids.js";

const t = await setupTestApp();
const prisma = t.db.prisma;
const { ok } = helpers(t);
const seed = initSeed(t);

// A plain member (level 1) of the test organization, with an all-scopes key.
const { user: member, key: memberKey } = await seed.home.member();

// Another organization the owner does not belong to, with a role.
const {
  org: otherOrg,
  owner: { user: stranger, key: strangerKey },
} = await seed.ownerWithOrg();
const otherRole = await prisma.role.create({ data: { organizationId: otherOrg.id, name: "Other org role", createdById: stranger.id } });

const owner = seed.home.owner.user;
const roleGid = (id: string) => encodeId("Role", id);
const userGid = (id: number) => encodeId("User", id);
const orgGid = (id: string) => encodeId("Organization", id);

let n = 0;
const uniqueName = (prefix: string) => {
  n += 1;
  return `${prefix} ${process.pid}-${n}`;
};

const counts = async () => ({
  roles: await prisma.role.count(),
  memberships: await prisma.roleMembership.count(),
  activity: await prisma.activityLog.count(),
  defaults: (await prisma.organization.findMany({ select: { id: true, defaultRoleId: true }, orderBy: { id: "asc" } }))
    .map((o) => `${o.id}:${o.defaultRoleId}`)
    .join(","),
});

const ROLE_FIELDS = `id uuid name createdAt isDefault createdBy { email }
  members(first: 10) { totalCount nodes { joinedAt user { email } } }`;

const CREATE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { role { ${ROLE_FIELDS} }
  userErrors { field message code } } }`;
const UPDATE = `mutation($input: UpdateRoleInput!) { updateRole(input: $input) { role { ${ROLE_FIELDS} }
  userErrors { field message code } } }`;
const DELETE = `mutation($input: DeleteRoleInput!) { deleteRole(input: $input) { deletedRoleId organization { id defaultRole { id } }
  userErrors { field message code } } }`;
const ADD = `mutation($input: AddRoleMemberInput!) { addRoleMember(input: $input) { role { id members(first: 10) { totalCount nodes {
  user { email } } } } member { joinedAt user { email } } userErrors { field message code } } }`;
const REMOVE = `mutation($input: RemoveRoleMemberInput!) { removeRoleMember(input: $input) { role { id members(first: 10) { totalCount } }
  member { user { email } } userErrors { field message code } } }`;
const SET_DEFAULT = `mutation($input: SetOrganizationDefaultRoleInput!) { setOrganizationDefaultRole(input: $input) { organization {
  id defaultRole { id name isDefault } } defaultRole { name } userErrors { field message code } } }`;

async function makeRole(name = uniqueName("Role"), organizationId = t.org.id) {
  return prisma.role.create({ data: { organizationId, name, createdById: t.owner.id } });
}

describe("reading roles", () => {
  it("lists an organization's roles, oldest first, with creator, members and the default flag", async () => {
    const org = await t.fixtures.organization(undefined, [
      { userId: t.owner.id, level: MembershipLevel.OWNER },
      { userId: member.id, level: MembershipLevel.MEMBER },
    ]);
    const first = await prisma.role.create({
      data: { organizationId: org.id, name: "Engineers", createdById: t.owner.id, createdAt: new Date("2026-01-01T00:00:00Z") },
    });
    await prisma.role.create({ data: { organizationId: org.id, name: "Analysts", createdAt: new Date("2026-01-02T00:00:00Z") } });
    await prisma.roleMembership.create({ data: { roleId: first.id, userId: t.owner.id, joinedAt: new Date("2026-01-03T00:00:00Z") } });
    await prisma.roleMembership.create({ data: { roleId: first.id, userId: member.id, joinedAt: new Date("2026-01-04T00:00:00Z") } });
    await prisma.organization.update({ where: { id: org.id }, data: { defaultRoleId: first.id } });

    const query = `query($id: ID!) { organization(id: $id) { defaultRole { name }
      roles(first: 10) { totalCount nodes { ${ROLE_FIELDS} } } } }`;
    for (const key of [t.ownerKey, memberKey]) {
      const data = await ok(query, { id: org.id }, key);
      expect(data.organization.defaultRole).toEqual({ name: "Engineers" });
      expect(data.organization.roles.totalCount).toBe(2);
      const [engineers, analysts] = data.organization.roles.nodes;
      expect(engineers).toMatchObject({
        id: roleGid(first.id),
        uuid: first.id,
        name: "Engineers",
        createdAt: "2026-01-01T00:00:00.000Z",
        isDefault: true,
        createdBy: { email: owner.email },
        members: { totalCount: 2, nodes: [{ user: { email: owner.email } }, { user: { email: member.email } }] },
      });
      expect(analysts).toMatchObject({ name: "Analysts", isDefault: false, createdBy: null, members: { totalCount: 0, nodes: [] } });
    }
  });

  it("answers no default role when the organization has none", async () => {
    const data = await ok(`query($id: ID!) { organization(id: $id) { defaultRole { id } } }`, { id: otherOrg.id }, strangerKey);
    expect(data.organization.defaultRole).toBeNull();
  });

  it("fetches a role by global id, by UUID and through node(id:)", async () => {
    const role = await makeRole();
    const byGid = await ok(`query($id: ID!) { role(id: $id) { id name } }`, { id: roleGid(role.id) });
    expect(byGid.role).toEqual({ id: roleGid(role.id), name: role.name });
    const byUuid = await ok(`query($id: ID!) { role(id: $id) { id name } }`, { id: role.id.toUpperCase() }, memberKey);
    expect(byUuid.role).toEqual({ id: roleGid(role.id), name: role.name });
    const node = await ok(`query($id: ID!) { node(id: $id) { id ... on Role { name uuid } } }`, { id: roleGid(role.id) }, memberKey);
    expect(node.node).toEqual({ id: roleGid(role.id), name: role.name, uuid: role.id });
  });

  it("answers NOT_FOUND for another organization's role, by role(id:) and node(id:)", async () => {
    for (const id of [roleGid(otherRole.id), otherRole.id]) {
      const res = await t.gql(`query($id: ID!) { role(id: $id) { name } }`, { id });
      expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
      expect(res.data?.role ?? null).toBeNull();
    }
    const node = await t.gql(`query($id: ID!) { node(id: $id) { ... on Role { name } } }`, { id: roleGid(otherRole.id) });
    expect(node.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(node.data?.node ?? null).toBeNull();
    const nodes = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Role { name } } }`, { ids: [roleGid(otherRole.id)] });
    expect(nodes.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("answers NOT_FOUND for malformed and unknown role ids", async () => {
    for (const id of ["nope", "00000000-0000-4000-8000-000000000000", encodeId("Organization", t.org.id)]) {
      const res = await t.gql(`query($id: ID!) { role(id: $id) { name } }`, { id });
      expect(res.errors?.[0].extensions?.code, id).toBe("NOT_FOUND");
    }
  });

  it("hides roles of organizations outside the key's limits", async () => {
    const role = await makeRole();
    const key = await seed.home.scopedKey(["organization:read"], { organizations: [otherOrg.id] });
    const res = await t.gql(`query($id: ID!) { role(id: $id) { name } }`, { id: roleGid(role.id) }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("answers FORBIDDEN when the key lacks organization:read", async () => {
    const role = await makeRole();
    const key = await seed.home.scopedKey(["project:read", "project:write"]);
    const res = await t.gql(`query($id: ID!) { role(id: $id) { name } }`, { id: roleGid(role.id) }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(res.data?.role ?? null).toBeNull();
    const node = await t.gql(`query($id: ID!) { node(id: $id) { ... on Role { name } } }`, { id: roleGid(role.id) }, { key });
    expect(node.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});

describe("createRole", () => {
  it("creates a role, records the creator and writes one activity entry", async () => {
    const name = uniqueName("  Designers");
    const before = await counts();
    const data = await ok(CREATE, { input: { organizationId: orgGid(t.org.id), name } });
    const role = data.createRole.role;
    expect(data.createRole.userErrors).toEqual([]);
    expect(role).toMatchObject({ name: name.trim(), isDefault: false, createdBy: { email: owner.email }, members: { totalCount: 0 } });
    const stored = await prisma.role.findUniqueOrThrow({ where: { id: role.uuid } });
    expect(stored).toMatchObject({ organizationId: t.org.id, name: name.trim(), createdById: t.owner.id });
    expect(await prisma.role.count()).toBe(before.roles + 1);

    const entries = await prisma.activityLog.findMany({ where: { itemId: role.uuid } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ organizationId: t.org.id, userId: t.owner.id, scope: "Role", activity: "created" });
    expect(entries[0].detail).toEqual({
      name: name.trim(),
      changes: [{ type: "Role", action: "created", field: "name", before: null, after: name.trim() }],
    });
  });

  it("accepts the organization's UUID", async () => {
    const data = await ok(CREATE, { input: { organizationId: t.org.id, name: uniqueName("By uuid") } });
    expect(data.createRole.userErrors).toEqual([]);
  });

  it("refuses a name already used in the organization, ignoring case, and writes nothing", async () => {
    const existing = await makeRole(uniqueName("Support"));
    const before = await counts();
    const data = await ok(CREATE, { input: { organizationId: t.org.id, name: ` ${existing.name.toUpperCase()} ` } });
    expect(data.createRole.role).toBeNull();
    expect(data.createRole.userErrors).toEqual([{ field: ["input", "name"], message: expect.any(String), code: "TAKEN" }]);
    expect(await counts()).toEqual(before);
  });

  it("allows the same name in another organization", async () => {
    const name = uniqueName("Shared name");
    await makeRole(name);
    const data = await ok(CREATE, { input: { organizationId: otherOrg.id, name } }, strangerKey);
    expect(data.createRole.userErrors).toEqual([]);
  });

  it("answers TAKEN to one of two concurrent creations of the same name", async () => {
    const name = uniqueName("Race");
    const before = await counts();
    const results = await Promise.all(
      [name, name.toLowerCase()].map((n) => t.gql(CREATE, { input: { organizationId: t.org.id, name: n } })),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const payloads = results.map((r) => r.data.createRole);
    expect(payloads.filter((p) => p.role).length).toBe(1);
    expect(payloads.flatMap((p) => p.userErrors).map((e: any) => e.code)).toEqual(["TAKEN"]);
    const after = await counts();
    expect(after.roles).toBe(before.roles + 1);
    expect(after.activity).toBe(before.activity + 1);
  });

  it.each([
    ["blank", "   ", "INVALID"],
    ["too long", "x".repeat(201), "INVALID"],
  ])("refuses a %s name with a userError and writes nothing", async (_label, name, code) => {
    const before = await counts();
    const data = await ok(CREATE, { input: { organizationId: t.org.id, name } });
    expect(data.createRole.role).toBeNull();
    expect(data.createRole.userErrors).toEqual([{ field: ["input", "name"], message: expect.any(String), code }]);
    expect(await counts()).toEqual(before);
  });

  it("accepts a name of exactly 200 characters", async () => {
    const name = `${uniqueName("L")}`.padEnd(200, "x");
    const data = await ok(CREATE, { input: { organizationId: t.org.id, name } });
    expect(data.createRole.role.name).toHaveLength(200);
  });

  it("answers NOT_FOUND for an organization you are not a member of, and writes nothing", async () => {
    const before = await counts();
    const res = await t.gql(CREATE, { input: { organizationId: otherOrg.id, name: uniqueName("Intruders") } });
    expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await counts()).toEqual(before);
  });
});

describe("updateRole", () => {
  it("renames a role and records the change", async () => {
    const role = await makeRole();
    const name = uniqueName("Renamed");
    const data = await ok(UPDATE, { input: { id: roleGid(role.id), name } });
    expect(data.updateRole).toMatchObject({ role: { name }, userErrors: [] });
    expect((await prisma.role.findUniqueOrThrow({ where: { id: role.id } })).name).toBe(name);
    const entries = await prisma.activityLog.findMany({ where: { itemId: role.id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ scope: "Role", activity: "updated", userId: t.owner.id, organizationId: t.org.id });
    expect(entries[0].detail).toEqual({
      name,
      changes: [{ type: "Role", action: "changed", field: "name", before: role.name, after: name }],
    });
  });

  it("writes nothing when nothing changes", async () => {
    const role = await makeRole();
    const before = await counts();
    for (const input of [{ id: role.id }, { id: role.id, name: ` ${role.name} ` }]) {
      const data = await ok(UPDATE, { input });
      expect(data.updateRole).toMatchObject({ role: { name: role.name }, userErrors: [] });
    }
    expect(await counts()).toEqual(before);
  });

  it("lets a role change the case of its own name", async () => {
    const role = await makeRole(uniqueName("lower case"));
    const data = await ok(UPDATE, { input: { id: role.id, name: role.name.toUpperCase() } });
    expect(data.updateRole).toMatchObject({ role: { name: role.name.toUpperCase() }, userErrors: [] });
  });

  it("refuses another role's name (ignoring case), a blank and a too-long name, writing nothing", async () => {
    const role = await makeRole();
    const other = await makeRole();
    const before = await counts();
    const cases: [string, string][] = [
      [other.name.toLowerCase(), "TAKEN"],
      ["", "INVALID"],
      ["y".repeat(201), "INVALID"],
    ];
    for (const [name, code] of cases) {
      const data = await ok(UPDATE, { input: { id: role.id, name } });
      expect(data.updateRole.role).toBeNull();
      expect(data.updateRole.userErrors).toEqual([{ field: ["input", "name"], message: expect.any(String), code }]);
    }
    const nulled = await ok(UPDATE, { input: { id: role.id, name: null } });
    expect(nulled.updateRole.userErrors).toEqual([
      { field: ["input", "name"], message: "Name must not be null; omit it to keep the current name.", code: "REQUIRED" },
    ]);
    expect(await counts()).toEqual(before);
    expect((await prisma.role.findUniqueOrThrow({ where: { id: role.id } })).name).toBe(role.name);
  });
});

describe("deleteRole", () => {
  it("deletes a role and its memberships for good", async () => {
    const role = await makeRole();
    await prisma.roleMembership.create({ data: { roleId: role.id, userId: member.id } });
    const data = await ok(DELETE, { input: { id: roleGid(role.id) } });
    expect(data.deleteRole).toMatchObject({ deletedRoleId: roleGid(role.id), organization: { id: orgGid(t.org.id) }, userErrors: [] });
    expect(await prisma.role.findUnique({ where: { id: role.id } })).toBeNull();
    expect(await prisma.roleMembership.count({ where: { roleId: role.id } })).toBe(0);
    const entries = await prisma.activityLog.findMany({ where: { itemId: role.id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ scope: "Role", activity: "deleted" });
    expect(entries[0].detail).toMatchObject({
      name: role.name,
      changes: [{ type: "Role", action: "deleted", field: "name", before: role.name, after: null }],
    });
    const res = await t.gql(`query($id: ID!) { role(id: $id) { name } }`, { id: role.id });
    expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("clears the organization's default role when deleting it", async () => {
    const org = await t.fixtures.organization(undefined, [{ userId: t.owner.id, level: MembershipLevel.ADMIN }]);
    const role = await makeRole(undefined, org.id);
    await prisma.organization.update({ where: { id: org.id }, data: { defaultRoleId: role.id } });
    const data = await ok(DELETE, { input: { id: role.id } });
    expect(data.deleteRole.organization).toEqual({ id: orgGid(org.id), defaultRole: null });
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).defaultRoleId).toBeNull();
  });

  it("answers NOT_FOUND for another organization's role and deletes nothing", async () => {
    const before = await counts();
    const res = await t.gql(DELETE, { input: { id: roleGid(otherRole.id) } });
    expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await counts()).toEqual(before);
  });
});

describe("role members", () => {
  it("adds a member of the organization by global id or integer id", async () => {
    const role = await makeRole();
    const first = await ok(ADD, { input: { roleId: roleGid(role.id), userId: userGid(member.id) } });
    expect(first.addRoleMember).toMatchObject({
      role: { id: roleGid(role.id), members: { totalCount: 1, nodes: [{ user: { email: member.email } }] } },
      member: { user: { email: member.email } },
      userErrors: [],
    });
    const second = await ok(ADD, { input: { roleId: role.id, userId: String(t.owner.id) } });
    expect(second.addRoleMember.role.members.totalCount).toBe(2);
    expect(second.addRoleMember.role.members.nodes.map((m: any) => m.user.email)).toEqual([member.email, owner.email]);

    const entries = await prisma.activityLog.findMany({ where: { itemId: role.id }, orderBy: { createdAt: "asc" } });
    expect(entries.map((e) => [e.scope, e.activity])).toEqual([
      ["Role", "member_added"],
      ["Role", "member_added"],
    ]);
    expect(entries[0].detail).toMatchObject({
      name: role.name,
      changes: [
        { type: "RoleMember", action: "created", field: "userId", before: null, after: member.id },
        { type: "RoleMember", action: "created", field: "email", before: null, after: member.email },
      ],
    });
  });

  it("refuses a user already in the role with TAKEN, writing nothing", async () => {
    const role = await makeRole();
    await prisma.roleMembership.create({ data: { roleId: role.id, userId: member.id } });
    const before = await counts();
    const data = await ok(ADD, { input: { roleId: role.id, userId: String(member.id) } });
    expect(data.addRoleMember).toMatchObject({ role: null, member: null });
    expect(data.addRoleMember.userErrors).toEqual([{ field: ["input", "userId"], message: expect.any(String), code: "TAKEN" }]);
    expect(await counts()).toEqual(before);
  });

  it("refuses a user outside the organization, an unknown and a malformed user id with NOT_FOUND on userId", async () => {
    const role = await makeRole();
    const before = await counts();
    for (const userId of [userGid(stranger.id), String(stranger.id), "999999999", "not-a-user", roleGid(role.id)]) {
      const data = await ok(ADD, { input: { roleId: role.id, userId } });
      expect(data.addRoleMember.role, userId).toBeNull();
      expect(data.addRoleMember.userErrors, userId).toEqual([
        { field: ["input", "userId"], message: expect.any(String), code: "NOT_FOUND" },
      ]);
    }
    expect(await counts()).toEqual(before);
  });

  it("removes a member and records it", async () => {
    const role = await makeRole();
    await prisma.roleMembership.create({ data: { roleId: role.id, userId: member.id } });
    const data = await ok(REMOVE, { input: { roleId: roleGid(role.id), userId: userGid(member.id) } });
    expect(data.removeRoleMember).toMatchObject({
      role: { members: { totalCount: 0 } },
      member: { user: { email: member.email } },
      userErrors: [],
    });
    expect(await prisma.roleMembership.count({ where: { roleId: role.id } })).toBe(0);
    const entries = await prisma.activityLog.findMany({ where: { itemId: role.id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ scope: "Role", activity: "member_removed" });
    expect(entries[0].detail).toMatchObject({
      changes: [
        { type: "RoleMember", action: "deleted", field: "userId", before: member.id, after: null },
        { type: "RoleMember", action: "deleted", field: "email", before: member.email, after: null },
      ],
    });
  });

  it("refuses removing a user who is not in the role with NOT_FOUND, writing nothing", async () => {
    const role = await makeRole();
    const before = await counts();
    for (const userId of [String(member.id), "garbage"]) {
      const data = await ok(REMOVE, { input: { roleId: role.id, userId } });
      expect(data.removeRoleMember.role).toBeNull();
      expect(data.removeRoleMember.userErrors).toEqual([{ field: ["input", "userId"], message: expect.any(String), code: "NOT_FOUND" }]);
    }
    expect(await counts()).toEqual(before);
  });
});

describe("setOrganizationDefaultRole", () => {
  it("sets and clears the default role, writing one entry per change", async () => {
    const { org } = await seed.home.owner.createOrg();
    const role = await makeRole(uniqueName("Default"), org.id);
    const set = await ok(SET_DEFAULT, { input: { organizationId: orgGid(org.id), roleId: roleGid(role.id) } });
    expect(set.setOrganizationDefaultRole).toEqual({
      organization: { id: orgGid(org.id), defaultRole: { id: roleGid(role.id), name: role.name, isDefault: true } },
      defaultRole: { name: role.name },
      userErrors: [],
    });
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).defaultRoleId).toBe(role.id);

    const before = await counts();
    const again = await ok(SET_DEFAULT, { input: { organizationId: org.id, roleId: role.id } });
    expect(again.setOrganizationDefaultRole.userErrors).toEqual([]);
    expect(await counts()).toEqual(before);

    const cleared = await ok(SET_DEFAULT, { input: { organizationId: org.id, roleId: null } });
    expect(cleared.setOrganizationDefaultRole).toEqual({
      organization: { id: orgGid(org.id), defaultRole: null },
      defaultRole: null,
      userErrors: [],
    });
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).defaultRoleId).toBeNull();

    const entries = await prisma.activityLog.findMany({ where: { itemId: org.id }, orderBy: { createdAt: "asc" } });
    expect(entries.map((e) => [e.scope, e.activity])).toEqual([
      ["Organization", "updated"],
      ["Organization", "updated"],
    ]);
    expect(entries.map((e) => (e.detail as any).changes)).toEqual([
      [{ type: "Organization", action: "changed", field: "defaultRoleId", before: null, after: role.id }],
      [{ type: "Organization", action: "changed", field: "defaultRoleId", before: role.id, after: null }],
    ]);
  });

  it("refuses a role of another organization with NOT_FOUND on roleId, writing nothing", async () => {
    const before = await counts();
    for (const roleId of [roleGid(otherRole.id), otherRole.id, "nonsense"]) {
      const data = await ok(SET_DEFAULT, { input: { organizationId: t.org.id, roleId } });
      expect(data.setOrganizationDefaultRole.organization).toBeNull();
      expect(data.setOrganizationDefaultRole.userErrors).toEqual([
        { field: ["input", "roleId"], message: expect.any(String), code: "NOT_FOUND" },
      ]);
    }
    expect(await counts()).toEqual(before);
  });
});

describe("authorization of changes", () => {
  it("answers FORBIDDEN to a member (level 1) for every change and writes nothing", async () => {
    const role = await makeRole();
    await prisma.roleMembership.create({ data: { roleId: role.id, userId: t.owner.id } });
    const before = await counts();
    const attempts: [string, Record<string, unknown>][] = [
      [CREATE, { organizationId: t.org.id, name: uniqueName("Member made") }],
      [UPDATE, { id: role.id, name: uniqueName("Member renamed") }],
      [DELETE, { id: role.id }],
      [ADD, { roleId: role.id, userId: String(member.id) }],
      [REMOVE, { roleId: role.id, userId: String(t.owner.id) }],
      [SET_DEFAULT, { organizationId: t.org.id, roleId: role.id }],
    ];
    for (const [mutation, input] of attempts) {
      const res = await t.gql(mutation, { input }, { key: memberKey });
      expect(res.errors?.[0].extensions?.code, mutation).toBe("FORBIDDEN");
    }
    expect(await counts()).toEqual(before);
  });

  it("checks who may before what: invalid input from a member is FORBIDDEN, to another organization NOT_FOUND", async () => {
    const role = await makeRole();
    const before = await counts();
    const asMember: [string, Record<string, unknown>][] = [
      [CREATE, { organizationId: t.org.id, name: "   " }],
      [UPDATE, { id: role.id, name: "x".repeat(201) }],
      [UPDATE, { id: role.id, name: null }],
      [ADD, { roleId: role.id, userId: "  " }],
      [REMOVE, { roleId: role.id, userId: "" }],
      [SET_DEFAULT, { organizationId: t.org.id, roleId: " " }],
    ];
    for (const [mutation, input] of asMember) {
      const res = await t.gql(mutation, { input }, { key: memberKey });
      expect(res.errors?.[0].extensions?.code, JSON.stringify(input)).toBe("FORBIDDEN");
      expect(res.errors?.[0].message).toMatch(/^Only organization admins \(level 8 or more\) may /);
    }
    const elsewhere: [string, Record<string, unknown>][] = [
      [CREATE, { organizationId: otherOrg.id, name: "" }],
      [UPDATE, { id: otherRole.id, name: "" }],
      [ADD, { roleId: otherRole.id, userId: "" }],
      [SET_DEFAULT, { organizationId: otherOrg.id, roleId: " " }],
    ];
    for (const [mutation, input] of elsewhere) {
      const res = await t.gql(mutation, { input });
      expect(res.errors?.[0].extensions?.code, JSON.stringify(input)).toBe("NOT_FOUND");
    }
    expect(await counts()).toEqual(before);
  });

  it("answers FORBIDDEN to a key without organization:write and writes nothing", async () => {
    const role = await makeRole();
    const key = await seed.home.scopedKey(["organization:read"]);
    const before = await counts();
    const res = await t.gql(UPDATE, { input: { id: role.id, name: uniqueName("Read only") } }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const create = await t.gql(CREATE, { input: { organizationId: t.org.id, name: uniqueName("Read only") } }, { key });
    expect(create.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await counts()).toEqual(before);
  });

  it("answers NOT_FOUND for changes to another organization's role", async () => {
    const before = await counts();
    const attempts: [string, Record<string, unknown>][] = [
      [UPDATE, { id: otherRole.id, name: uniqueName("Hijacked") }],
      [ADD, { roleId: otherRole.id, userId: String(t.owner.id) }],
      [REMOVE, { roleId: otherRole.id, userId: String(stranger.id) }],
      [SET_DEFAULT, { organizationId: otherOrg.id, roleId: otherRole.id }],
    ];
    for (const [mutation, input] of attempts) {
      const res = await t.gql(mutation, { input });
      expect(res.errors?.[0].extensions?.code, mutation).toBe("NOT_FOUND");
    }
    expect(await counts()).toEqual(before);
  });
});

describe("query cost", () => {
  const NESTED = `{ viewer { organizations(first: 10) { nodes { name defaultRole { name }
    roles(first: 10) { totalCount nodes { name isDefault createdBy { email }
    members(first: 10) { totalCount nodes { joinedAt user { email } } } } } } } } }`;

  async function userWithOrganizations(orgCount: number, rolesPerOrg: number, membersPerRole: number) {
    const viewer = await seed.createOwner();
    for (let o = 0; o < orgCount; o += 1) {
      const seeded = await viewer.createOrg();
      const org = seeded.org;
      const others = await Promise.all(Array.from({ length: membersPerRole }, async () => (await seeded.member()).user));
      for (let r = 0; r < rolesPerOrg; r += 1) {
        const role = await prisma.role.create({
          data: {
            organizationId: org.id,
            name: `Role ${r}`,
            createdById: others[r % others.length].id,
            members: { create: others.map((u) => ({ userId: u.id })) },
          },
        });
        if (r === 0) await prisma.organization.update({ where: { id: org.id }, data: { defaultRoleId: role.id } });
      }
    }
    return viewer.key;
  }

  it("costs the same number of SQL statements for 1 and for 5 organizations with roles and members", async () => {
    const small = await userWithOrganizations(1, 1, 1);
    const large = await userWithOrganizations(5, 5, 3);
    const a = await t.gql(NESTED, undefined, { key: small });
    const b = await t.gql(NESTED, undefined, { key: large });
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data.viewer.organizations.nodes).toHaveLength(1);
    expect(b.data.viewer.organizations.nodes).toHaveLength(5);
    expect(b.data.viewer.organizations.nodes[0].roles.nodes).toHaveLength(5);
    expect(b.data.viewer.organizations.nodes[0].roles.nodes[0]).toMatchObject({ isDefault: true, members: { totalCount: 3 } });
    expect(b.data.viewer.organizations.nodes[0].defaultRole).toEqual({ name: "Role 0" });
    expect(b.sql).toBe(a.sql);
    expect(a.sql).toBeLessThanOrEqual(8);
  });
});
