// Where a project sits for the policy (src/auth/policy.ts), and the lookup
// every project read and mutation starts from.
import type { Project } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { assertCan, isVisible, type Action, type Placement } from "../../auth/policy.js";
import { parseIdFor } from "../ids.js";
import type { ProjectWithPrimary } from "./store.js";

type Placed = Pick<Project, "organizationId" | "id" | "isPendingDeletion">;

/** The policy's view of a project: its organization and id. */
export const projectPlacement = (project: Placed): Placement => ({
  organizationId: project.organizationId,
  projectId: project.id,
  pendingDeletion: project.isPendingDeletion,
});

/** The project if the caller can see it; NOT_FOUND otherwise. */
export async function getVisibleProject(ctx: Context, id: string): Promise<ProjectWithPrimary> {
  const projectId = parseIdFor("Project", "int", id);
  const project = projectId == null ? null : await ctx.loaders.projectById.load(Number(projectId));
  if (!project || !isVisible(viewerOf(ctx), projectPlacement(project))) throw notFound("Project", id);
  return project;
}

/** The projects of `ids`, in order, each as the caller may see it: the project, or a NOT_FOUND error (node(id:), nodes(ids:)). */
export async function loadVisibleProjects(ctx: Context, ids: readonly string[]): Promise<(ProjectWithPrimary | Error)[]> {
  const projects = await ctx.loaders.projectById.loadMany(ids.map(Number));
  const principal = viewerOf(ctx);
  return projects.map((p, i) =>
    p && !(p instanceof Error) && isVisible(principal, projectPlacement(p)) ? p : notFound("Project", ids[i]),
  );
}

/** Refuses (FORBIDDEN, or NOT_FOUND) unless the caller may do `action` to the project; `verb` replaces the action's in the refusal. */
export function assertCanOnProject(ctx: Context, action: Action, project: Placed, verb?: string): void {
  assertCan(viewerOf(ctx), action, projectPlacement(project), { typename: "Project", id: project.id, ...(verb ? { verb } : {}) });
}
