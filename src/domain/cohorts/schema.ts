// Cohort: its fields, Project.cohorts and Environment.cohorts, the
// cohort(id:) query and the cohort mutations (registered on import); a
// cohort's persons are in schema-persons.ts.
import type { ArgBuilder } from "@pothos/core";
import { builder } from "../../schema/builder.js";
import type { Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { definePayload, toPayload } from "../../schema/payloads.js";
import { pagedField, searchFilter, type Types } from "../../schema/paged-field.js";
import { UserRef, loadReferencedUser } from "../users/schema.js";
import { ProjectRef } from "../projects/schema.js";
import { EnvironmentRef } from "../environments/schema.js";
import { cohortPageQuery, type CohortRow } from "./store.js";
import { createCohort, deleteCohort, getVisibleCohort, restoreCohort, updateCohort, visibleCohortsByRowIds } from "./service.js";
import { COHORT_NAME_MAX, type CohortTypeValue } from "./validation.js";
import { declareCohortPersons } from "./schema-persons.js";

export const CohortType = builder.enumType("CohortType", {
  description: "What defines a cohort's members (PostHog's `cohort_type`).",
  values: {
    STATIC: { value: "static", description: "A fixed list of persons." },
    PERSON_PROPERTY: {
      value: "person_property",
      description:
        "Persons matching person property filters, and members of the cohorts it refers to (when those are calculated here or " +
        "static); calculated here.",
    },
    BEHAVIORAL: {
      value: "behavioral",
      description: "Persons matching behavioral filters (what they did); needs event data, so not calculated here.",
    },
    REALTIME: {
      value: "realtime",
      description: "Calculated by PostHog's realtime engine; never implied by a definition, so it cannot be set here.",
    },
    ANALYTICAL: {
      value: "analytical",
      description: "Defined by a query, or by analytical behavioral filters (e.g. `performed_event_first_time`); not calculated here.",
    },
  } as const satisfies Record<string, { value: CohortTypeValue; description: string }>,
});

export const CohortKind = builder.enumType("CohortKind", {
  description: "Static or dynamic, for filtering lists of cohorts.",
  values: {
    STATIC: { description: "Static cohorts: fixed lists of persons." },
    DYNAMIC: { description: "Dynamic cohorts: defined by filters or a query." },
  } as const,
});

export const CohortRef = builder.loadableNode("Cohort", {
  description:
    "A group of persons of an environment: static (a list) or dynamic (filters or a query, calculated in the background). Any " +
    "member of the organization reads and changes cohorts.",
  id: { resolve: (c: CohortRow) => c.id },
  authScopes: { scope: "cohort:read" },
  load: async (ids: string[], ctx: Context) => (await visibleCohortsByRowIds(ctx, ids)).map((c, i) => c ?? notFound("Cohort", ids[i])),
  fields: (t) => ({
    databaseId: t.exposeInt("id", { description: "PostHog's integer id of the cohort." }),
    name: t.string({ nullable: true, description: `Display name (≤${COHORT_NAME_MAX} characters).`, resolve: (c) => c.name }),
    description: t.exposeString("description", { description: "What the cohort is for (≤1000 characters); may be empty." }),
    groups: t.field({
      type: "JSON",
      description: "PostHog's legacy definition (a list of groups); `[]` for cohorts defined by `filters`.",
      resolve: (c) => c.groups ?? [],
    }),
    deleted: t.exposeBoolean("deleted", {
      description: "Whether the cohort is deleted (soft): deleted cohorts are hidden, so this reads false except in a delete's payload.",
    }),
    filters: t.field({
      type: "JSON",
      nullable: true,
      description:
        "The dynamic definition: `{properties: {type: AND|OR, values: [filters and groups]}}`; null for static and query cohorts, " +
        "and for an empty cohort (no members).",
      resolve: (c) => c.filters ?? null,
    }),
    query: t.field({
      type: "JSON",
      nullable: true,
      description: "The query defining the cohort (e.g. HogQL); null unless it is defined by one.",
      resolve: (c) => c.query ?? null,
    }),
    version: t.int({
      nullable: true,
      description: "The version of the definition whose members are stored; null before the first successful calculation.",
      resolve: (c) => c.version,
    }),
    pendingVersion: t.int({
      nullable: true,
      description: "The version being (or last) calculated; each change of a dynamic cohort increments it.",
      resolve: (c) => c.pendingVersion,
    }),
    isCalculating: t.exposeBoolean("isCalculating", { description: "Whether a background calculation of the members is under way." }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: "Who created the cohort; null when unknown.",
      resolve: (c, _args, ctx) => loadReferencedUser(ctx, c.createdById),
    }),
    createdAt: t.field({ type: "DateTime", description: "When the cohort was created.", resolve: (c) => c.createdAt }),
    lastCalculation: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the members were last calculated (or, for a static cohort, filled); null when never.",
      resolve: (c) => c.lastCalculation,
    }),
    errorsCalculating: t.exposeInt("errorsCalculating", { description: "Failed calculations since the last successful one." }),
    lastErrorMessage: t.string({
      nullable: true,
      description: "Why the last calculation failed; null after a success.",
      resolve: (c) => c.lastErrorMessage,
    }),
    count: t.int({
      nullable: true,
      description:
        "The number of members: the persons stored for a static cohort, the calculated members of a dynamic one; null while a " +
        "dynamic cohort has never been calculated or cannot be (behavioral filters, queries).",
      resolve: (c) => (c.isStatic || c.count !== null ? c.memberCount : null),
    }),
    isStatic: t.exposeBoolean("isStatic", { description: "Whether the cohort is a fixed list of persons." }),
    cohortType: t.field({
      type: CohortType,
      nullable: true,
      description: "What defines the members; always agrees with `isStatic`, `filters` and `query`.",
      resolve: (c) => (c.cohortType as CohortTypeValue | null) ?? null,
    }),
    experimentSet: t.intList({
      description: "PostHog's ids of the experiments using the cohort (experiments are not part of this API, so empty).",
      resolve: () => [],
    }),
    environment: t.field({
      type: EnvironmentRef,
      description: "The environment the cohort belongs to (needs `project:read`).",
      resolve: (c) => String(c.environmentId),
    }),
    project: t.field({
      type: ProjectRef,
      description: "The project the cohort belongs to (needs `project:read`).",
      resolve: (c) => String(c.projectId),
    }),
  }),
});

const CohortConnection = builder.connectionObject({
  type: CohortRef,
  name: "CohortConnection",
  description: "A page of cohorts, newest first.",
});

/** The filters of a cohort list (besides the connection window). */
function cohortListArgs(arg: ArgBuilder<Types>) {
  return {
    search: arg.string({
      required: false,
      description: "Only cohorts whose name contains this, ignoring case (at most 200 characters).",
    }),
    type: arg({ type: CohortKind, required: false, description: "Only static or only dynamic cohorts." }),
  };
}

const listDescription = (what: string) => `${what}'s cohorts, newest first (deleted ones hidden). Needs \`cohort:read\`.`;

// A project's cohorts are its primary environment's (same id).
builder.objectField(ProjectRef, "cohorts", (t) =>
  pagedField(t, {
    type: CohortConnection,
    description: listDescription("The project (its primary environment)"),
    authScopes: { scope: "cohort:read" },
    args: cohortListArgs(t.arg),
    argsSchema: searchFilter(200),
    query: (_ctx, args) => cohortPageQuery(args),
    parentId: (p) => p.id,
  }),
);

builder.objectField(EnvironmentRef, "cohorts", (t) =>
  pagedField(t, {
    type: CohortConnection,
    description: listDescription("The environment"),
    authScopes: { scope: "cohort:read" },
    args: cohortListArgs(t.arg),
    argsSchema: searchFilter(200),
    query: (_ctx, args) => cohortPageQuery(args),
    parentId: (e) => e.id,
  }),
);

builder.queryField("cohort", (t) =>
  t.field({
    type: CohortRef,
    description: "A cohort by its global id or PostHog's integer id. NOT_FOUND when you cannot see it or it is deleted.",
    authScopes: { scope: "cohort:read" },
    args: { id: t.arg.id({ required: true, description: "The cohort's global id, or PostHog's integer id of it." }) },
    resolve: (_root, args, ctx) => getVisibleCohort(ctx, String(args.id)),
  }),
);

// ---- mutations -----------------------------------------------------------------

export const CohortPayload = definePayload(
  "CohortPayload",
  "cohort",
  CohortRef,
  "The result of a change to a cohort.",
  "The cohort after the change (after a delete: as it is now, deleted); null when userErrors explain why nothing changed.",
);

const cohortId = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) =>
  t.id({ required: true, description: "The cohort's global id, or PostHog's integer id of it." });

const CreateCohortInput = builder.inputType("CreateCohortInput", {
  description:
    "A new cohort. Static (`isStatic: true`) with `staticPersonIds`, or dynamic with `filters` or a `query` (not both; with " +
    "neither, an empty cohort: no members, as in PostHog). Every invalid field is reported at once.",
  fields: (t) => ({
    environmentId: t.id({
      required: true,
      description: "The environment's global id or PostHog's integer id; a project's id names its primary environment.",
    }),
    name: t.string({ required: true, description: `Display name, 1–${COHORT_NAME_MAX} characters.` }),
    description: t.string({ required: false, description: "What the cohort is for, ≤1000 characters." }),
    groups: t.field({
      type: "JSON",
      required: false,
      description: "PostHog's legacy definition (a list), stored as given; `filters` is what is calculated.",
    }),
    filters: t.field({
      type: "JSON",
      required: false,
      description:
        "The dynamic definition: `{properties: {type: AND|OR, values: [...]}}`, where a value is a group (an empty one matches " +
        'nobody) or a filter: `{type: "person", key, operator, value, negation}` (operators exact, is_not, icontains, ' +
        'not_icontains, regex, not_regex, gt, gte, lt, lte, is_set, is_not_set), `{type: "behavioral", key, value, ...}`, or ' +
        '`{type: "cohort", key: "id", value: <cohort id>, negation}`: the members (or, negated, the non-members) of another ' +
        "cohort of the same project, static or dynamic, as stored; it is calculated after that one, and again whenever that one " +
        "is. Refused (userErrors on the filter's `value`): a cohort of no one or of another project and a deleted one " +
        "(`NOT_FOUND`), the cohort itself (`INVALID`), a loop such as A → B → A (`CONFLICT`).",
    }),
    query: t.field({
      type: "JSON",
      required: false,
      description: 'A query defining the cohort (e.g. `{kind: "HogQLQuery", query: ...}`); stored, but not calculated here.',
    }),
    isStatic: t.boolean({ required: false, description: "Whether the cohort is a fixed list of persons (default false)." }),
    cohortType: t.field({
      type: CohortType,
      required: false,
      description: "The cohort type; it must agree with the definition (omit it to have it derived).",
    }),
    staticPersonIds: t.field({
      type: ["UUID"],
      required: false,
      description:
        "For a static cohort: the UUIDs of the persons to add (PostHog's `_create_static_person_ids`); ids of no person of the " +
        "environment are dropped.",
    }),
  }),
});

const UpdateCohortInput = builder.inputType("UpdateCohortInput", {
  description:
    "Changes to a cohort. Omitted fields stay as they are. A changed dynamic cohort is recalculated in the background, and then " +
    "the cohorts that refer to it.",
  fields: (t) => ({
    id: cohortId(t),
    name: t.string({ required: false, description: `New display name, 1–${COHORT_NAME_MAX} characters.` }),
    description: t.string({ required: false, description: "What the cohort is for, ≤1000 characters; null clears it." }),
    groups: t.field({ type: "JSON", required: false, description: "PostHog's legacy definition (a list); null resets it to `[]`." }),
    filters: t.field({
      type: "JSON",
      required: false,
      description: "The new dynamic definition (see `CreateCohortInput.filters`); null clears it (with no query either: an empty cohort).",
    }),
    query: t.field({ type: "JSON", required: false, description: "The new query; null clears it." }),
    cohortType: t.field({
      type: CohortType,
      required: false,
      description: "The cohort type; it must agree with the definition (omit it to have it derived).",
    }),
  }),
});

const DeleteCohortInput = builder.inputType("DeleteCohortInput", {
  description: "The cohort to delete (softly: restoreCohort brings it back).",
  fields: (t) => ({ id: cohortId(t) }),
});

const RestoreCohortInput = builder.inputType("RestoreCohortInput", {
  description: "The deleted cohort to bring back (one that is not deleted stays as it is).",
  fields: (t) => ({ id: cohortId(t) }),
});

builder.mutationFields((t) => ({
  createCohort: t.field({
    type: CohortPayload,
    description:
      "Creates a cohort. A static one gets the given persons at once; a dynamic one is returned calculating (`isCalculating`) and " +
      "its members are calculated in the background.",
    authScopes: { scope: "cohort:write" },
    args: { input: t.arg({ type: CreateCohortInput, required: true, description: "The new cohort." }) },
    resolve: async (_r, { input }, ctx) => toPayload("cohort", await createCohort(ctx, input)),
  }),
  updateCohort: t.field({
    type: CohortPayload,
    description: "Changes a cohort's name, description or definition. Every invalid field is reported at once and nothing is written.",
    authScopes: { scope: "cohort:write" },
    args: { input: t.arg({ type: UpdateCohortInput, required: true, description: "What to change." }) },
    resolve: async (_r, { input }, ctx) => toPayload("cohort", await updateCohort(ctx, input)),
  }),
  deleteCohort: t.field({
    type: CohortPayload,
    description: "Deletes a cohort softly: it is hidden from lists and lookups until restored. Deleting it again answers NOT_FOUND.",
    authScopes: { scope: "cohort:write" },
    args: { input: t.arg({ type: DeleteCohortInput, required: true, description: "The cohort." }) },
    resolve: async (_r, { input }, ctx) => toPayload("cohort", await deleteCohort(ctx, String(input.id))),
  }),
  restoreCohort: t.field({
    type: CohortPayload,
    description:
      "Brings back a deleted cohort, with its members and definition. Restoring a cohort that is not deleted succeeds and changes " +
      "nothing (the rule of every restorable object).",
    authScopes: { scope: "cohort:write" },
    args: { input: t.arg({ type: RestoreCohortInput, required: true, description: "The cohort." }) },
    resolve: async (_r, { input }, ctx) => toPayload("cohort", await restoreCohort(ctx, String(input.id))),
  }),
}));

declareCohortPersons(CohortRef, CohortPayload);
