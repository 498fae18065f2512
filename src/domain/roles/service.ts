// Roles: visibility (any member of the organization), and changes (admins):
// create, rename, delete, members, and the organization's default role.
// Every change runs in one transaction and writes one activity entry.
// Authorization is decided by src/auth/policy.ts, before the input is
// validated; SQL lives in store.ts.
import type { Organization, Role, RoleMembership } from "../../generated/prisma/client.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { Context } from "../../context.js";
import { viewerOf } from "../../context.js";
import { notFound } from "../../errors.js";
import { answerUniqueViolation } from "../../db/unique-races.js";
import { assertCan, isVisible, type Action } from "../../auth/policy.js";
import { ok, refused, userError, userErrorsFromZod, type Outcome, type UserError } from "../outcome.js";
import { parseIdFor } from "../ids.js";
import { diffFields, logActivity } from "../activity/service.js";
import { assertCanInOrganization, getVisibleOrganization } from "../organizations/service.js";
import * as organizations from "../organizations/store.js";
import { ROLE_FIELDS, roleMemberChanges } from "./rules.js";
import * as store from "./store.js";
import { createRoleInput, roleMemberInput, setOrganizationDefaultRoleInput, updateRoleInput } from "./validation.js";

type Tx = Prisma.TransactionClient;

/** The role if the caller can see its organization; NOT_FOUND otherwise (also for malformed ids). */
export async function getVisibleRole(ctx: Context, id: string): Promise<Role> {
  const roleId = parseIdFor("Role", "uuid", id);
  if (roleId == null) throw notFound("Role", id);
  const role = await ctx.loaders.roleById.load(String(roleId));
  if (!role || !isVisible(viewerOf(ctx), { organizationId: role.organizationId })) throw notFound("Role", id);
  return role;
}

/** The role named by `id` if the caller may take `action` on it: NOT_FOUND when it cannot see it, FORBIDDEN below the action's level. */
async function roleFor(ctx: Context, action: Action, id: string): Promise<Role> {
  const role = await getVisibleRole(ctx, id);
  assertCan(viewerOf(ctx), action, { organizationId: role.organizationId }, { typename: "Role", id });
  return role;
}

/** The organization named by `id` if the caller may take `action` in it (as roleFor). */
async function organizationFor(ctx: Context, action: Action, id: string): Promise<Organization> {
  const org = await getVisibleOrganization(ctx, id);
  assertCanInOrganization(ctx, action, org.id, id);
  return org;
}

const nameTakenError = (name: string): UserError =>
  userError(["name"], `A role named "${name}" already exists in this organization.`, "TAKEN");

/** A unique violation (a concurrent change won the race): answered as TAKEN, nothing written. */
const onUniqueViolation = <T>(run: () => Promise<Outcome<T>>, taken: () => UserError): Promise<Outcome<T>> =>
  answerUniqueViolation(run, () => refused<T>(taken()));

/** Keeps the request's loaders in step with what a mutation wrote (the payload resolves through them). */
function primeRole(ctx: Context, role: Role): void {
  ctx.loaders.roleById.clear(role.id).prime(role.id, role);
}
function primeOrganization(ctx: Context, org: Organization): void {
  ctx.loaders.organizationById.clear(org.id).prime(org.id, org);
}

/**
 * The role as stored now, locked until the transaction ends (concurrent changes
 * of it queue); NOT_FOUND when a concurrent delete removed it.
 */
async function currentRole(tx: Tx, role: Role, id: string): Promise<Role> {
  const current = await store.lockedRole(tx, role.id);
  if (!current) throw notFound("Role", id);
  return current;
}

export async function createRole(ctx: Context, input: { organizationId: string; name: string }): Promise<Outcome<Role>> {
  const org = await organizationFor(ctx, "role:create", input.organizationId);
  const parsed = createRoleInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { name } = parsed.data;
  const principal = viewerOf(ctx);
  const outcome = await onUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<Role>> => {
        if (await store.roleNameTaken(tx, org.id, name)) return refused(nameTakenError(name));
        const role = await store.insertRole(tx, { organizationId: org.id, name, createdById: principal.user.id });
        await logActivity(tx, {
          organizationId: org.id,
          userId: principal.user.id,
          activity: "created",
          scope: "Role",
          itemId: role.id,
          detail: { name: role.name, changes: diffFields("Role", null, role, ROLE_FIELDS) },
        });
        return ok(role);
      }),
    () => nameTakenError(name),
  );
  if (outcome.ok) primeRole(ctx, outcome.value);
  return outcome;
}

export async function updateRole(ctx: Context, input: { id: string; name?: string | null }): Promise<Outcome<Role>> {
  const role = await roleFor(ctx, "role:update", input.id);
  const parsed = updateRoleInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { name } = parsed.data;
  const principal = viewerOf(ctx);
  const outcome = await onUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<Role>> => {
        const before = await currentRole(tx, role, input.id);
        if (name === undefined || name === before.name) return ok(before);
        if (await store.roleNameTaken(tx, before.organizationId, name, before.id)) return refused(nameTakenError(name));
        const after = await store.renameRole(tx, before.id, name);
        await logActivity(tx, {
          organizationId: after.organizationId,
          userId: principal.user.id,
          activity: "updated",
          scope: "Role",
          itemId: after.id,
          detail: { name: after.name, changes: diffFields("Role", before, after, ROLE_FIELDS) },
        });
        return ok(after);
      }),
    () => nameTakenError(name ?? ""),
  );
  if (outcome.ok) primeRole(ctx, outcome.value);
  return outcome;
}

export interface DeletedRole {
  role: Role;
  organization: Organization;
}

/** Really deletes a role (and its memberships); clears the organization's default role when it was this one. */
export async function deleteRole(ctx: Context, input: { id: string }): Promise<Outcome<DeletedRole>> {
  const role = await roleFor(ctx, "role:delete", input.id);
  const principal = viewerOf(ctx);
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<DeletedRole>> => {
    // The organization first (the lock order of src/db/row-locks.ts): setting the default role locks it too.
    await organizations.lockOrganization(tx, role.organizationId);
    const before = await currentRole(tx, role, input.id);
    await store.deleteRoleRow(tx, before.id);
    const wasDefault = await organizations.clearDefaultRoleIf(tx, before.organizationId, before.id);
    const organization = await organizations.organizationOrThrow(tx, before.organizationId);
    await logActivity(tx, {
      organizationId: before.organizationId,
      userId: principal.user.id,
      activity: "deleted",
      scope: "Role",
      itemId: before.id,
      detail: {
        name: before.name,
        changes: diffFields("Role", before, null, ROLE_FIELDS),
        context: wasDefault ? { wasDefaultRole: true } : null,
      },
    });
    return ok({ role: before, organization });
  });
  if (outcome.ok) {
    ctx.loaders.roleById.clear(role.id);
    primeOrganization(ctx, outcome.value.organization);
  }
  return outcome;
}

export interface RoleMemberChange {
  role: Role;
  member: RoleMembership;
}

const userNotMember = (userId: string): UserError =>
  userError(["userId"], `User ${JSON.stringify(userId)} is not a member of the role's organization.`, "NOT_FOUND");

export async function addRoleMember(ctx: Context, input: { roleId: string; userId: string }): Promise<Outcome<RoleMemberChange>> {
  const role = await roleFor(ctx, "role:change-members", input.roleId);
  const parsed = roleMemberInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const principal = viewerOf(ctx);
  const taken = () => userError(["userId"], "The user is already a member of this role.", "TAKEN");
  return onUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<RoleMemberChange>> => {
        const current = await currentRole(tx, role, input.roleId);
        const userId = parseIdFor("User", "int", parsed.data.userId);
        const orgMember = userId == null ? null : await organizations.organizationMember(tx, current.organizationId, Number(userId));
        if (!orgMember) return refused(userNotMember(parsed.data.userId));
        if (await store.roleMembership(tx, current.id, orgMember.userId)) return refused(taken());
        const member = await store.insertRoleMembership(tx, current.id, orgMember.userId);
        await logActivity(tx, {
          organizationId: current.organizationId,
          userId: principal.user.id,
          activity: "member_added",
          scope: "Role",
          itemId: current.id,
          detail: { name: current.name, changes: roleMemberChanges(null, { userId: member.userId, email: orgMember.user.email }) },
        });
        return ok({ role: current, member });
      }),
    taken,
  );
}

export async function removeRoleMember(ctx: Context, input: { roleId: string; userId: string }): Promise<Outcome<RoleMemberChange>> {
  const role = await roleFor(ctx, "role:change-members", input.roleId);
  const parsed = roleMemberInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const principal = viewerOf(ctx);
  return ctx.prisma.$transaction(async (tx): Promise<Outcome<RoleMemberChange>> => {
    const current = await currentRole(tx, role, input.roleId);
    const userId = parseIdFor("User", "int", parsed.data.userId);
    const found = userId == null ? null : await store.roleMembershipWithEmail(tx, current.id, Number(userId));
    if (!found) {
      return refused(userError(["userId"], `User ${JSON.stringify(parsed.data.userId)} is not a member of this role.`, "NOT_FOUND"));
    }
    await store.deleteRoleMembership(tx, found.id);
    await logActivity(tx, {
      organizationId: current.organizationId,
      userId: principal.user.id,
      activity: "member_removed",
      scope: "Role",
      itemId: current.id,
      detail: { name: current.name, changes: roleMemberChanges({ userId: found.userId, email: found.user.email }, null) },
    });
    const { user: _user, ...member } = found;
    return ok({ role: current, member });
  });
}

export interface DefaultRoleChange {
  organization: Organization;
  role: Role | null;
}

/** Sets (or, with a null roleId, clears) the organization's default role: the role new members join. */
export async function setOrganizationDefaultRole(
  ctx: Context,
  input: { organizationId: string; roleId?: string | null },
): Promise<Outcome<DefaultRoleChange>> {
  const org = await organizationFor(ctx, "organization:set-default-role", input.organizationId);
  const parsed = setOrganizationDefaultRoleInput.safeParse(input);
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const requested = parsed.data.roleId ?? null;
  const principal = viewerOf(ctx);
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<DefaultRoleChange>> => {
    const before = await organizations.lockedOrganization(tx, org.id);
    if (!before) throw notFound("Organization", input.organizationId);
    let role: Role | null = null;
    if (requested != null) {
      const roleId = parseIdFor("Role", "uuid", requested);
      role = roleId == null ? null : await store.roleOfOrganization(tx, String(roleId), org.id);
      if (!role) {
        return refused(userError(["roleId"], `Role ${JSON.stringify(requested)} is not a role of this organization.`, "NOT_FOUND"));
      }
    }
    const newDefault = role?.id ?? null;
    if (before.defaultRoleId === newDefault) return ok({ organization: before, role });
    const after = await organizations.setDefaultRole(tx, org.id, newDefault);
    await logActivity(tx, {
      organizationId: org.id,
      userId: principal.user.id,
      activity: "updated",
      scope: "Organization",
      itemId: org.id,
      detail: {
        name: after.name,
        changes: diffFields("Organization", before, after, ["defaultRoleId"]),
        context: { roleName: role?.name ?? null },
      },
    });
    return ok({ organization: after, role });
  });
  if (outcome.ok) {
    primeOrganization(ctx, outcome.value.organization);
    if (outcome.value.role) primeRole(ctx, outcome.value.role);
  }
  return outcome;
}
