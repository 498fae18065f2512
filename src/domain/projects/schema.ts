// Project: its fields (settings and tokens through its primary environment),
// Organization.projects, the project(id:) query and the project mutations.
// Wiring only: the rules are in ./service.ts, the SQL in ./store.ts.
import { builder } from "../../schema/builder.js";
import type { Context } from "../../context.js";
import { connectionFromPage, pageWindow } from "../../schema/connections.js";
import { connectionNeeds, readsColumns } from "../../schema/selection.js";
import { batchedConnectionField, pagedField, searchFilter } from "../../schema/paged-field.js";
import { definePayload, toPayload } from "../../schema/payloads.js";
import { OrganizationRef } from "../organizations/schema.js";
import { ActivityConnection, activityQuery } from "../activity/schema.js";
import { declareEnvironmentActions } from "../environments/schema-actions.js";
import { addEnvironmentFields } from "../environments/schema-environment-fields.js";
import { settingInputFields } from "../settings/schema.js";
import { PRIMARY_ENVIRONMENT, type ProjectWithPrimary } from "./store.js";
import { loadVisibleProjects } from "./access.js";
import {
  actOnProject,
  changeProjectOrganization,
  createProject,
  deleteProject,
  getVisibleProject,
  projectPages,
  updateProject,
} from "./service.js";

export const ProjectRef = builder.loadableNode("Project", {
  description:
    "A PostHog project. Its settings and tokens are those of its primary environment (same id), as in PostHog; other environments " +
    "have their own.",
  id: { resolve: (p: ProjectWithPrimary) => p.id },
  authScopes: { scope: "project:read" },
  load: (ids: string[], ctx: Context) => loadVisibleProjects(ctx, ids),
  fields: (t) => ({
    databaseId: t.exposeInt("id", { description: "PostHog's integer id of the project (also its primary environment's id)." }),
    projectId: t.exposeInt("id", { description: "PostHog's `project_id`: the same as `databaseId` for a project." }),
    uuid: t.field({
      type: "UUID",
      description: "PostHog's UUID of the project.",
      extensions: readsColumns("uuid"),
      resolve: (p) => p.uuid,
    }),
    name: t.exposeString("name", { description: "Display name (1–200 characters, unique in the organization ignoring case)." }),
    productDescription: t.exposeString("productDescription", {
      nullable: true,
      description: "What the product does (≤1000 characters).",
    }),
    isPendingDeletion: t.exposeBoolean("isPendingDeletion", {
      description: "Whether the project is being deleted (such projects are hidden, so this reads false).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the project was created." }),
    updatedAt: t.field({
      type: "DateTime",
      description: "When the project or its settings last changed.",
      extensions: readsColumns("updatedAt", PRIMARY_ENVIRONMENT),
      // biome-ignore lint/complexity/useMathMinMax: these are Dates (Math.max would answer a number)
      resolve: (p) => (p.updatedAt > p.primaryEnvironment.updatedAt ? p.updatedAt : p.primaryEnvironment.updatedAt),
    }),
    organization: t.field({
      type: OrganizationRef,
      description: "The organization the project belongs to.",
      extensions: readsColumns("organizationId"),
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
  batchedConnectionField(t, {
    type: ProjectConnection,
    description: "The organization's projects you can reach, oldest first. Needs `project:read`.",
    authScopes: { scope: "project:read" },
    args: {
      search: t.arg.string({
        required: false,
        description: "Only projects whose name contains this, ignoring case (at most 200 characters).",
      }),
    },
    argsSchema: searchFilter(200),
    load: async (orgIds, ctx, args, info) => {
      const needs = connectionNeeds(info);
      const pages = await projectPages(ctx, orgIds as string[], args.search, pageWindow(args), {
        withTotal: needs.totalCount,
        withNextRow: needs.hasNextPage,
        columns: needs.columns,
      });
      return pages.map(connectionFromPage);
    },
    parentId: (o) => o.id,
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

const ProjectPayload = definePayload(
  "ProjectPayload",
  "project",
  ProjectRef,
  "The result of a change to a project.",
  "The project after the change; null when userErrors explain why nothing changed.",
);
const DeleteProjectPayload = definePayload(
  "DeleteProjectPayload",
  "project",
  ProjectRef,
  "The result of deleting a project.",
  "The deleted project as it was (now pending deletion and hidden); null when nothing was deleted.",
);

const PROJECT_ID = "The project's global id, or PostHog's integer id of it.";

const CreateProjectInput = builder.inputType("CreateProjectInput", {
  description: "A new project. It gets a primary environment with fresh tokens. Organization admins only.",
  fields: (t) => ({
    organizationId: t.id({ required: true, description: "The organization's global id or UUID." }),
    name: t.string({ required: true, description: "Display name, 1–200 characters, unique in the organization ignoring case." }),
    productDescription: t.string({ required: false, description: "What the product does, ≤1000 characters." }),
    ...settingInputFields(t),
  }),
});

const UpdateProjectInput = builder.inputType("UpdateProjectInput", {
  description:
    "Changes to a project and its primary environment's settings. Omitted fields stay as they are. Most fields need admin level; " +
    "members may change the few marked so.",
  fields: (t) => ({
    id: t.id({ required: true, description: PROJECT_ID }),
    name: t.string({
      required: false,
      description: "New display name, 1–200 characters, unique in the organization ignoring case. Admins only.",
    }),
    productDescription: t.string({
      required: false,
      description: "What the product does, ≤1000 characters; null clears it. Admins only.",
    }),
    ...settingInputFields(t),
  }),
});

const DeleteProjectInput = builder.inputType("DeleteProjectInput", {
  description: "The project to delete. Admins only.",
  fields: (t) => ({ id: t.id({ required: true, description: PROJECT_ID }) }),
});

const ChangeProjectOrganizationInput = builder.inputType("ChangeProjectOrganizationInput", {
  description: "Where to move a project. You must be admin of both organizations.",
  fields: (t) => ({
    id: t.id({ required: true, description: PROJECT_ID }),
    organizationId: t.id({ required: true, description: "The target organization's global id or UUID." }),
  }),
});

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
}));

// addProjectProductIntent, resetProjectToken, ...: the environment actions, run on the primary environment.
declareEnvironmentActions({ target: "project", payload: ProjectPayload, act: actOnProject });
