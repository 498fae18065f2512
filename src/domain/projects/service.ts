// Projects: visibility, creation with a primary environment, updates of the
// project and its primary environment's settings, deletion and moves.
import type { Environment, Prisma } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { forbidden, notFound } from "../../errors.js";
import { parseIdFor } from "../ids.js";
import { ok, RefusedInTransaction, refused, userError, userErrorsFromZod, type Outcome } from "../outcome.js";
import { diffFields, logActivity } from "../activity/service.js";
import { touchedSettings } from "../settings/validation.js";
import { environmentVisibleTo, requireAdminOf } from "../environments/access.js";
import { environmentChanges, patchedSettings, updateEnvironmentSettings } from "../environments/service.js";
import { fetchProjectsWithPrimary, type ProjectWithPrimary } from "./loaders.js";
import { insertProject } from "./records.js";
import { lockRow } from "../../db/row-locks.js";
import { answerUniqueViolation } from "../../db/unique-races.js";
import { changeOrganizationInput, createProjectInput, updateProjectInput } from "./validation.js";

type Tx = Prisma.TransactionClient;

export const logAsProject = (project: { id: number }) => ({ scope: "Project" as const, itemId: project.id });

/** The project if the caller can see it (member of its organization, key reaches it, not deleted); NOT_FOUND otherwise. */
export async function getVisibleProject(ctx: Context, id: string): Promise<ProjectWithPrimary> {
  const projectId = parseIdFor("Project", "int", id);
  const project = projectId == null ? null : await ctx.loaders.projectById.load(Number(projectId));
  if (!project || !projectVisible(ctx, project)) throw notFound("Project", id);
  return project;
}

export function projectVisible(ctx: Context, project: Pick<ProjectWithPrimary, "organizationId" | "id" | "isPendingDeletion">): boolean {
  return !project.isPendingDeletion && viewerOf(ctx).canSee(project.organizationId, project.id);
}

async function nameTaken(tx: Tx, organizationId: string, name: string, exceptId?: number): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM "Project" WHERE "organizationId" = ${organizationId}::uuid AND lower(name) = lower(${name})
      AND NOT "isPendingDeletion" AND id <> ${exceptId ?? 0}`;
  return rows.length > 0;
}

const taken = (field: string) => userError([field], "A project with this name already exists in the organization.", "TAKEN");

/** Creates a project and its primary environment (same id, fresh tokens). Org admins only. */
export async function createProject(ctx: Context, input: unknown): Promise<Outcome<ProjectWithPrimary>> {
  const parsed = createProjectInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { organizationId: orgRef, name, productDescription, ...settingsInput } = parsed.data;
  const orgId = parseIdFor("Organization", "uuid", orgRef);
  const principal = viewerOf(ctx);
  if (orgId == null || !principal.canSee(String(orgId))) throw notFound("Organization", orgRef);
  requireAdminOf(ctx, String(orgId), "create projects");
  const settings = patchedSettings({}, settingsInput);
  const outcome = await answerUniqueViolation(
    () => ctx.prisma.$transaction(async (tx): Promise<Outcome<number>> => {
    if (await nameTaken(tx, String(orgId), name)) return refused(taken("name"));
    const { environment: env } = await insertProject(tx, String(orgId), name, settings, { productDescription: productDescription ?? null });
    const id = env.id;
    await logActivity(tx, {
      organizationId: String(orgId),
      projectId: id,
      environmentId: id,
      userId: principal.user.id,
      activity: "created",
      scope: "Project",
      itemId: id,
      detail: { name, changes: [...diffFields("Project", null, { name, productDescription }, ["name", "productDescription"]), ...environmentChanges("Project", { ...env, settings: {} } as Environment, env).filter((c) => c.field !== "name")] },
    });
    return ok(id);
  }),
    // A concurrent creation took the name between the check and the insert.
    () => refused<number>(taken("name")),
  );
  if (!outcome.ok) return outcome;
  return ok((await fetchProjectsWithPrimary(ctx.prisma, [outcome.value]))[0]);
}

/** Updates the project (name, description) and its primary environment's settings in one transaction and one activity entry. */
export async function updateProject(ctx: Context, input: unknown): Promise<Outcome<ProjectWithPrimary>> {
  const parsed = updateProjectInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const { id, name, productDescription, ...settingsPatch } = parsed.data;
  const project = await getVisibleProject(ctx, id);
  const ownChanges = name !== undefined || productDescription !== undefined;
  if (ownChanges && !viewerOf(ctx).isAdminOf(project.organizationId)) {
    throw forbidden("Only organization admins (level 8 or more) may change: name, productDescription.");
  }
  if (!ownChanges && touchedSettings(settingsPatch).length === 0) return ok(project);
  const outcome = await answerUniqueViolation(
    () =>
      updateEnvironmentSettings(ctx, project.primaryEnvironment, logAsProject(project), settingsPatch, name !== undefined ? { name } : {}, {
        // The "before" of the entry is the project as stored now, locked: a concurrent rename cannot slip in between.
        beforeWrite: async (tx) => {
          if (!ownChanges) return [];
          const current = await lockedProject(tx, project.id);
          if (name !== undefined && (await nameTaken(tx, current.organizationId, name, current.id))) throw new RefusedInTransaction([taken("name")]);
          const wanted = {
            name: name ?? current.name,
            productDescription: productDescription === undefined ? current.productDescription : productDescription,
          };
          const changes = diffFields("Project", { name: current.name, productDescription: current.productDescription }, wanted, ["name", "productDescription"]);
          if (changes.length) await tx.project.update({ where: { id: current.id }, data: wanted });
          return changes;
        },
      }),
    // The unique index caught a concurrent rename to the same name.
    () => refused<Environment>(taken("name")),
  );
  if (!outcome.ok) return outcome;
  return ok((await fetchProjectsWithPrimary(ctx.prisma, [project.id]))[0]);
}

/** The project row as stored now, locked until the transaction ends (see src/db/row-locks.ts). */
async function lockedProject(tx: Tx, id: number) {
  await lockRow(tx, "Project", id);
  return tx.project.findUniqueOrThrow({ where: { id } });
}

/** Marks the project and its environments pending deletion: hidden everywhere. Deleting again answers NOT_FOUND. */
export async function deleteProject(ctx: Context, id: string): Promise<Outcome<ProjectWithPrimary>> {
  const project = await getVisibleProject(ctx, id);
  requireAdminOf(ctx, project.organizationId, "delete projects");
  await ctx.prisma.$transaction(async (tx) => {
    const { count } = await tx.project.updateMany({ where: { id: project.id, isPendingDeletion: false }, data: { isPendingDeletion: true } });
    if (count === 0) throw notFound("Project", id);
    // The update locked the row: its name and organization now are what the entry records.
    const current = await tx.project.findUniqueOrThrow({ where: { id: project.id } });
    await tx.environment.updateMany({ where: { projectId: project.id }, data: { isPendingDeletion: true } });
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
export async function changeProjectOrganization(ctx: Context, input: unknown): Promise<Outcome<ProjectWithPrimary>> {
  const parsed = changeOrganizationInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const project = await getVisibleProject(ctx, parsed.data.id);
  const principal = viewerOf(ctx);
  const target = parseIdFor("Organization", "uuid", parsed.data.organizationId);
  if (target == null || !principal.canSee(String(target))) {
    return refused(userError(["organizationId"], "No organization with this id that you belong to.", "NOT_FOUND"));
  }
  requireAdminOf(ctx, project.organizationId, "move projects out of this organization");
  requireAdminOf(ctx, String(target), "move projects into that organization");
  const alreadyThere = () => refused(userError(["organizationId"], "The project already belongs to this organization.", "CONFLICT"));
  const nameTakenThere = () => refused(userError(["organizationId"], "The target organization already has a project with this name.", "TAKEN"));
  if (String(target) === project.organizationId) return alreadyThere();
  const outcome = await answerUniqueViolation(
    () =>
      ctx.prisma.$transaction(async (tx): Promise<Outcome<null>> => {
        // Where the project is now, locked: a concurrent move either finished (we start from its result) or waits for us.
        const current = await lockedProject(tx, project.id);
        if (current.isPendingDeletion) throw notFound("Project", parsed.data.id);
        if (current.organizationId === String(target)) return alreadyThere();
        if (current.organizationId !== project.organizationId) requireAdminOf(ctx, current.organizationId, "move projects out of this organization");
        if (await nameTaken(tx, String(target), current.name, current.id)) return nameTakenThere();
        await tx.project.update({ where: { id: current.id }, data: { organizationId: String(target) } });
        await tx.environment.updateMany({ where: { projectId: current.id }, data: { organizationId: String(target) } });
        await tx.annotation.updateMany({ where: { environment: { projectId: current.id } }, data: { organizationId: String(target) } });
        await logActivity(tx, {
          organizationId: String(target),
          projectId: current.id,
          environmentId: current.id,
          userId: principal.user.id,
          activity: "changed_organization",
          scope: "Project",
          itemId: current.id,
          detail: {
            name: current.name,
            changes: [{ type: "Project", action: "changed", field: "organization", before: current.organizationId, after: String(target) }],
          },
        });
        return ok(null);
      }),
    // A concurrent move or rename took the name in the target organization.
    nameTakenThere,
  );
  if (!outcome.ok) return outcome;
  return ok((await fetchProjectsWithPrimary(ctx.prisma, [project.id]))[0]);
}

export { environmentVisibleTo };
