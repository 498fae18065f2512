// Creating, updating and deleting environments. Each checks, in the
// policy's order, visibility (NOT_FOUND), then level (FORBIDDEN), then the
// input (userErrors).
import type { Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { ok, refused, userError, userErrorsFromZod, type Outcome } from "../outcome.js";
import { logActivity } from "../activity/service.js";
import { patchedSettings } from "../settings/patch.js";
import { assertCanOnProject, getVisibleProject } from "../projects/access.js";
import { assertCanOnEnvironment, getVisibleEnvironment } from "./access.js";
import { environmentChanges, logAsEnvironment } from "./rules.js";
import { assertMayChangeSettings, updateEnvironmentSettings } from "./service.js";
import { insertEnvironment, markEnvironmentDeleted } from "./store.js";
import { createEnvironmentInput, updateEnvironmentInput } from "./validation.js";

/** A mutation's input: the target's id and the fields to validate. */
type Input<Id extends string> = { [K in Id]: string | number } & Record<string, unknown>;

export async function createEnvironment(ctx: Context, input: Input<"projectId">): Promise<Outcome<Environment>> {
  const { projectId, ...rest } = input;
  const project = await getVisibleProject(ctx, String(projectId));
  assertCanOnProject(ctx, "environment:create", project);
  const parsed = createEnvironmentInput.safeParse(rest, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
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
      detail: {
        name,
        changes: environmentChanges(
          "Team",
          { name: "", apiToken: "", secretApiToken: null, secretApiTokenBackup: env.secretApiTokenBackup, settings: {} },
          env,
        ),
      },
    });
    return ok(env);
  });
}

export async function updateEnvironment(ctx: Context, input: Input<"id">): Promise<Outcome<Environment>> {
  const { id, ...rest } = input;
  const env = await getVisibleEnvironment(ctx, String(id));
  const { name: nameInput, ...patchInput } = rest;
  assertMayChangeSettings(ctx, env, patchInput, nameInput !== undefined ? ["name"] : []);
  const parsed = updateEnvironmentInput.safeParse(rest, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { name, ...patch } = parsed.data;
  return updateEnvironmentSettings(ctx, env, logAsEnvironment(env), patch, name !== undefined ? { name } : {});
}

export async function deleteEnvironment(ctx: Context, id: string): Promise<Outcome<Environment>> {
  const env = await getVisibleEnvironment(ctx, id);
  assertCanOnEnvironment(ctx, "environment:delete", env);
  if (env.id === env.projectId) {
    return refused(userError(["id"], "This is the project's primary environment: delete the project instead.", "CONFLICT"));
  }
  await ctx.prisma.$transaction(async (tx) => {
    const name = await markEnvironmentDeleted(tx, env.id);
    if (name === null) throw notFound("Environment", id);
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
