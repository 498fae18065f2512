// Who may see and change an environment: members of its organization whose
// key reaches its project; admins (level ≥ 8) for most changes.
import type { Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { forbidden, notFound } from "../../errors.js";
import { parseIdFor } from "../ids.js";
import type { Principal } from "../../auth/principal.js";

export function environmentVisibleTo(principal: Principal, env: Pick<Environment, "organizationId" | "projectId" | "id" | "isPendingDeletion">): boolean {
  return !env.isPendingDeletion && principal.canSee(env.organizationId, env.projectId, env.id);
}

/** The environment named by a global id or PostHog id, if the caller can see it; NOT_FOUND otherwise. */
export async function getVisibleEnvironment(ctx: Context, id: string): Promise<Environment> {
  const envId = parseIdFor("Environment", "int", id);
  const env = envId == null ? null : await ctx.loaders.environmentById.load(Number(envId));
  if (!env || !environmentVisibleTo(viewerOf(ctx), env)) throw notFound("Environment", id);
  // A project pending deletion hides its environments too.
  const project = await ctx.loaders.projectById.load(env.projectId);
  if (!project || project.isPendingDeletion) throw notFound("Environment", id);
  return env;
}

export function requireAdminOf(ctx: Context, organizationId: string, action: string): void {
  if (!viewerOf(ctx).isAdminOf(organizationId)) throw forbidden(`Only organization admins (level 8 or more) may ${action}.`);
}
