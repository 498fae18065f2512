// Creating, updating and deleting environments.
import type { Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { ok, refused, userError, userErrorsFromZod, type Outcome } from "../outcome.js";
import { logActivity } from "../activity/service.js";
import { insertEnvironment } from "../projects/records.js";
import { getVisibleProject } from "../projects/service.js";
import { getVisibleEnvironment, requireAdminOf } from "./access.js";
import { environmentChanges, logAsEnvironment, patchedSettings, updateEnvironmentSettings } from "./service.js";
import { createEnvironmentInput, updateEnvironmentInput } from "./validation.js";

export async function createEnvironment(ctx: Context, input: unknown): Promise<Outcome<Environment>> {
  const { projectId, ...rest } = input as { projectId: string } & Record<string, unknown>;
  const parsed = createEnvironmentInput.safeParse(rest, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const project = await getVisibleProject(ctx, String(projectId));
  requireAdminOf(ctx, project.organizationId, "create environments");
  const { name, ...settingsInput } = parsed.data;
  return ctx.prisma.$transaction(async (tx) => {
    const env = await insertEnvironment(tx, project, name, patchedSettings({}, settingsInput));
    await logActivity(tx, {
      organizationId: env.organizationId,
      projectId: env.projectId,
      environmentId: env.id,
      userId: viewerOf(ctx).user.id,
      activity: "created",
      scope: "Team",
      itemId: env.id,
      detail: { name, changes: environmentChanges("Team", { ...env, name: "", apiToken: "", secretApiToken: null, settings: {} } as Environment, env) },
    });
    return ok(env);
  });
}

export async function updateEnvironment(ctx: Context, input: unknown): Promise<Outcome<Environment>> {
  const { id, ...rest } = input as { id: string } & Record<string, unknown>;
  const parsed = updateEnvironmentInput.safeParse(rest, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const env = await getVisibleEnvironment(ctx, String(id));
  const { name, ...patch } = parsed.data;
  return updateEnvironmentSettings(ctx, env, logAsEnvironment(env), patch, name !== undefined ? { name } : {});
}

export async function deleteEnvironment(ctx: Context, id: string): Promise<Outcome<Environment>> {
  const env = await getVisibleEnvironment(ctx, id);
  requireAdminOf(ctx, env.organizationId, "delete environments");
  if (env.id === env.projectId) {
    return refused(userError(["id"], "This is the project's primary environment: delete the project instead.", "CONFLICT"));
  }
  await ctx.prisma.$transaction(async (tx) => {
    const { count } = await tx.environment.updateMany({ where: { id: env.id, isPendingDeletion: false }, data: { isPendingDeletion: true } });
    if (count === 0) throw notFound("Environment", id);
    // The update locked the row: its name now is what the entry records.
    const { name } = await tx.environment.findUniqueOrThrow({ where: { id: env.id }, select: { name: true } });
    await logActivity(tx, {
      organizationId: env.organizationId,
      projectId: env.projectId,
      environmentId: env.id,
      userId: viewerOf(ctx).user.id,
      activity: "deleted",
      scope: "Team",
      itemId: env.id,
      detail: { name, changes: [] },
    });
  });
  return ok({ ...env, isPendingDeletion: true });
}
