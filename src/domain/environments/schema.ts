// Environment (PostHog's team): its fields, Project.environments,
// Environment.project, the environment(id:) query and the environment mutations.
import type { Environment, EventIngestionRestriction } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { pagedField } from "../../schema/paged-field.js";
import { definePayload, toPayload } from "../../schema/payloads.js";
import { type UserError } from "../outcome.js";
import { OrganizationRef } from "../organizations/schema.js";
import { ProjectRef } from "../projects/schema.js";
import { ActivityConnection, activityQuery } from "../activity/schema.js";
import { settingInputFields } from "../settings/schema.js";
import { addEnvironmentFields } from "./schema-environment-fields.js";
import * as team from "./service.js";
import { environmentVisibleTo, getVisibleEnvironment } from "./access.js";
import { createEnvironment, deleteEnvironment, updateEnvironment } from "./mutations.js";

export const EnvironmentRef = builder.loadableNode("Environment", {
  description: "An environment of a project (PostHog's *team*): production, staging, ... Settings and tokens live here.",
  id: { resolve: (e: Environment) => e.id },
  authScopes: { scope: "project:read" },
  load: async (ids: string[], ctx: Context) => {
    const envs = await ctx.loaders.environmentById.loadMany(ids.map(Number));
    return envs.map((e, i) => (e && !(e instanceof Error) && environmentVisibleTo(viewerOf(ctx), e) ? e : notFound("Environment", ids[i])));
  },
  fields: (t) => ({
    databaseId: t.exposeInt("id", { description: "PostHog's integer id of the environment (its team id)." }),
    uuid: t.field({ type: "UUID", description: "PostHog's UUID of the environment.", resolve: (e) => e.uuid }),
    name: t.exposeString("name", { description: "Display name, 1–200 characters." }),
    projectId: t.exposeInt("projectId", { description: "PostHog's id of the project it belongs to." }),
    isPrimary: t.boolean({ description: "Whether this is its project's primary environment (same id as the project).", resolve: (e) => e.id === e.projectId }),
    createdAt: t.field({ type: "DateTime", description: "When the environment was created.", resolve: (e) => e.createdAt }),
    updatedAt: t.field({ type: "DateTime", description: "When the environment or its settings last changed.", resolve: (e) => e.updatedAt }),
    organization: t.field({ type: OrganizationRef, description: "The organization it belongs to.", resolve: (e) => e.organizationId }),
    project: t.field({ type: ProjectRef, description: "The project it belongs to.", resolve: (e) => String(e.projectId) }),
    activity: pagedField(t, {
      type: ActivityConnection,
      description: "Changes to this environment, newest first.",
      query: activityQuery("environmentId"),
      parentId: (e) => e.id,
    }),
  }),
});

addEnvironmentFields<Environment>(EnvironmentRef, (e) => e, { includeEnvironmentOnly: true });

export const IngestionRestrictionType = builder.enumType("EventIngestionRestrictionType", {
  description: "What ingestion does with matching events.",
  values: {
    SKIP_PERSON_PROCESSING: { value: "skip_person_processing", description: "Events are ingested without updating persons." },
    DROP_EVENT_FROM_INGESTION: { value: "drop_event_from_ingestion", description: "Events are dropped." },
    FORCE_OVERFLOW_FROM_INGESTION: { value: "force_overflow_from_ingestion", description: "Events go to the overflow queue." },
    REDIRECT_TO_DLQ: { value: "redirect_to_dlq", description: "Events go to the dead-letter queue." },
  } as const,
});

const IngestionRestrictionRef = builder.objectRef<EventIngestionRestriction>("EventIngestionRestriction").implement({
  description: "An ingestion restriction on events sent with this environment's token.",
  fields: (t) => ({
    restrictionType: t.field({ type: IngestionRestrictionType, description: "What happens to matching events.", resolve: (r) => r.restrictionType as never }),
    distinctIds: t.exposeStringList("distinctIds", { description: "The distinct ids it applies to; empty means every event of the token." }),
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
    query: (ctx) => {
      const teams = viewerOf(ctx).key.scopedTeams;
      // A key limited to some projects reaches all environments of those projects.
      const where = teams.length
        ? Prisma.sql`NOT t."isPendingDeletion" AND (t.id = ANY(${teams}::int[]) OR t."projectId" = ANY(${teams}::int[]))`
        : Prisma.sql`NOT t."isPendingDeletion"`;
      return { from: Prisma.sql`"Environment" t`, parentColumn: Prisma.sql`t."projectId"`, parentType: "int", where, orderBy: Prisma.sql`t."createdAt", t.id` };
    },
    parentId: (p) => p.id,
  }),
);

builder.objectField(ProjectRef, "primaryEnvironment", (t) =>
  t.field({ type: EnvironmentRef, description: "The project's primary environment (same id as the project).", resolve: (p) => p.primaryEnvironment }),
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

const EnvironmentPayload = definePayload("EnvironmentPayload", "environment", EnvironmentRef, "The result of a change to an environment.", "The environment after the change; null when userErrors explain why nothing changed.");
const DeleteEnvironmentPayload = definePayload("DeleteEnvironmentPayload", "environment", EnvironmentRef, "The result of deleting an environment.", "The deleted environment as it was (now pending deletion and hidden); null when nothing was deleted.");

const envId = (t: { id: (o: object) => unknown }) => t.id({ required: true, description: "The environment's global id, or PostHog's integer id of it." });

const CreateEnvironmentInput = builder.inputType("CreateEnvironmentInput", {
  description: "A new environment of a project, with fresh tokens. Admins only.",
  fields: (t) => ({
    projectId: t.id({ required: true, description: "The project's global id, or PostHog's integer id of it." }),
    name: t.string({ required: true, description: "Display name, 1–200 characters." }),
    ...(settingInputFields(t as never, { includeEnvironmentOnly: true }) as object),
  }),
});

const UpdateEnvironmentInput = builder.inputType("UpdateEnvironmentInput", {
  description: "Changes to an environment. Omitted fields stay as they are. Most fields need admin level; members may change the few marked so.",
  fields: (t) => ({
    id: envId(t as never) as never,
    name: t.string({ required: false, description: "New display name, 1–200 characters. Admins only." }),
    ...(settingInputFields(t as never, { includeEnvironmentOnly: true }) as object),
  }),
});

const EnvIdInput = (name: string, description: string) => builder.inputType(name, { description, fields: (t) => ({ id: envId(t as never) as never }) });

const DeleteEnvironmentInput = EnvIdInput("DeleteEnvironmentInput", "The environment to delete (not a project's primary one). Admins only.");
const ResetEnvironmentTokenInput = EnvIdInput("ResetEnvironmentTokenInput", "The environment whose public token to replace. Admins only.");
const RotateEnvironmentSecretTokenInput = EnvIdInput("RotateEnvironmentSecretTokenInput", "The environment whose secret token to rotate. Admins only.");
const DeleteEnvironmentSecretTokenBackupInput = EnvIdInput("DeleteEnvironmentSecretTokenBackupInput", "The environment whose backup secret token to delete. Admins only.");
const GenerateEnvironmentConversationsPublicTokenInput = EnvIdInput("GenerateEnvironmentConversationsPublicTokenInput", "The environment that gets a new conversations widget token. Admins only.");

const AddEnvironmentProductIntentInput = builder.inputType("AddEnvironmentProductIntentInput", {
  description: "A product someone intends to use in the environment. Any member may add one.",
  fields: (t) => ({
    id: envId(t as never) as never,
    productType: t.string({ required: true, description: "The product key, snake_case, e.g. `product_analytics`." }),
    intentContext: t.string({ required: false, description: "Where the intent came from, e.g. `onboarding product selected - primary`." }),
    metadata: t.field({ type: "JSON", required: false, description: "Free-form facts about the intent (a JSON object)." }),
  }),
});

const CompleteEnvironmentProductOnboardingInput = builder.inputType("CompleteEnvironmentProductOnboardingInput", {
  description: "A product whose onboarding is complete. Any member may record it.",
  fields: (t) => ({
    id: envId(t as never) as never,
    productType: t.string({ required: true, description: "The product key, e.g. `product_analytics`." }),
  }),
});

const UpdateEnvironmentLogsConfigInput = builder.inputType("UpdateEnvironmentLogsConfigInput", {
  description: "New logs attribute keys (give one list or both). Admins only.",
  fields: (t) => ({
    id: envId(t as never) as never,
    logsDistinctIdAttributeKeys: t.stringList({ required: false, description: "1–10 unique, non-blank keys of ≤200 characters." }),
    logsSessionIdAttributeKeys: t.stringList({ required: false, description: "1–10 unique, non-blank keys of ≤200 characters." }),
  }),
});

type EnvAction = (ctx: Context, env: Environment, as: team.LogAs, input: unknown) => Promise<unknown>;

async function onEnvironment(ctx: Context, input: { id: string | number }, action: EnvAction): Promise<{ environment: Environment | null; userErrors: UserError[] }> {
  const env = await getVisibleEnvironment(ctx, String(input.id));
  const outcome = (await action(ctx, env, team.logAsEnvironment(env), input)) as { ok?: boolean; userErrors?: UserError[] };
  if (outcome && outcome.ok === false) return { environment: null, userErrors: outcome.userErrors ?? [] };
  return { environment: await ctx.prisma.environment.findUniqueOrThrow({ where: { id: env.id } }), userErrors: [] };
}

const nullsToUndefined = (input: Record<string, unknown>) => Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v ?? undefined]));

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
    description: "Deletes an environment (marked pending deletion and hidden). A project's primary environment cannot be deleted alone. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: DeleteEnvironmentInput, required: true, description: "The environment." }) },
    resolve: async (_r, { input }, ctx) => toPayload("environment", await deleteEnvironment(ctx, String(input.id))),
  }),
  addEnvironmentProductIntent: t.field({
    type: EnvironmentPayload,
    description: "Registers intent to use a product (get-or-create; counts the context).",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: AddEnvironmentProductIntentInput, required: true, description: "The environment and product." }) },
    resolve: (_r, { input }, ctx) => onEnvironment(ctx, input, team.addProductIntent),
  }),
  completeEnvironmentProductOnboarding: t.field({
    type: EnvironmentPayload,
    description: "Records that a product's onboarding is complete.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: CompleteEnvironmentProductOnboardingInput, required: true, description: "The environment and product." }) },
    resolve: (_r, { input }, ctx) => onEnvironment(ctx, input, team.completeProductOnboarding),
  }),
  resetEnvironmentToken: t.field({
    type: EnvironmentPayload,
    description: "Replaces the public token (`phc_`); the old one stops working at once. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: ResetEnvironmentTokenInput, required: true, description: "The environment." }) },
    resolve: (_r, { input }, ctx) => onEnvironment(ctx, input, team.resetToken),
  }),
  rotateEnvironmentSecretToken: t.field({
    type: EnvironmentPayload,
    description: "Issues a new secret token; the current one becomes the backup (still valid until deleted). Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: RotateEnvironmentSecretTokenInput, required: true, description: "The environment." }) },
    resolve: (_r, { input }, ctx) => onEnvironment(ctx, input, team.rotateSecretToken),
  }),
  deleteEnvironmentSecretTokenBackup: t.field({
    type: EnvironmentPayload,
    description: "Deletes the backup secret token (succeeds when there is none). Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: DeleteEnvironmentSecretTokenBackupInput, required: true, description: "The environment." }) },
    resolve: (_r, { input }, ctx) => onEnvironment(ctx, input, team.deleteSecretTokenBackup),
  }),
  generateEnvironmentConversationsPublicToken: t.field({
    type: EnvironmentPayload,
    description: "Sets a new conversations widget token. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: GenerateEnvironmentConversationsPublicTokenInput, required: true, description: "The environment." }) },
    resolve: (_r, { input }, ctx) => onEnvironment(ctx, input, team.generateConversationsToken),
  }),
  updateEnvironmentLogsConfig: t.field({
    type: EnvironmentPayload,
    description: "Changes which log attributes identify persons and sessions. Admins only.",
    authScopes: { scope: "project:write" },
    args: { input: t.arg({ type: UpdateEnvironmentLogsConfigInput, required: true, description: "The environment and its keys." }) },
    resolve: (_r, { input }, ctx) => onEnvironment(ctx, input, (c, env, as, i) => team.updateLogsConfig(c, env, as, nullsToUndefined(i as Record<string, unknown>))),
  }),
}));
