// Where an environment sits for the policy (src/auth/policy.ts), and the
// lookup every environment read and mutation starts from: members of its
// organization whose key reaches it see it; the policy's actions say who may
// change it.
import type { Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { assertCan, isVisible, type Action, type Placement } from "../../auth/policy.js";
import { parseIdFor } from "../ids.js";

type Placed = Pick<Environment, "organizationId" | "projectId" | "id" | "isPendingDeletion">;

/** The policy's view of an environment: its organization, project and own id. */
export const environmentPlacement = (env: Placed): Placement => ({
  organizationId: env.organizationId,
  projectId: env.projectId,
  environmentId: env.id,
  pendingDeletion: env.isPendingDeletion,
});

/** The environment named by a global id or PostHog id, if the caller can see it; NOT_FOUND otherwise. */
export async function getVisibleEnvironment(ctx: Context, id: string): Promise<Environment> {
  const envId = parseIdFor("Environment", "int", id);
  const env = envId == null ? null : await ctx.loaders.environmentById.load(Number(envId));
  if (!env || !isVisible(viewerOf(ctx), environmentPlacement(env))) throw notFound("Environment", id);
  // A project pending deletion hides its environments too.
  const project = await ctx.loaders.projectById.load(env.projectId);
  if (!project || project.isPendingDeletion) throw notFound("Environment", id);
  return env;
}

/** The environments of `ids`, in order, each as the caller may see it: the environment, or a NOT_FOUND error (node(id:), nodes(ids:)). */
export async function loadVisibleEnvironments(ctx: Context, ids: readonly string[]): Promise<(Environment | Error)[]> {
  const envs = await ctx.loaders.environmentById.loadMany(ids.map(Number));
  const principal = viewerOf(ctx);
  return envs.map((e, i) =>
    e && !(e instanceof Error) && isVisible(principal, environmentPlacement(e)) ? e : notFound("Environment", ids[i]),
  );
}

/**
 * Refuses (FORBIDDEN, or NOT_FOUND for what the caller cannot see) unless the
 * caller may do `action` to the environment. `verb` replaces the action's in
 * the refusal ("change: name, timezone").
 */
export function assertCanOnEnvironment(ctx: Context, action: Action, env: Placed, verb?: string): void {
  assertCan(viewerOf(ctx), action, environmentPlacement(env), { typename: "Environment", id: env.id, ...(verb ? { verb } : {}) });
}
