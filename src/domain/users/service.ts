// Users: who may see whom. A user is visible to themself and to the members of
// any organization they share (decided by src/auth/policy.ts per organization).
import type { User } from "../../generated/prisma/client.js";
import type { Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { isVisible } from "../../auth/policy.js";

/** The user if the caller may see them; else NOT_FOUND (returned, for a DataLoader batch). */
export async function visibleUser(ctx: Context, user: User | null): Promise<User | Error> {
  const principal = ctx.principal;
  if (!user || !principal) return notFound("User");
  if (user.id === principal.user.id) return user;
  const memberships = await ctx.loaders.organizationIdsByUser.load(user.id);
  return memberships.some((m) => isVisible(principal, { organizationId: m.organizationId })) ? user : notFound("User");
}

/**
 * A user referenced by another object (creator, member): loaded through the
 * per-request DataLoader. Being referenced by something visible makes the
 * user visible, so no further check applies.
 */
export function loadReferencedUser(ctx: Context, id: number | null | undefined): Promise<User | null> | null {
  return id == null ? null : ctx.loaders.userById.load(id);
}
