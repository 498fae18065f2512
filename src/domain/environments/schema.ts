// Environment (PostHog's team): its fields, Project.environments,
// Environment.project, the environment(id:) query and the environment mutations.
// Wiring only: the rules are in ./service.ts and ./mutations.ts, the SQL in ./store.ts.
import type { Environment, EventIngestionRestriction } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import type { Context } from "../../context.js";
import { pagedField } from "../../schema/paged-field.js";
import { readsColumns } from "../../schema/selection.js";
import { PRIMARY_ENVIRONMENT } from "../projects/store.js";
import { definePayload, toPayload } from "../../schema/payloads.js";
import { OrganizationRef } from "../organizations/schema.js";
import { ProjectRef } from "../projects/schema.js";
import { ActivityConnection, activityQuery } from "../activity/schema.js";
import { settingInputFields } from "../settings/schema.js";
import { declareEnvironmentActions } from "./schema-actions.js";
import { addEnvironmentFields } from "./schema-environment-fields.js";
import { actOnEnvironment, environmentListQuery } from "./service.js";
import { getVisibleEnvironment, loadVisibleEnvironments } from "./access.js";
import { createEnvironment, deleteEnvironment, updateEnvironment } from "./mutations.js";

export const EnvironmentRef = builder.loadableNode("Environment", {
  description: "An environment of a project (PostHog's *team*): production, staging, ... Settings and tokens live here.",
  id: { resolve: (e: Environment) => e.id },
  authScopes: { scope: "project:read" },
  load: (ids: string[], ctx: Context) => loadVisibleEnvironments(ctx, ids),
  fields: (t) => ({
    databaseId: t.exposeInt("id", { description: "PostHog's integer id of the environment (its team id)." }),
    uuid: t.field({
      type: "UUID",
      description: "PostHog's UUID of the environment.",
      extensions: readsColumns("uuid"),
      resolve: (e) => e.uuid,
    }),
    name: t.exposeString("name", { description: "Display name, 1–200 characters." }),
    projectId: t.exposeInt("projectId", { description: "PostHog's id of the project it belongs to." }),
    isPrimary: t.boolean({
      description: "Whether this is its project's primary environment (same id as the project).",
      extensions: readsColumns("id", "projectId"),
      resolve: (e) => e.id === e.projectId,
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the environment was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When the environment or its settings last changed." }),
    organization: t.field({
      type: OrganizationRef,
      description: "The organization it belongs to.",
      extensions: readsColumns("organizationId"),
      resolve: (e) => e.organizationId,
    }),
    project: t.field({
      type: ProjectRef,
      description: "The project it belongs to.",
      extensions: readsColumns("projectId"),
      resolve: (e) => String(e.projectId),
    }),
    activity: pagedField(t, {
      type: ActivityConnection,
      description: "Changes to this environment, newest first.",
      query: activityQuery("environmentId"),
      parentId: (e) => e.id,
    }),
  }),
});

addEnvironmentFields<Environment>(EnvironmentRef, (e) => e, { includeEnvironmentOnly: true });

const RESTRICTION_TYPES = {
  SKIP_PERSON_PROCESSING: { value: "skip_person_processing", description: "Events are ingested without updating persons." },
  DROP_EVENT_FROM_INGESTION: { value: "drop_event_from_ingestion", description: "Events are dropped." },
  FORCE_OVERFLOW_FROM_INGESTION: { value: "force_overflow_from_ingestion", description: "Events go to the overflow queue." },
  REDIRECT_TO_DLQ: { value: "redirect_to_dlq", description: "Events go to the dead-letter queue." },
} as const;

type RestrictionType = (typeof RESTRICTION_TYPES)[keyof typeof RESTRICTION_TYPES]["value"];

const isRestrictionType = (value: string): value is RestrictionType => Object.values(RESTRICTION_TYPES).some((t) => t.value === value);

export const IngestionRestrictionType = builder.enumType("EventIngestionRestrictionType", {
  description: "What ingestion does with matching events.",
  values: RESTRICTION_TYPES,
});

const IngestionRestrictionRef = builder.objectRef<EventIngestionRestriction>("EventIngestionRestriction").implement({
  description: "An ingestion restriction on events sent with this environment's token.",
  fields: (t) => ({
    restrictionType: t.field({
      type: IngestionRestrictionType,
      description: "What happens to matching events.",
      resolve: (r) => {
        // The column holds PostHog's values only; anything else is a fault, as the enum would answer.
        if (!isRestrictionType(r.restrictionType))
          throw new Error(`Unknown ingestion restriction type ${JSON.stringify(r.restrictionType)}.`);
        return r.restrictionType;
      },
    }),
    distinctIds: t.exposeStringList("distinctIds", {
      description: "The distinct ids it applies to; empty means every event of the token.",
    }),
  }),
});

builder.objectField(EnvironmentRef, "eventIngestionRestrictions", (t) =>
  t.field({
    type: [IngestionRestrictionRef],
    description: "Ingestion restrictions on this environment's token.",
    resolve: (e, _a, ctx) => ctx.loaders.ingestionRestrictionsByToken.load(e.apiToken),
  }),
);

const EnvironmentConnection = builder.connectionObject({
  type: EnvironmentRef,
  name: "EnvironmentConnection",
  description: "A page of environments, oldest (the primary) first.",
});

builder.objectField(ProjectRef, "environments", (t) =>
  pagedField(t, {
    type: EnvironmentConnection,
    description: "The project's environments, oldest (the primary) first.",
    query: (ctx, _args, columns) => environmentListQuery(ctx, columns),
    parentId: (p) => p.id,
  }),
);

builder.objectField(ProjectRef, "primaryEnvironment", (t) =>
  t.field({
    type: EnvironmentRef,
    description: "The project's primary environment (same id as the project).",
    extensions: readsColumns(PRIMARY_ENVIRONMENT),
    resolve: (p) => p.primaryEnvironment,
  }),
);

builder.queryField("environment", (t) =>
  t.field({
    type: EnvironmentRef,
    description: "An environment by its global id or PostHog's integer id. NOT_FOUND when you cannot see it.",
    authScopes: { scope: "project:read" },
    args: { id: t.arg.id({ required: true, description: "The environment's global id, or PostHog's integer id of it." }) },
    resolve: (_root, args, ctx) => getVisibleEnvironment(ctx, String(args.id)),
  }),
);

// ---- mutations -----------------------------------------------------------------

const EnvironmentPayload = definePayload(
  "EnvironmentPayload",
  "environment",
  EnvironmentRef,
  "The result of a change to an environment.",
  "The environment after the change; null when userErrors explain why nothing changed.",
);
const DeleteEnvironmentPayload = definePayload(
  "DeleteEnvironmentPayload",
  "environment",
  EnvironmentRef,
  "The result of deleting an environment.",
  "The deleted environment as it was (now pending deletion and hidden); null when nothing was deleted.",
);

const ENVIRONMENT_ID = "The environment's global id, or PostHog's integer id of it.";

const CreateEnvironmentInput = builder.inputType("CreateEnvironmentInput", {
  description: "A new environment of a project, with fresh tokens. Admins only.",
  fields: (t) => ({
    projectId: t.id({ required: true, description: "The project's global id, or PostHog's integer id of it." }),
    name: t.string({ required: true, description: "Display name, 1–200 characters." }),
    ...settingInputFields(t, { includeEnvironmentOnly: true }),
  }),
});

const UpdateEnvironmentInput = builder.inputType("UpdateEnvironmentInput", {
  description:
    "Changes to an environment. Omitted fields stay as they are. Most fields need admin level; members may change the few marked so.",
  fields: (t) => ({
    id: t.id({ required: true, description: ENVIRONMENT_ID }),
    name: t.string({ required: false, description: "New display name, 1–200 characters. Admins only." }),
    ...settingInputFields(t, { includeEnvironmentOnly: true }),
  }),
});

const DeleteEnvironmentInput = builder.inputType("DeleteEnvironmentInput", {
  description: "The environment to delete (not a project's primary one). Admins only.",
  fields: (t) => ({ id: t.id({ required: true, description: ENVIRONMENT_ID }) }),
});

builder.mutationFields((t) => ({
  createEnvironment: t.field({
    type: EnvironmentPayload,
    description: "Creates an environment in a project, with fresh tokens. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: CreateEnvironmentInput, required: true, description: "The new environment." }) },
    resolve: async (_r, { input }, ctx) => toPayload("environment", await createEnvironment(ctx, input)),
  }),
  updateEnvironment: t.field({
    type: EnvironmentPayload,
    description: "Changes an environment's name and settings. Every invalid field is reported at once and nothing is written.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: UpdateEnvironmentInput, required: true, description: "What to change." }) },
    resolve: async (_r, { input }, ctx) => toPayload("environment", await updateEnvironment(ctx, input)),
  }),
  deleteEnvironment: t.field({
    type: DeleteEnvironmentPayload,
    description:
      "Deletes an environment (marked pending deletion and hidden). A project's primary environment cannot be deleted alone. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: DeleteEnvironmentInput, required: true, description: "The environment." }) },
    resolve: async (_r, { input }, ctx) => toPayload("environment", await deleteEnvironment(ctx, String(input.id))),
  }),
}));

// addEnvironmentProductIntent, resetEnvironmentToken, ...: the environment actions.
declareEnvironmentActions({ target: "environment", payload: EnvironmentPayload, act: actOnEnvironment });
