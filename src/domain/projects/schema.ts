// Project: its fields (settings and tokens through its primary environment),
// Organization.projects, the project(id:) query and the project mutations.
import { Prisma } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { loadPagesByParent } from "../../schema/connections.js";
import { pagedField } from "../../schema/paged-field.js";
import { definePayload, toPayload } from "../../schema/payloads.js";
import { type UserError } from "../outcome.js";
import { OrganizationRef } from "../organizations/schema.js";
import { ActivityConnection, activityQuery } from "../activity/schema.js";
import { addEnvironmentFields } from "../environments/schema-environment-fields.js";
import { settingInputFields } from "../settings/schema.js";
import * as team from "../environments/service.js";
import { hydrateProject, PROJECT_WITH_PRIMARY_FROM, PROJECT_WITH_PRIMARY_SELECT, type ProjectWithPrimary } from "./loaders.js";
import { changeProjectOrganization, createProject, deleteProject, getVisibleProject, logAsProject, projectVisible, updateProject } from "./service.js";
import { containsPattern } from "../../db/like.js";

export const ProjectRef = builder.loadableNode("Project", {
  description:
    "A PostHog project. Its settings and tokens are those of its primary environment (same id), as in PostHog; other environments have their own.",
  id: { resolve: (p: ProjectWithPrimary) => p.id },
  authScopes: { scope: "project:read" },
  load: async (ids: string[], ctx: Context) => {
    const projects = await ctx.loaders.projectById.loadMany(ids.map(Number));
    return projects.map((p, i) => (p && !(p instanceof Error) && projectVisible(ctx, p) ? p : notFound("Project", ids[i])));
  },
  fields: (t) => ({
    databaseId: t.exposeInt("id", { description: "PostHog's integer id of the project (also its primary environment's id)." }),
    projectId: t.exposeInt("id", { description: "PostHog's `project_id`: the same as `databaseId` for a project." }),
    uuid: t.field({ type: "UUID", description: "PostHog's UUID of the project.", resolve: (p) => p.uuid }),
    name: t.exposeString("name", { description: "Display name (1–200 characters, unique in the organization ignoring case)." }),
    productDescription: t.exposeString("productDescription", { nullable: true, description: "What the product does (≤1000 characters)." }),
    isPendingDeletion: t.exposeBoolean("isPendingDeletion", { description: "Whether the project is being deleted (such projects are hidden, so this reads false)." }),
    createdAt: t.field({ type: "DateTime", description: "When the project was created.", resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: "DateTime", description: "When the project or its settings last changed.", resolve: (p) => (p.updatedAt > p.primaryEnvironment.updatedAt ? p.updatedAt : p.primaryEnvironment.updatedAt) }),
    organization: t.field({
      type: OrganizationRef,
      description: "The organization the project belongs to.",
      resolve: (p) => p.organizationId,
    }),
    activity: pagedField(t, {
      type: ActivityConnection,
      description: "Changes to the project and its environments, newest first.",
      query: activityQuery("projectId"),
      parentId: (p) => p.id,
    }),
  }),
});

addEnvironmentFields<ProjectWithPrimary>(ProjectRef, (p) => p.primaryEnvironment, { includeEnvironmentOnly: false });

const ProjectConnection = builder.connectionObject({
  type: ProjectRef,
  name: "ProjectConnection",
  description: "A page of projects, oldest first.",
});

builder.objectField(OrganizationRef, "projects", (t) =>
  t.loadable({
    type: ProjectConnection,
    description: "The organization's projects you can reach, oldest first. Needs `project:read`.",
    authScopes: { scope: "project:read" },
    byPath: true,
    args: {
      ...t.arg.connectionArgs(),
      search: t.arg.string({ required: false, description: "Only projects whose name contains this, ignoring case.", validate: { maxLength: [200, { message: "Search at most 200 characters." }] } }),
    },
    load: async (orgIds: string[], ctx: Context, args, info) => {
      const principal = viewerOf(ctx);
      const teams = principal.key.scopedTeams;
      const conditions = [Prisma.sql`NOT t."isPendingDeletion"`];
      if (args.search) conditions.push(Prisma.sql`t.name ILIKE ${containsPattern(args.search)}`);
      if (teams.length) conditions.push(Prisma.sql`t.id = ANY(${teams}::int[])`);
      const visibleOrgs = orgIds.filter((id) => principal.canSee(id));
      const pages = await loadPagesByParent<ProjectWithPrimary>(
        ctx.db,
        {
          from: PROJECT_WITH_PRIMARY_FROM,
          select: PROJECT_WITH_PRIMARY_SELECT,
          parentColumn: Prisma.sql`t."organizationId"`,
          parentType: "uuid",
          where: Prisma.join(conditions, " AND "),
          orderBy: Prisma.sql`t."createdAt", t.id`,
        },
        visibleOrgs,
        args,
        info,
      );
      for (const page of pages) for (const edge of page.edges) edge.node = hydrateProject(edge.node as never);
      const byOrg = new Map(visibleOrgs.map((id, i) => [id, pages[i]]));
      return orgIds.map((id) => byOrg.get(id)!);
    },
    resolve: (o) => o.id,
  }),
);

builder.queryField("project", (t) =>
  t.field({
    type: ProjectRef,
    description: "A project by its global id or PostHog's integer id. NOT_FOUND when you cannot see it.",
    authScopes: { scope: "project:read" },
    args: { id: t.arg.id({ required: true, description: "The project's global id, or PostHog's integer id of it." }) },
    resolve: (_root, args, ctx) => getVisibleProject(ctx, String(args.id)),
  }),
);

// ---- mutations -----------------------------------------------------------------

const ProjectPayload = definePayload("ProjectPayload", "project", ProjectRef, "The result of a change to a project.", "The project after the change; null when userErrors explain why nothing changed.");
const DeleteProjectPayload = definePayload("DeleteProjectPayload", "project", ProjectRef, "The result of deleting a project.", "The deleted project as it was (now pending deletion and hidden); null when nothing was deleted.");

const idField = (t: { id: (o: object) => unknown }, what = "project") =>
  t.id({ required: true, description: `The ${what}'s global id, or PostHog's integer id of it.` });

const CreateProjectInput = builder.inputType("CreateProjectInput", {
  description: "A new project. It gets a primary environment with fresh tokens. Organization admins only.",
  fields: (t) => ({
    organizationId: t.id({ required: true, description: "The organization's global id or UUID." }),
    name: t.string({ required: true, description: "Display name, 1–200 characters, unique in the organization ignoring case." }),
    productDescription: t.string({ required: false, description: "What the product does, ≤1000 characters." }),
    ...(settingInputFields(t as never) as object),
  }),
});

const UpdateProjectInput = builder.inputType("UpdateProjectInput", {
  description: "Changes to a project and its primary environment's settings. Omitted fields stay as they are. Most fields need admin level; members may change the few marked so.",
  fields: (t) => ({
    id: idField(t as never) as never,
    name: t.string({ required: false, description: "New display name, 1–200 characters, unique in the organization ignoring case. Admins only." }),
    productDescription: t.string({ required: false, description: "What the product does, ≤1000 characters; null clears it. Admins only." }),
    ...(settingInputFields(t as never) as object),
  }),
});

const ProjectIdInput = (name: string, description: string) =>
  builder.inputType(name, { description, fields: (t) => ({ id: idField(t as never) as never }) });

const DeleteProjectInput = ProjectIdInput("DeleteProjectInput", "The project to delete. Admins only.");
const ResetProjectTokenInput = ProjectIdInput("ResetProjectTokenInput", "The project whose public token to replace. Admins only.");
const RotateProjectSecretTokenInput = ProjectIdInput("RotateProjectSecretTokenInput", "The project whose secret token to rotate. Admins only.");
const DeleteProjectSecretTokenBackupInput = ProjectIdInput("DeleteProjectSecretTokenBackupInput", "The project whose backup secret token to delete. Admins only.");
const GenerateProjectConversationsPublicTokenInput = ProjectIdInput("GenerateProjectConversationsPublicTokenInput", "The project that gets a new conversations widget token. Admins only.");

const ChangeProjectOrganizationInput = builder.inputType("ChangeProjectOrganizationInput", {
  description: "Where to move a project. You must be admin of both organizations.",
  fields: (t) => ({
    id: idField(t as never) as never,
    organizationId: t.id({ required: true, description: "The target organization's global id or UUID." }),
  }),
});

const AddProjectProductIntentInput = builder.inputType("AddProjectProductIntentInput", {
  description: "A product someone intends to use in the project. Any member may add one.",
  fields: (t) => ({
    id: idField(t as never) as never,
    productType: t.string({ required: true, description: "The product key, snake_case, e.g. `product_analytics`, `session_replay`." }),
    intentContext: t.string({ required: false, description: "Where the intent came from, e.g. `onboarding product selected - primary`." }),
    metadata: t.field({ type: "JSON", required: false, description: "Free-form facts about the intent (a JSON object)." }),
  }),
});

const CompleteProjectProductOnboardingInput = builder.inputType("CompleteProjectProductOnboardingInput", {
  description: "A product whose onboarding is complete. Any member may record it.",
  fields: (t) => ({
    id: idField(t as never) as never,
    productType: t.string({ required: true, description: "The product key, e.g. `product_analytics`." }),
  }),
});

const UpdateProjectLogsConfigInput = builder.inputType("UpdateProjectLogsConfigInput", {
  description: "New logs attribute keys (give one list or both). Admins only.",
  fields: (t) => ({
    id: idField(t as never) as never,
    logsDistinctIdAttributeKeys: t.stringList({ required: false, description: "1–10 unique, non-blank keys of ≤200 characters." }),
    logsSessionIdAttributeKeys: t.stringList({ required: false, description: "1–10 unique, non-blank keys of ≤200 characters." }),
  }),
});

type ProjectAction = (ctx: Context, env: ProjectWithPrimary["primaryEnvironment"], as: team.LogAs, input: unknown) => Promise<unknown>;

/** Runs an environment action on a project's primary environment, then answers the fresh project. */
async function onPrimary(ctx: Context, input: { id: string | number }, action: ProjectAction): Promise<{ project: ProjectWithPrimary | null; userErrors: UserError[] }> {
  const project = await getVisibleProject(ctx, String(input.id));
  const outcome = (await action(ctx, project.primaryEnvironment, logAsProject(project), input)) as { ok?: boolean; userErrors?: UserError[] };
  if (outcome && outcome.ok === false) return { project: null, userErrors: outcome.userErrors ?? [] };
  ctx.loaders.projectById.clear(project.id);
  return { project: await ctx.loaders.projectById.load(project.id), userErrors: [] };
}

builder.mutationFields((t) => ({
  createProject: t.field({
    type: ProjectPayload,
    description: "Creates a project with its primary environment and fresh tokens. Organization admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: CreateProjectInput, required: true, description: "The new project." }) },
    resolve: async (_r, { input }, ctx) => toPayload("project", await createProject(ctx, input)),
  }),
  updateProject: t.field({
    type: ProjectPayload,
    description: "Changes a project's name, description and settings. Every invalid field is reported at once and nothing is written.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: UpdateProjectInput, required: true, description: "What to change." }) },
    resolve: async (_r, { input }, ctx) => toPayload("project", await updateProject(ctx, input)),
  }),
  deleteProject: t.field({
    type: DeleteProjectPayload,
    description: "Deletes a project: it and its environments are marked pending deletion and hidden. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: DeleteProjectInput, required: true, description: "The project." }) },
    resolve: async (_r, { input }, ctx) => toPayload("project", await deleteProject(ctx, String(input.id))),
  }),
  changeProjectOrganization: t.field({
    type: ProjectPayload,
    description: "Moves a project and all its environments to another organization, atomically. Admin of both.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: ChangeProjectOrganizationInput, required: true, description: "The project and its new organization." }) },
    resolve: async (_r, { input }, ctx) => toPayload("project", await changeProjectOrganization(ctx, input)),
  }),
  addProjectProductIntent: t.field({
    type: ProjectPayload,
    description: "Registers intent to use a product (get-or-create; counts the context).",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: AddProjectProductIntentInput, required: true, description: "The project and product." }) },
    resolve: (_r, { input }, ctx) => onPrimary(ctx, input, team.addProductIntent),
  }),
  completeProjectProductOnboarding: t.field({
    type: ProjectPayload,
    description: "Records that a product's onboarding is complete.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: CompleteProjectProductOnboardingInput, required: true, description: "The project and product." }) },
    resolve: (_r, { input }, ctx) => onPrimary(ctx, input, team.completeProductOnboarding),
  }),
  resetProjectToken: t.field({
    type: ProjectPayload,
    description: "Replaces the public project token (`phc_`); the old one stops working at once. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: ResetProjectTokenInput, required: true, description: "The project." }) },
    resolve: (_r, { input }, ctx) => onPrimary(ctx, input, team.resetToken),
  }),
  rotateProjectSecretToken: t.field({
    type: ProjectPayload,
    description: "Issues a new secret token; the current one becomes the backup (still valid until deleted). Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: RotateProjectSecretTokenInput, required: true, description: "The project." }) },
    resolve: (_r, { input }, ctx) => onPrimary(ctx, input, team.rotateSecretToken),
  }),
  deleteProjectSecretTokenBackup: t.field({
    type: ProjectPayload,
    description: "Deletes the backup secret token (succeeds when there is none). Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: DeleteProjectSecretTokenBackupInput, required: true, description: "The project." }) },
    resolve: (_r, { input }, ctx) => onPrimary(ctx, input, team.deleteSecretTokenBackup),
  }),
  generateProjectConversationsPublicToken: t.field({
    type: ProjectPayload,
    description: "Sets a new conversations widget token (`conversationsSettings.widget_public_token`). Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: GenerateProjectConversationsPublicTokenInput, required: true, description: "The project." }) },
    resolve: (_r, { input }, ctx) => onPrimary(ctx, input, team.generateConversationsToken),
  }),
  updateProjectLogsConfig: t.field({
    type: ProjectPayload,
    description: "Changes which log attributes identify persons and sessions. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: UpdateProjectLogsConfigInput, required: true, description: "The project and its keys." }) },
    resolve: (_r, { input }, ctx) => onPrimary(ctx, input, (c, env, as, i) => team.updateLogsConfig(c, env, as, { logsDistinctIdAttributeKeys: (i as never as Record<string, unknown>).logsDistinctIdAttributeKeys ?? undefined, logsSessionIdAttributeKeys: (i as never as Record<string, unknown>).logsSessionIdAttributeKeys ?? undefined })),
  }),
}));
