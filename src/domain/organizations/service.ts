// Organizations: visibility, creation (the creator becomes owner), updates
// (admins), and members joining (with the organization's default role).
// Authorization is decided by src/auth/policy.ts; SQL lives in store.ts.
import type { Organization, PrismaClient, Role } from "../../generated/prisma/client.js";
import type { Context } from "../../context.js";
import { viewerOf } from "../../context.js";
import { notFound } from "../../errors.js";
import { isUniqueViolation } from "../../db/errors.js";
import { MembershipLevel } from "../../auth/levels.js";
import { assertCan, isVisible, type Action } from "../../auth/policy.js";
import { ok, refused, userErrorsFromZod, type Outcome } from "../outcome.js";
import { parseIdFor } from "../ids.js";
import { logActivity } from "../activity/service.js";
import { roleMemberChanges } from "../roles/rules.js";
import { insertRoleMembershipIfAbsent, roleById } from "../roles/store.js";
import { firstFreeSlug, slugify } from "./rules.js";
import * as store from "./store.js";
import { createOrganizationInput, updateOrganizationInput } from "./validation.js";

/** The organization if the caller can see it; NOT_FOUND otherwise (also for malformed ids). */
export async function getVisibleOrganization(ctx: Context, id: string): Promise<Organization> {
  const orgId = parseIdFor("Organization", "uuid", id);
  if (orgId == null || !isVisible(viewerOf(ctx), { organizationId: String(orgId) })) throw notFound("Organization", id);
  const org = await ctx.loaders.organizationById.load(String(orgId));
  if (!org) throw notFound("Organization", id);
  return org;
}

/**
 * Throws unless the caller may take `action` in the organization (NOT_FOUND
 * when it cannot see it, FORBIDDEN below the action's level); `id` names it
 * in a NOT_FOUND as the caller did.
 */
export function assertCanInOrganization(ctx: Context, action: Action, organizationId: string, id: string = organizationId): void {
  assertCan(viewerOf(ctx), action, { organizationId }, { typename: "Organization", id });
}

/** PostHog's `@current`: the user's current organization if still visible, else their first one. */
export async function getCurrentOrganization(ctx: Context): Promise<Organization | null> {
  const principal = viewerOf(ctx);
  const current = principal.user.currentOrganizationId;
  const id = current && isVisible(principal, { organizationId: current }) ? current : principal.organizationIds[0];
  return id ? ctx.loaders.organizationById.load(id) : null;
}

/** The caller's level in an organization: from the principal, or as the creator of one made in this request (see Principal.grant). */
export function callerLevelIn(ctx: Context, organizationId: string): number | null {
  return viewerOf(ctx).levelOrGrantIn(organizationId);
}

/** Each attempt either succeeds or lost a slug to a creator of a different name; this many losses in a row is a fault. */
const MAX_SLUG_ATTEMPTS = 50;

export async function createOrganization(ctx: Context, input: unknown): Promise<Outcome<Organization>> {
  const parsed = createOrganizationInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const principal = viewerOf(ctx);
  const base = slugify(parsed.data.name);
  // Creators of one name queue on a lock of its slug, so each finds the slugs of those before it.
  // A name whose slug is another's numbered one ("Acme 2" and a second "Acme" both want "acme-2")
  // can still collide: the unique index refuses the loser, which then picks again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const org = await ctx.prisma.$transaction(async (tx) => {
        await store.lockSlug(tx, base);
        const created = await store.insertOrganization(tx, {
          name: parsed.data.name,
          slug: firstFreeSlug(base, await store.slugsTakenFrom(tx, base)),
          ownerId: principal.user.id,
          ownerLevel: MembershipLevel.OWNER,
        });
        if (!principal.user.currentOrganizationId) await store.makeCurrentUnlessSet(tx, principal.user.id, created.id);
        return created;
      });
      // The principal was loaded before this organization existed.
      principal.grant(org.id, MembershipLevel.OWNER);
      return ok(org);
    } catch (error) {
      if (attempt < MAX_SLUG_ATTEMPTS && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

export async function updateOrganization(ctx: Context, input: { id: string; name?: unknown }): Promise<Outcome<Organization>> {
  // Who may, before what: visibility and level first, then the input.
  const org = await getVisibleOrganization(ctx, input.id);
  assertCanInOrganization(ctx, "organization:update", org.id, input.id);
  const parsed = updateOrganizationInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  if (parsed.data.name === undefined || parsed.data.name === org.name) return ok(org);
  return ok(await store.renameOrganization(ctx.prisma, org.id, parsed.data.name));
}

export interface AddedMember {
  /** Whether the user was not a member before (else only the level changed). */
  added: boolean;
  /** The default role the new member joined; null when the organization has none, or the user was a member already. */
  joinedRole: Role | null;
}

/**
 * Makes a user a member of an organization at `level`, or changes the level
 * of a member (the operator CLI's `member:add`). A NEW member also joins the
 * organization's default role, in the same transaction, recorded in the
 * activity log like any role member added (by no user: the operator).
 */
export async function addOrganizationMember(
  prisma: PrismaClient,
  m: { organizationId: string; userId: number; level: number },
): Promise<AddedMember> {
  return prisma.$transaction(async (tx): Promise<AddedMember> => {
    // The organization's lock keeps its default role from changing or being deleted meanwhile.
    const org = await store.lockedOrganization(tx, m.organizationId);
    if (!org) throw new Error(`No organization ${m.organizationId}.`);
    if (!(await store.insertMembershipIfAbsent(tx, m))) {
      await store.setMembershipLevel(tx, m);
      return { added: false, joinedRole: null };
    }
    const role = org.defaultRoleId ? await roleById(tx, org.defaultRoleId) : null;
    if (!role || !(await insertRoleMembershipIfAbsent(tx, role.id, m.userId))) return { added: true, joinedRole: null };
    const member = await store.organizationMember(tx, org.id, m.userId);
    await logActivity(tx, {
      organizationId: org.id,
      userId: null,
      activity: "member_added",
      scope: "Role",
      itemId: role.id,
      detail: {
        name: role.name,
        changes: roleMemberChanges(null, { userId: m.userId, email: member?.user.email ?? "" }),
        context: { defaultRole: true },
      },
    });
    return { added: true, joinedRole: role };
  });
}
