// Roles: visibility (any member of the organization), and changes (admins):
// create, rename, delete, members, and the organization's default role.
// Every change runs in one transaction and writes one activity entry.
import type { Organization, Role, RoleMembership } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { Context } from "../../context.js";
import { viewerOf } from "../../context.js";
import { notFound } from "../../errors.js";
import { answerUniqueViolation } from "../../db/unique-races.js";
import { lockRow } from "../../db/row-locks.js";
import { ok, refused, userError, userErrorsFromZod, type Outcome, type UserError } from "../outcome.js";
import { parseIdFor } from "../ids.js";
import { diffFields, logActivity } from "../activity/service.js";
import { getVisibleOrganization, requireAdmin } from "../organizations/service.js";
import {
  createRoleInput,
  deleteRoleInput,
  roleMemberInput,
  setOrganizationDefaultRoleInput,
  updateRoleInput,
} from "./validation.js";

type Tx = Prisma.TransactionClient;

/** The fields of a role recorded in the activity log. */
const ROLE_FIELDS = ["name"] as const;

/** The role if the caller can see its organization; NOT_FOUND otherwise (also for malformed ids). */
export async function getVisibleRole(ctx: Context, id: string): Promise<Role> {
  const roleId = parseIdFor("Role", "uuid", id);
  if (roleId == null) throw notFound("Role", id);
  const role = await ctx.loaders.roleById.load(String(roleId));
  if (!role || !viewerOf(ctx).canSee(role.organizationId)) throw notFound("Role", id);
  return role;
}

/** Whether another role of the organization already has this name, ignoring case. */
async function nameTaken(tx: Tx, organizationId: string, name: string, exceptRoleId: string | null = null): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Role"
    WHERE "organizationId" = ${organizationId}::uuid AND lower(name) = lower(${name})
      AND (${exceptRoleId}::uuid IS NULL OR id <> ${exceptRoleId}::uuid)
    LIMIT 1`;
  return rows.length > 0;
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
  await lockRow(tx, "Role", role.id);
  const current = await tx.role.findUnique({ where: { id: role.id } });
  if (!current) throw notFound("Role", id);
  return current;
}

export async function createRole(ctx: Context, input: { organizationId: string; name: string }): Promise<Outcome<Role>> {
  const org = await getVisibleOrganization(ctx, String(input.organizationId));
  requireAdmin(ctx, org.id, "create roles");
  const parsed = createRoleInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { name } = parsed.data;
  const principal = viewerOf(ctx);
  const outcome = await onUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<Role>> => {
        if (await nameTaken(tx, org.id, name)) return refused(nameTakenError(name));
        const role = await tx.role.create({ data: { organizationId: org.id, name, createdById: principal.user.id } });
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
  const role = await getVisibleRole(ctx, String(input.id));
  requireAdmin(ctx, role.organizationId, "change roles");
  const parsed = updateRoleInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { name } = parsed.data;
  const principal = viewerOf(ctx);
  const outcome = await onUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<Role>> => {
        const before = await currentRole(tx, role, String(input.id));
        if (name === undefined || name === before.name) return ok(before);
        if (await nameTaken(tx, before.organizationId, name, before.id)) return refused(nameTakenError(name));
        const after = await tx.role.update({ where: { id: before.id }, data: { name } });
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
  const role = await getVisibleRole(ctx, String(input.id));
  requireAdmin(ctx, role.organizationId, "delete roles");
  const parsed = deleteRoleInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const principal = viewerOf(ctx);
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<DeletedRole>> => {
    // The organization first (the lock order of src/db/row-locks.ts): setting the default role locks it too.
    await lockRow(tx, "Organization", role.organizationId);
    const before = await currentRole(tx, role, String(input.id));
    await tx.role.delete({ where: { id: before.id } });
    const cleared = await tx.organization.updateMany({
      where: { id: before.organizationId, defaultRoleId: before.id },
      data: { defaultRoleId: null },
    });
    const organization = await tx.organization.findUniqueOrThrow({ where: { id: before.organizationId } });
    await logActivity(tx, {
      organizationId: before.organizationId,
      userId: principal.user.id,
      activity: "deleted",
      scope: "Role",
      itemId: before.id,
      detail: {
        name: before.name,
        changes: diffFields("Role", before, null, ROLE_FIELDS),
        context: cleared.count > 0 ? { wasDefaultRole: true } : null,
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

/** The member of the role's organization named by `userId` (global id or integer id), or a NOT_FOUND userError. */
async function organizationMember(tx: Tx, organizationId: string, userId: string) {
  const id = parseIdFor("User", "int", userId);
  if (id == null) return null;
  return tx.organizationMembership.findFirst({
    where: { organizationId, userId: Number(id) },
    select: { userId: true, user: { select: { email: true } } },
  });
}

const userNotMember = (userId: string): UserError =>
  userError(["userId"], `User ${JSON.stringify(userId)} is not a member of the role's organization.`, "NOT_FOUND");

export async function addRoleMember(ctx: Context, input: { roleId: string; userId: string }): Promise<Outcome<RoleMemberChange>> {
  const role = await getVisibleRole(ctx, String(input.roleId));
  requireAdmin(ctx, role.organizationId, "change role members");
  const parsed = roleMemberInput.safeParse({ roleId: String(input.roleId), userId: String(input.userId) }, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const principal = viewerOf(ctx);
  const taken = () => userError(["userId"], "The user is already a member of this role.", "TAKEN");
  return onUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<RoleMemberChange>> => {
        const current = await currentRole(tx, role, String(input.roleId));
        const orgMember = await organizationMember(tx, current.organizationId, parsed.data.userId);
        if (!orgMember) return refused(userNotMember(parsed.data.userId));
        const existing = await tx.roleMembership.findUnique({
          where: { roleId_userId: { roleId: current.id, userId: orgMember.userId } },
        });
        if (existing) return refused(taken());
        const member = await tx.roleMembership.create({ data: { roleId: current.id, userId: orgMember.userId } });
        await logActivity(tx, {
          organizationId: current.organizationId,
          userId: principal.user.id,
          activity: "member_added",
          scope: "Role",
          itemId: current.id,
          detail: {
            name: current.name,
            changes: diffFields("RoleMember", null, { userId: member.userId, email: orgMember.user.email }, ["userId", "email"]),
          },
        });
        return ok({ role: current, member });
      }),
    taken,
  );
}

export async function removeRoleMember(ctx: Context, input: { roleId: string; userId: string }): Promise<Outcome<RoleMemberChange>> {
  const role = await getVisibleRole(ctx, String(input.roleId));
  requireAdmin(ctx, role.organizationId, "change role members");
  const parsed = roleMemberInput.safeParse({ roleId: String(input.roleId), userId: String(input.userId) }, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const principal = viewerOf(ctx);
  return ctx.prisma.$transaction(async (tx): Promise<Outcome<RoleMemberChange>> => {
    const current = await currentRole(tx, role, String(input.roleId));
    const userId = parseIdFor("User", "int", parsed.data.userId);
    const member =
      userId == null
        ? null
        : await tx.roleMembership.findUnique({
            where: { roleId_userId: { roleId: current.id, userId: Number(userId) } },
            include: { user: { select: { email: true } } },
          });
    if (!member) {
      return refused(userError(["userId"], `User ${JSON.stringify(parsed.data.userId)} is not a member of this role.`, "NOT_FOUND"));
    }
    await tx.roleMembership.delete({ where: { id: member.id } });
    await logActivity(tx, {
      organizationId: current.organizationId,
      userId: principal.user.id,
      activity: "member_removed",
      scope: "Role",
      itemId: current.id,
      detail: {
        name: current.name,
        changes: diffFields("RoleMember", { userId: member.userId, email: member.user.email }, null, ["userId", "email"]),
      },
    });
    const { user: _user, ...membership } = member;
    return ok({ role: current, member: membership });
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
  const org = await getVisibleOrganization(ctx, String(input.organizationId));
  requireAdmin(ctx, org.id, "set the default role");
  const parsed = setOrganizationDefaultRoleInput.safeParse({
    organizationId: String(input.organizationId),
    roleId: input.roleId == null ? input.roleId : String(input.roleId),
  });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const requested = parsed.data.roleId ?? null;
  const principal = viewerOf(ctx);
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<DefaultRoleChange>> => {
    await lockRow(tx, "Organization", org.id);
    const before = await tx.organization.findUnique({ where: { id: org.id } });
    if (!before) throw notFound("Organization", input.organizationId);
    let role: Role | null = null;
    if (requested != null) {
      const roleId = parseIdFor("Role", "uuid", requested);
      role = roleId == null ? null : await tx.role.findFirst({ where: { id: String(roleId), organizationId: org.id } });
      if (!role) {
        return refused(userError(["roleId"], `Role ${JSON.stringify(requested)} is not a role of this organization.`, "NOT_FOUND"));
      }
    }
    const newDefault = role?.id ?? null;
    if (before.defaultRoleId === newDefault) return ok({ organization: before, role });
    const after = await tx.organization.update({ where: { id: org.id }, data: { defaultRoleId: newDefault } });
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
