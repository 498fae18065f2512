// Annotation: its fields (dashboard and insight names through DataLoaders),
// Project.annotations and Environment.annotations, the annotation(id:)
// query and the annotation mutations. As in PostHog, annotations are never
// hard-deleted: deleteAnnotation sets `deleted`, restoreAnnotation clears it.
import type { ArgBuilder } from "@pothos/core";
import { builder } from "../../schema/builder.js";
import type { Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { definePayload, toPayload } from "../../schema/payloads.js";
import { pagedField, searchFilter, type Types } from "../../schema/paged-field.js";
import { readsColumns, readsJoined } from "../../schema/selection.js";
import { UserRef, loadReferencedUser } from "../users/schema.js";
import { ProjectRef } from "../projects/schema.js";
import { EnvironmentRef } from "../environments/schema.js";
import {
  annotationListQuery,
  createAnnotation,
  deleteAnnotation,
  getVisibleAnnotation,
  restoreAnnotation,
  updateAnnotation,
  visibleAnnotationsByRowIds,
  visibleEnvironmentOf,
  visibleProjectOf,
} from "./service.js";
import { CREATED_BY, type AnnotationRow } from "./store.js";
import { CONTENT_MAX_LENGTH, SEARCH_MAX_LENGTH, type AnnotationScopeValue, type CreationTypeValue } from "./validation.js";

export const AnnotationScopeEnum = builder.enumType("AnnotationScope", {
  description: "Where an annotation shows: on one insight, one dashboard, the whole project, or every project of the organization.",
  values: {
    DASHBOARD_ITEM: { value: "dashboard_item", description: "On one insight (PostHog's `dashboard_item`, the default)." },
    DASHBOARD: { value: "dashboard", description: "On the insights of one dashboard." },
    PROJECT: { value: "project", description: "On every insight of its environment." },
    ORGANIZATION: {
      value: "organization",
      description: "On every insight of every project of the organization; listed with every environment's annotations.",
    },
    RECORDING: {
      value: "recording",
      description:
        "On a session recording: PostHog refuses it on write, and so does this API (a userError); it only appears on annotations " +
        "stored so elsewhere.",
    },
  } as const,
});

export const AnnotationCreationTypeEnum = builder.enumType("AnnotationCreationType", {
  description: "Who created an annotation.",
  values: {
    USR: { value: "USR", description: "A user (the default)." },
    GIT: { value: "GIT", description: "A tool, e.g. a deploy pipeline (PostHog's `GIT`)." },
  } as const,
});

export const AnnotationRef = builder.loadableNode("Annotation", {
  description:
    "A note pinned to a moment (`dateMarker`) on an insight, a dashboard, an environment or the whole organization. Any member of " +
    "the organization reads and writes annotations. Deleting one only marks it `deleted` (there is no hard delete, as in PostHog).",
  id: { resolve: (a: AnnotationRow) => a.id },
  authScopes: { scope: "annotation:read" },
  load: async (ids: string[], ctx: Context) =>
    (await visibleAnnotationsByRowIds(ctx, ids)).map((a, i) => a ?? notFound("Annotation", ids[i])),
  fields: (t) => ({
    databaseId: t.exposeInt("id", { description: "PostHog's integer id of the annotation." }),
    content: t.exposeString("content", {
      nullable: true,
      description: `The note (at most ${CONTENT_MAX_LENGTH} characters); null when none.`,
    }),
    dateMarker: t.expose("dateMarker", {
      type: "DateTime",
      nullable: true,
      description: "The moment the annotation marks; null when none (such annotations list last).",
    }),
    creationType: t.field({
      type: AnnotationCreationTypeEnum,
      extensions: readsColumns("creationType"),
      description: "Who created it: a user or a tool.",
      resolve: (a) => a.creationType as CreationTypeValue,
    }),
    scope: t.field({
      type: AnnotationScopeEnum,
      description: "Where it shows.",
      extensions: readsColumns("scope"),
      resolve: (a) => a.scope as AnnotationScopeValue,
    }),
    dashboardItem: t.int({
      nullable: true,
      extensions: readsColumns("dashboardItemId"),
      description: "PostHog's id of the insight it is pinned to (PostHog's `dashboard_item`); null when none.",
      resolve: (a) => a.dashboardItemId,
    }),
    dashboardId: t.int({
      nullable: true,
      extensions: readsColumns("dashboardId"),
      description: "PostHog's id of the dashboard it belongs to; null when none.",
      resolve: (a) => a.dashboardId,
    }),
    dashboardName: t.string({
      nullable: true,
      description: "The name of its dashboard; null when it has none.",
      resolve: async (a, _args, ctx) =>
        a.dashboardId == null ? null : ((await ctx.loaders.dashboardById.load(a.dashboardId))?.name ?? null),
    }),
    insightShortId: t.string({
      nullable: true,
      description: "The short id of its insight (as in the insight's URL); null when it has none.",
      resolve: async (a, _args, ctx) =>
        a.dashboardItemId == null ? null : ((await ctx.loaders.insightById.load(a.dashboardItemId))?.shortId ?? null),
    }),
    insightName: t.string({
      nullable: true,
      description: "The name given to its insight; null when it has none or the insight is unnamed.",
      resolve: async (a, _args, ctx) =>
        a.dashboardItemId == null ? null : ((await ctx.loaders.insightById.load(a.dashboardItemId))?.name ?? null),
    }),
    insightDerivedName: t.string({
      nullable: true,
      description: "The name PostHog derived for its insight from the query; null when it has none.",
      resolve: async (a, _args, ctx) =>
        a.dashboardItemId == null ? null : ((await ctx.loaders.insightById.load(a.dashboardItemId))?.derivedName ?? null),
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      // A page whose selection reads the author joins it into its statement (see annotationPageQuery).
      extensions: readsJoined(CREATED_BY, "createdById"),
      description: "Who created it; null when unknown or the user was deleted.",
      resolve: (a, _args, ctx) => (a.createdBy !== undefined ? a.createdBy : loadReferencedUser(ctx, a.createdById)),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
    deleted: t.exposeBoolean("deleted", {
      description:
        "Whether it is deleted. Deleted annotations are hidden from every read, so this is true only in deleteAnnotation's answer.",
    }),
    environment: t.field({
      type: EnvironmentRef,
      nullable: true,
      description:
        "The environment it was made in; null when you cannot see that environment (an ORGANIZATION-scoped annotation of a project " +
        "your key does not reach).",
      resolve: (a, _args, ctx) => visibleEnvironmentOf(ctx, a),
    }),
    project: t.field({
      type: ProjectRef,
      nullable: true,
      description: "The project of its environment; null when you cannot see it (as for `environment`).",
      resolve: (a, _args, ctx) => visibleProjectOf(ctx, a),
    }),
  }),
});

const AnnotationConnection = builder.connectionObject({
  type: AnnotationRef,
  name: "AnnotationConnection",
  description: "A page of annotations, newest `dateMarker` first (those without one last), then newest first.",
});

/** The filters of an annotation list (besides the connection window). */
function annotationListArgs(arg: ArgBuilder<Types>) {
  return {
    search: arg.string({
      required: false,
      description: `Only annotations whose content contains every whitespace-separated term of this, ignoring case (at most ${SEARCH_MAX_LENGTH} characters).`,
    }),
    scope: arg({ type: AnnotationScopeEnum, required: false, description: "Only annotations of this scope." }),
    dateFrom: arg({
      type: "DateTime",
      required: false,
      description: 'Only annotations whose dateMarker is at or after this. After `dateTo`: BAD_USER_INPUT ("Invalid date range").',
    }),
    dateTo: arg({ type: "DateTime", required: false, description: "Only annotations whose dateMarker is at or before this." }),
  };
}

const LIST_DESCRIPTION =
  "annotations plus its organization's ORGANIZATION-scoped ones (from any environment), not deleted, newest `dateMarker` first " +
  "(those without one last). A `dateFrom` after `dateTo` answers BAD_USER_INPUT, as PostHog refuses it. Needs `annotation:read`.";

// A project's annotations are its primary environment's (same id).
builder.objectField(ProjectRef, "annotations", (t) =>
  pagedField(t, {
    type: AnnotationConnection,
    description: `The project's (its primary environment's) ${LIST_DESCRIPTION}`,
    authScopes: { scope: "annotation:read" },
    args: annotationListArgs(t.arg),
    argsSchema: searchFilter(SEARCH_MAX_LENGTH),
    query: (_ctx, args, columns) => annotationListQuery(args, columns),
    parentId: (p) => p.id,
  }),
);

builder.objectField(EnvironmentRef, "annotations", (t) =>
  pagedField(t, {
    type: AnnotationConnection,
    description: `The environment's ${LIST_DESCRIPTION}`,
    authScopes: { scope: "annotation:read" },
    args: annotationListArgs(t.arg),
    argsSchema: searchFilter(SEARCH_MAX_LENGTH),
    query: (_ctx, args, columns) => annotationListQuery(args, columns),
    parentId: (e) => e.id,
  }),
);

builder.queryField("annotation", (t) =>
  t.field({
    type: AnnotationRef,
    description: "An annotation by its global id or PostHog's integer id. NOT_FOUND when you cannot see it or it is deleted.",
    authScopes: { scope: "annotation:read" },
    args: { id: t.arg.id({ required: true, description: "The annotation's global id, or PostHog's integer id of it." }) },
    resolve: async (_root, args, ctx) => (await getVisibleAnnotation(ctx, String(args.id))).annotation,
  }),
);

// ---- mutations -----------------------------------------------------------------

const AnnotationPayload = definePayload(
  "AnnotationPayload",
  "annotation",
  AnnotationRef,
  "The result of a change to an annotation.",
  "The annotation after the change; null when userErrors explain why nothing changed.",
);

const CONTENT_HELP = `The note, at most ${CONTENT_MAX_LENGTH} characters`;
const SCOPE_HELP = "Where it shows; `RECORDING` is refused (a userError), as in PostHog";

const CreateAnnotationInput = builder.inputType("CreateAnnotationInput", {
  description: "A new annotation. Any member of the organization may create one.",
  fields: (t) => ({
    environmentId: t.id({
      required: true,
      description:
        "The environment's global id or PostHog's integer id; a project's global id or id names its primary environment (same id).",
    }),
    content: t.string({ required: false, description: `${CONTENT_HELP}.` }),
    dateMarker: t.field({ type: "DateTime", required: false, description: "The moment it marks." }),
    creationType: t.field({ type: AnnotationCreationTypeEnum, required: false, description: "Who creates it; default `USR`." }),
    scope: t.field({ type: AnnotationScopeEnum, required: false, description: `${SCOPE_HELP}; default \`DASHBOARD_ITEM\`.` }),
    dashboardItem: t.int({
      required: false,
      description: "PostHog's id of an insight of the same environment to pin it to (else a NOT_FOUND userError).",
    }),
    dashboardId: t.int({
      required: false,
      description: "PostHog's id of a dashboard of the same environment (else a NOT_FOUND userError).",
    }),
  }),
});

const UpdateAnnotationInput = builder.inputType("UpdateAnnotationInput", {
  description:
    "Changes to an annotation. Omitted fields stay as they are; null clears a nullable one. Any member of the organization may change " +
    "one. With `environmentId` (and `scope`) it moves to another environment or project of its organization, as PostHog's update " +
    "moves it to the project the request names.",
  fields: (t) => ({
    id: t.id({ required: true, description: "The annotation's global id, or PostHog's integer id of it." }),
    environmentId: t.id({
      required: false,
      description:
        "Moves it to this environment (global id or PostHog's integer id; a project's names its primary environment), of the same " +
        "organization, where you may write (as on creation): one you cannot see is a NOT_FOUND userError, one of another organization " +
        "an INVALID one. Its insight and dashboard must then be of that environment: give them (or null) when it has some. Omitted, " +
        "it stays where it is; null is refused.",
    }),
    content: t.string({ required: false, description: `${CONTENT_HELP}; null clears it.` }),
    dateMarker: t.field({ type: "DateTime", required: false, description: "The moment it marks; null clears it." }),
    creationType: t.field({ type: AnnotationCreationTypeEnum, required: false, description: "Who created it." }),
    scope: t.field({
      type: AnnotationScopeEnum,
      required: false,
      description:
        `${SCOPE_HELP}. Narrowing an ORGANIZATION annotation of an environment your key does not reach is refused unless ` +
        "`environmentId` moves it to one your key reaches.",
    }),
    dashboardItem: t.int({
      required: false,
      description:
        "PostHog's id of an insight of the annotation's environment, the one it moves to on a move (else a NOT_FOUND userError); " +
        "null clears it.",
    }),
    dashboardId: t.int({
      required: false,
      description:
        "PostHog's id of a dashboard of the annotation's environment, the one it moves to on a move (else a NOT_FOUND userError); " +
        "null clears it.",
    }),
  }),
});

const DeleteAnnotationInput = builder.inputType("DeleteAnnotationInput", {
  description: "The annotation to delete (marked `deleted`; there is no hard delete, as in PostHog).",
  fields: (t) => ({ id: t.id({ required: true, description: "The annotation's global id, or PostHog's integer id of it." }) }),
});

const RestoreAnnotationInput = builder.inputType("RestoreAnnotationInput", {
  description: "The annotation to restore (one that is not deleted is answered as it is).",
  fields: (t) => ({
    id: t.id({ required: true, description: "The annotation's global id, or PostHog's integer id of it (deleted ones included)." }),
  }),
});

builder.mutationFields((t) => ({
  createAnnotation: t.field({
    type: AnnotationPayload,
    description:
      "Creates an annotation in an environment (or a project's primary environment). Every invalid field is reported at once and " +
      "nothing is written.",
    authScopes: { scope: "annotation:write" },
    args: { input: t.arg({ type: CreateAnnotationInput, required: true, description: "The new annotation." }) },
    resolve: async (_r, { input }, ctx) => toPayload("annotation", await createAnnotation(ctx, input)),
  }),
  updateAnnotation: t.field({
    type: AnnotationPayload,
    description:
      "Changes an annotation, or moves it to another environment or project of its organization (`environmentId`). Every invalid " +
      "field is reported at once and nothing is written; a change of nothing writes nothing. A move is one activity entry, in the " +
      "environment it moves to, recording the environment (and project) before and after. NOT_FOUND for a deleted one.",
    authScopes: { scope: "annotation:write" },
    args: { input: t.arg({ type: UpdateAnnotationInput, required: true, description: "What to change." }) },
    resolve: async (_r, { input }, ctx) => toPayload("annotation", await updateAnnotation(ctx, input)),
  }),
  deleteAnnotation: t.field({
    type: AnnotationPayload,
    description:
      "Deletes an annotation softly: it is marked `deleted` and hidden from every read, and restoreAnnotation brings it back. There " +
      "is no hard delete, as in PostHog. Deleting a deleted one answers NOT_FOUND.",
    authScopes: { scope: "annotation:write" },
    args: { input: t.arg({ type: DeleteAnnotationInput, required: true, description: "The annotation." }) },
    resolve: async (_r, { input }, ctx) => toPayload("annotation", await deleteAnnotation(ctx, String(input.id))),
  }),
  restoreAnnotation: t.field({
    type: AnnotationPayload,
    description:
      "Restores a deleted annotation (clears `deleted`), logging it. Restoring one that is not deleted succeeds and changes nothing " +
      "(no write, no activity entry).",
    authScopes: { scope: "annotation:write" },
    args: { input: t.arg({ type: RestoreAnnotationInput, required: true, description: "The annotation." }) },
    resolve: async (_r, { input }, ctx) => toPayload("annotation", await restoreAnnotation(ctx, String(input.id))),
  }),
}));
