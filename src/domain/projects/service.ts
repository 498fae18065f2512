// Projects: creation with a primary environment, updates of the project and
// its primary environment's settings, deletion, moves, and the actions run
// on the primary environment. Each checks, in the policy's order, visibility
// (NOT_FOUND), then level (FORBIDDEN), then the input (userErrors). Queries
// and writes are the store's.
import type { Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { assertCan, isVisible, reachableTeams } from "../../auth/policy.js";
import { parseIdFor } from "../ids.js";
import { ok, RefusedInTransaction, refused, userError, userErrorsFromZod, type Outcome } from "../outcome.js";
import { diffFields, logActivity } from "../activity/service.js";
import { patchedSettings } from "../settings/patch.js";
import { environmentChanges, logAsProject } from "../environments/rules.js";
import { assertMayChangeSettings, touchesSettings, updateEnvironmentSettings, type EnvironmentAction } from "../environments/service.js";
import { answerUniqueViolation } from "../../db/unique-races.js";
import type { Page, PageOptions, PageWindow } from "../../db/pages.js";
import { assertCanOnProject, getVisibleProject } from "./access.js";
import {
  insertProject,
  lockedProject,
  markProjectDeleted,
  moveProject,
  nameTaken,
  projectPagesByOrganization,
  projectWithPrimary,
  updateProjectRow,
  type ProjectWithPrimary,
} from "./store.js";
import { changeOrganizationInput, createProjectInput, updateProjectInput } from "./validation.js";

// Other areas find projects through these.
export { getVisibleProject, logAsProject };

const taken = (field: string) => userError([field], "A project with this name already exists in the organization.", "TAKEN");

type Input<Id extends string> = { [K in Id]: string | number } & Record<string, unknown>;

/** Creates a project and its primary environment (same id, fresh tokens). Org admins only. */
export async function createProject(ctx: Context, input: Input<"organizationId">): Promise<Outcome<ProjectWithPrimary>> {
  const orgRef = String(input.organizationId);
  const orgId = parseIdFor("Organization", "uuid", orgRef);
  if (orgId == null) throw notFound("Organization", orgRef);
  const principal = viewerOf(ctx);
  assertCan(principal, "project:create", { organizationId: String(orgId) }, { typename: "Organization", id: orgRef });
  const parsed = createProjectInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { organizationId: _org, name, productDescription, ...settingsInput } = parsed.data;
  const organizationId = String(orgId);
  const settings = patchedSettings({}, settingsInput);
  const outcome = await answerUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<number>> => {
        if (await nameTaken(tx, organizationId, name)) return refused(taken("name"));
        const { environment: env } = await insertProject(tx, organizationId, name, settings, {
          productDescription: productDescription ?? null,
        });
        const id = env.id;
        await logActivity(tx, {
          organizationId,
          projectId: id,
          environmentId: id,
          userId: principal.user.id,
          activity: "created",
          scope: "Project",
          itemId: id,
          detail: {
            name,
            changes: [
              ...diffFields("Project", null, { name, productDescription }, ["name", "productDescription"]),
              ...environmentChanges("Project", { ...env, settings: {} }, env).filter((c) => c.field !== "name"),
            ],
          },
        });
        return ok(id);
      }),
    // A concurrent creation took the name between the check and the insert.
    () => refused<number>(taken("name")),
  );
  if (!outcome.ok) return outcome;
  return ok(await projectWithPrimary(ctx.prisma, outcome.value));
}

/** Updates the project (name, description) and its primary environment's settings in one transaction and one activity entry. */
export async function updateProject(ctx: Context, input: Input<"id">): Promise<Outcome<ProjectWithPrimary>> {
  const project = await getVisibleProject(ctx, String(input.id));
  const { id: _id, name: nameInput, productDescription: descriptionInput, ...settingsInput } = input;
  const ownChanges = nameInput !== undefined || descriptionInput !== undefined;
  if (ownChanges) assertCanOnProject(ctx, "project:update", project, "change: name, productDescription");
  else assertMayChangeSettings(ctx, project.primaryEnvironment, settingsInput);
  const parsed = updateProjectInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { id: _parsedId, name, productDescription, ...settingsPatch } = parsed.data;
  if (!ownChanges && !touchesSettings(settingsPatch)) return ok(project);
  const outcome = await answerUniqueViolation(
    () =>
      updateEnvironmentSettings(ctx, project.primaryEnvironment, logAsProject(project), settingsPatch, name !== undefined ? { name } : {}, {
        // The "before" of the entry is the project as stored now, locked: a concurrent rename cannot slip in between.
        beforeWrite: async (tx) => {
          if (!ownChanges) return [];
          const current = await lockedProject(tx, project.id);
          if (name !== undefined && (await nameTaken(tx, current.organizationId, name, current.id)))
            throw new RefusedInTransaction([taken("name")]);
          const wanted = {
            name: name ?? current.name,
            productDescription: productDescription === undefined ? current.productDescription : productDescription,
          };
          const changes = diffFields("Project", { name: current.name, productDescription: current.productDescription }, wanted, [
            "name",
            "productDescription",
          ]);
          if (changes.length) await updateProjectRow(tx, current.id, wanted);
          return changes;
        },
      }),
    // The unique index caught a concurrent rename to the same name.
    () => refused<Environment>(taken("name")),
  );
  if (!outcome.ok) return outcome;
  return ok(await projectWithPrimary(ctx.prisma, project.id));
}

/** Marks the project and its environments pending deletion: hidden everywhere. Deleting again answers NOT_FOUND. */
export async function deleteProject(ctx: Context, id: string): Promise<Outcome<ProjectWithPrimary>> {
  const project = await getVisibleProject(ctx, id);
  assertCanOnProject(ctx, "project:delete", project);
  await ctx.prisma.$transaction(async (tx) => {
    const current = await markProjectDeleted(tx, project.id);
    if (!current) throw notFound("Project", id);
    // The update locked the row: its name and organization now are what the entry records.
    await logActivity(tx, {
      organizationId: current.organizationId,
      projectId: project.id,
      environmentId: project.id,
      userId: viewerOf(ctx).user.id,
      activity: "deleted",
      scope: "Project",
      itemId: project.id,
      detail: { name: current.name, changes: [] },
    });
  });
  return ok({ ...project, isPendingDeletion: true });
}

/** Moves a project and all its environments to another organization. Admin of both. */
export async function changeProjectOrganization(ctx: Context, input: Input<"id" | "organizationId">): Promise<Outcome<ProjectWithPrimary>> {
  const parsed = changeOrganizationInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const project = await getVisibleProject(ctx, parsed.data.id);
  const principal = viewerOf(ctx);
  const targetId = parseIdFor("Organization", "uuid", parsed.data.organizationId);
  // The target is input: one the caller cannot see is a userError, not a top-level NOT_FOUND.
  if (targetId == null || !isVisible(principal, { organizationId: String(targetId) })) {
    return refused(userError(["organizationId"], "No organization with this id that you belong to.", "NOT_FOUND"));
  }
  const target = String(targetId);
  assertCanOnProject(ctx, "project:move-out", project);
  assertCan(principal, "project:move-in", { organizationId: target }, { typename: "Organization", id: parsed.data.organizationId });
  const alreadyThere = () => refused(userError(["organizationId"], "The project already belongs to this organization.", "CONFLICT"));
  const nameTakenThere = () =>
    refused(userError(["organizationId"], "The target organization already has a project with this name.", "TAKEN"));
  if (target === project.organizationId) return alreadyThere();
  const outcome = await answerUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<null>> => {
        // Where the project is now, locked: a concurrent move either finished (we start from its result) or waits for us.
        const current = await lockedProject(tx, project.id);
        if (current.isPendingDeletion) throw notFound("Project", parsed.data.id);
        if (current.organizationId === target) return alreadyThere();
        if (current.organizationId !== project.organizationId) assertCanOnProject(ctx, "project:move-out", current);
        if (await nameTaken(tx, target, current.name, current.id)) return nameTakenThere();
        await moveProject(tx, current.id, target);
        await logActivity(tx, {
          organizationId: target,
          projectId: current.id,
          environmentId: current.id,
          userId: principal.user.id,
          activity: "changed_organization",
          scope: "Project",
          itemId: current.id,
          detail: {
            name: current.name,
            changes: [{ type: "Project", action: "changed", field: "organization", before: current.organizationId, after: target }],
          },
        });
        return ok(null);
      }),
    // A concurrent move or rename took the name in the target organization.
    nameTakenThere,
  );
  if (!outcome.ok) return outcome;
  return ok(await projectWithPrimary(ctx.prisma, project.id));
}

/** Runs an environment action on a visible project's primary environment (logged as the project); answers the project afterwards. */
export async function actOnProject<Input>(
  ctx: Context,
  id: string,
  action: EnvironmentAction<Input>,
  input: Input,
): Promise<Outcome<ProjectWithPrimary>> {
  const project = await getVisibleProject(ctx, id);
  const outcome = await action(ctx, project.primaryEnvironment, logAsProject(project), input);
  if (!outcome.ok) return outcome;
  ctx.loaders.projectById.clear(project.id);
  const fresh = await ctx.loaders.projectById.load(project.id);
  // Deleted meanwhile: answered as NOT_FOUND, as the lookup would.
  if (!fresh) throw notFound("Project", id);
  return ok(fresh);
}

/**
 * A page of each organization's projects the caller can reach (organizations
 * it cannot see get none), in the order of `organizationIds`.
 */
export async function projectPages(
  ctx: Context,
  organizationIds: readonly string[],
  search: string | null | undefined,
  window: PageWindow,
  options: PageOptions & { columns?: readonly string[] | null },
): Promise<Page<ProjectWithPrimary>[]> {
  const principal = viewerOf(ctx);
  const visible = organizationIds.filter((id) => isVisible(principal, { organizationId: id }));
  // A key limited to some projects lists only those (the policy's visibility, as SQL).
  const pages = await projectPagesByOrganization(
    ctx.db,
    visible,
    { search, reachable: reachableTeams(principal) ?? [], columns: options.columns },
    window,
    options,
  );
  const byOrganization = new Map(visible.map((id, i) => [id, pages[i]]));
  return organizationIds.map((id) => byOrganization.get(id)!);
}
