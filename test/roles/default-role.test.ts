// The default role: every path that adds a member to an organization puts the
// new member into the organization's default role, in the same transaction
// (today the operator CLI's `member:add`), recorded in the activity log like
// any role member added. A member whose level changes is not added again.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { cliOn } from "../helpers/cli.js";

const t = await setupTestApp();
const prisma = t.db.prisma;
const seed = initSeed(t);

const cli = cliOn(t.db);

/** An organization owned by t.owner with two roles, the first its default one. */
async function organizationWithDefaultRole() {
  const { org } = await seed.home.owner.createOrg();
  const role = await prisma.role.create({ data: { organizationId: org.id, name: "Everyone", createdById: t.owner.id } });
  const other = await prisma.role.create({ data: { organizationId: org.id, name: "Others", createdById: t.owner.id } });
  await prisma.organization.update({ where: { id: org.id }, data: { defaultRoleId: role.id } });
  return { org, role, other };
}

const roleMembers = async (roleId: string) =>
  (await prisma.roleMembership.findMany({ where: { roleId }, select: { userId: true }, orderBy: { joinedAt: "asc" } })).map(
    (m) => m.userId,
  );
const levelOf = async (organizationId: string, userId: number) =>
  (await prisma.organizationMembership.findUnique({ where: { organizationId_userId: { organizationId, userId } } }))?.level ?? null;
const roleEntries = (roleId: string) => prisma.activityLog.findMany({ where: { itemId: roleId }, orderBy: { seq: "asc" } });

describe("member:add with a default role", () => {
  it("adds a new member to the organization and to its default role, and records it", async () => {
    const { org, role, other } = await organizationWithDefaultRole();
    const user = await t.fixtures.user();
    const res = await cli("member:add", "--org", org.slug, "--email", user.email);
    expect(res).toMatchObject({ code: 0, stderr: "" });
    expect(res.stdout).toBe(`${user.email} is member of ${org.slug}.\n${user.email} joined the default role "Everyone".`);

    expect(await levelOf(org.id, user.id)).toBe(MembershipLevel.MEMBER);
    expect(await roleMembers(role.id)).toEqual([user.id]);
    expect(await roleMembers(other.id)).toEqual([]);

    const entries = await roleEntries(role.id);
    expect(entries).toHaveLength(1);
    // The operator acts through the CLI: no user of the API made the change.
    expect(entries[0]).toMatchObject({ organizationId: org.id, userId: null, scope: "Role", activity: "member_added" });
    expect(entries[0].detail).toEqual({
      name: "Everyone",
      changes: [
        { type: "RoleMember", action: "created", field: "userId", before: null, after: user.id },
        { type: "RoleMember", action: "created", field: "email", before: null, after: user.email },
      ],
      context: { defaultRole: true },
    });

    // The API shows the new member in the role, like one added by addRoleMember.
    const read = await t.gql(`query($id: ID!) { role(id: $id) { isDefault members(first: 10) { totalCount nodes { user { email } } } } }`, {
      id: role.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.role).toEqual({ isDefault: true, members: { totalCount: 1, nodes: [{ user: { email: user.email } }] } });
  });

  it("does not add an existing member again when their level changes", async () => {
    const { org, role } = await organizationWithDefaultRole();
    const user = await t.fixtures.user();
    expect((await cli("member:add", "--org", org.id, "--email", user.email)).code).toBe(0);
    // An admin takes the member out of the default role; a later level change must not put them back.
    await prisma.roleMembership.deleteMany({ where: { roleId: role.id, userId: user.id } });
    const entriesBefore = await roleEntries(role.id);

    const res = await cli("member:add", "--org", org.id, "--email", user.email, "--level", "admin");
    expect(res).toMatchObject({ code: 0, stdout: `${user.email} is admin of ${org.slug}.` });
    expect(await levelOf(org.id, user.id)).toBe(MembershipLevel.ADMIN);
    expect(await roleMembers(role.id)).toEqual([]);
    expect(await roleEntries(role.id)).toEqual(entriesBefore);
  });

  it("keeps a member who is in the default role already in it once, recording nothing", async () => {
    const { org, role } = await organizationWithDefaultRole();
    const user = await t.fixtures.user();
    // In the role without being a member (e.g. left the organization and kept the role row).
    await prisma.roleMembership.create({ data: { roleId: role.id, userId: user.id } });
    const res = await cli("member:add", "--org", org.slug, "--email", user.email, "--level", "owner");
    expect(res).toMatchObject({ code: 0, stdout: `${user.email} is owner of ${org.slug}.` });
    expect(await levelOf(org.id, user.id)).toBe(MembershipLevel.OWNER);
    expect(await roleMembers(role.id)).toEqual([user.id]);
    expect(await roleEntries(role.id)).toEqual([]);
  });

  it("follows the default role as it is when the member is added", async () => {
    const { org, role, other } = await organizationWithDefaultRole();
    const first = await t.fixtures.user();
    const second = await t.fixtures.user();
    expect((await cli("member:add", "--org", org.slug, "--email", first.email)).code).toBe(0);
    const set = await t.gql(
      `mutation($input: SetOrganizationDefaultRoleInput!) { setOrganizationDefaultRole(input: $input) { userErrors { code } } }`,
      { input: { organizationId: org.id, roleId: other.id } },
    );
    expect(set.data.setOrganizationDefaultRole.userErrors).toEqual([]);
    expect((await cli("member:add", "--org", org.slug, "--email", second.email)).code).toBe(0);
    expect(await roleMembers(role.id)).toEqual([first.id]);
    expect(await roleMembers(other.id)).toEqual([second.id]);
  });
});

describe("member:add without a default role", () => {
  it("adds the member only, recording nothing", async () => {
    const { org } = await seed.home.owner.createOrg();
    await prisma.role.create({ data: { organizationId: org.id, name: "Not the default" } });
    const user = await t.fixtures.user();
    const activity = await prisma.activityLog.count();
    const res = await cli("member:add", "--org", org.slug, "--email", user.email, "--level", "admin");
    expect(res).toMatchObject({ code: 0, stdout: `${user.email} is admin of ${org.slug}.` });
    expect(await levelOf(org.id, user.id)).toBe(MembershipLevel.ADMIN);
    expect(await prisma.roleMembership.count({ where: { userId: user.id } })).toBe(0);
    expect(await prisma.activityLog.count()).toBe(activity);
  });

  it("adds nobody to a role that was the default one and was deleted", async () => {
    const { org, role } = await organizationWithDefaultRole();
    const del = await t.gql(`mutation($input: DeleteRoleInput!) { deleteRole(input: $input) { userErrors { code } } }`, {
      input: { id: role.id },
    });
    expect(del.data.deleteRole.userErrors).toEqual([]);
    const user = await t.fixtures.user();
    expect((await cli("member:add", "--org", org.slug, "--email", user.email)).code).toBe(0);
    expect(await levelOf(org.id, user.id)).toBe(MembershipLevel.MEMBER);
    expect(await prisma.roleMembership.count({ where: { userId: user.id } })).toBe(0);
  });
});
