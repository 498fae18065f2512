// Cohorts: visibility (any member of the organization whose key reaches the
// environment), and changes (any member): create (static with persons, or
// dynamic and calculated in the background), update, soft delete, restore,
// and a static cohort's persons added and removed. A cohort may refer to
// other cohorts of its project (references.ts: no loops, no deleted or
// foreign cohorts); a recalculated cohort's referrers are recalculated after
// it. Every change runs in one transaction and writes one activity entry
// (none when it changes nothing). Every decision of who may see or change
// what is the policy's (src/auth/policy.ts); the statements are in store.ts.
import type { Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { assertCan, isVisible, type Placement } from "../../auth/policy.js";
import { parseIdFor, parseRowId } from "../ids.js";
import { ok, refused, userError, type Outcome, type UserError } from "../outcome.js";
import { diffFields, logActivity } from "../activity/service.js";
import type { ActivityWriter } from "../activity/store.js";
import { getVisibleEnvironment } from "../environments/access.js";
import {
  addStaticPersons,
  cohortGraph,
  cohortNow,
  deleteMembers,
  insertCohort,
  insertMembers,
  lockCohort,
  lockCohortReferences,
  personsByIds,
  recountStaticCohort,
  setCohortDeleted,
  updateCohortRow,
  type CohortChange,
  type CohortRow,
  type PersonRow,
} from "./store.js";
import { markDependents, scheduleCohortCalculations, type CalculationStep } from "./calculation.js";
import { EMPTY_GRAPH, cohortReferences, type CohortGraph } from "./references.js";
import {
  impliedCohortType,
  referredTypeIn,
  validateCreateCohort,
  validateStaticPersons,
  validateUpdateCohort,
  type CohortTypeValue,
  type StaticPersonsData,
} from "./validation.js";

/** The fields of a cohort recorded in the activity log. */
export const COHORT_FIELDS = ["name", "description", "groups", "filters", "query", "isStatic", "cohortType", "deleted"] as const;

// ---- visibility ------------------------------------------------------------------

/** Where a cohort sits, for the policy: in its environment (hidden while that is pending deletion). */
export const cohortPlacement = (c: CohortRow): Placement => ({
  organizationId: c.organizationId,
  projectId: c.projectId,
  environmentId: c.environmentId,
  pendingDeletion: c.environmentPendingDeletion,
});

/** Whether the caller sees the cohort (deleted ones only when `includeDeleted`). */
const visible = (ctx: Context, c: CohortRow, includeDeleted: boolean) =>
  (includeDeleted || !c.deleted) && isVisible(viewerOf(ctx), cohortPlacement(c));

/** The visible, not deleted cohorts named by row ids as strings (node ids); nulls where malformed, missing or hidden. */
export async function visibleCohortsByRowIds(ctx: Context, ids: readonly string[]): Promise<(CohortRow | null)[]> {
  const wanted = ids.map(parseRowId);
  const rows = await ctx.loaders.cohortById.loadMany(wanted.filter((id): id is number => id !== null));
  const byId = new Map(rows.flatMap((r) => (r && !(r instanceof Error) ? [[r.id, r] as const] : [])));
  return wanted.map((id) => {
    const row = id === null ? undefined : byId.get(id);
    return row && visible(ctx, row, false) ? row : null;
  });
}

/**
 * The cohort named by a global id or PostHog's integer id, if visible; NOT_FOUND otherwise (also when deleted, unless `includeDeleted`).
 */
export async function getVisibleCohort(ctx: Context, id: string, includeDeleted = false): Promise<CohortRow> {
  const cohortId = parseIdFor("Cohort", "int", id);
  const cohort = cohortId == null ? null : await ctx.loaders.cohortById.load(Number(cohortId));
  if (!cohort || !visible(ctx, cohort, includeDeleted)) throw notFound("Cohort", id);
  // A project pending deletion hides its cohorts too.
  const project = await ctx.loaders.projectById.load(cohort.projectId);
  if (!project || project.isPendingDeletion) throw notFound("Cohort", id);
  return cohort;
}

/** The visible cohort named by `id` (deleted ones when asked), which the caller may change: FORBIDDEN otherwise. */
async function writableCohort(ctx: Context, id: string, includeDeleted = false): Promise<CohortRow> {
  const cohort = await getVisibleCohort(ctx, id, includeDeleted);
  assertCan(viewerOf(ctx), "cohort:write", cohortPlacement(cohort), { typename: "Cohort", id });
  return cohort;
}

/**
 * The environment a new cohort goes into (an environment id, or a project id: its primary environment), where the caller may create
 * cohorts.
 */
async function targetEnvironment(ctx: Context, ref: string): Promise<Environment> {
  const id = parseIdFor("Environment", "int", ref) ?? parseIdFor("Project", "int", ref);
  if (id == null) throw notFound("Environment", ref);
  const env = await getVisibleEnvironment(ctx, String(id));
  const at: Placement = {
    organizationId: env.organizationId,
    projectId: env.projectId,
    environmentId: env.id,
    pendingDeletion: env.isPendingDeletion,
  };
  assertCan(viewerOf(ctx), "cohort:write", at, { typename: "Environment", id: ref });
  return env;
}

// ---- changes ---------------------------------------------------------------------

/** JSON with object keys sorted, so a value reads the same whatever order jsonb keeps its keys in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

type LoggedFields = Record<(typeof COHORT_FIELDS)[number], unknown>;

/** A cohort's fields as the activity log records (and compares) them. */
const logged = (c: LoggedFields) => Object.fromEntries(COHORT_FIELDS.map((f) => [f, canonical(c[f])]));

async function log(
  tx: ActivityWriter,
  ctx: Context,
  cohort: CohortRow,
  activity: string,
  changes: ReturnType<typeof diffFields>,
  context?: Record<string, unknown>,
) {
  return logActivity(tx, {
    organizationId: cohort.organizationId,
    projectId: cohort.projectId,
    environmentId: cohort.environmentId,
    userId: viewerOf(ctx).user.id,
    activity,
    scope: "Cohort",
    itemId: cohort.id,
    detail: { name: cohort.name, changes, context: context ?? null },
  });
}

/** Keeps the request's loader in step with what a mutation wrote (the payload resolves through it). */
function prime(ctx: Context, cohort: CohortRow): CohortRow {
  ctx.loaders.cohortById.clear(cohort.id).prime(cohort.id, cohort);
  return cohort;
}

/**
 * Creates a cohort. Static: adds the given persons that exist in the
 * environment (unknown ids are dropped, as in PostHog). Dynamic: stored as
 * calculating; its members are calculated in the background. In the
 * policy's order: the environment must be visible (NOT_FOUND), the caller
 * allowed to write there (FORBIDDEN), and only then is the input checked.
 */
export async function createCohort(
  ctx: Context,
  input: { environmentId: string | number } & Record<string, unknown>,
): Promise<Outcome<CohortRow>> {
  const env = await targetEnvironment(ctx, String(input.environmentId));
  // The project's cohorts, when the filters refer to some (a new cohort closes no loop: nothing refers to it yet).
  const graph =
    input.isStatic !== true && cohortReferences(input.filters).length
      ? await cohortGraph(ctx.prisma, { projectId: env.projectId })
      : EMPTY_GRAPH;
  const valid = validateCreateCohort(input, { cohortId: null, graph });
  if (!valid.ok) return refused(...valid.errors);
  const d = valid.data;
  const isStatic = d.isStatic === true;
  const cohortType: CohortTypeValue =
    d.cohortType ?? impliedCohortType({ isStatic, filters: d.filters, query: d.query }, referredTypeIn(graph)) ?? "person_property";
  const principal = viewerOf(ctx);
  const personIds = [...new Set((d.staticPersonIds ?? []).map((id) => id.toLowerCase()))];

  const created = await ctx.prisma.$transaction(async (tx) => {
    const cohort = await insertCohort(tx, {
      environmentId: env.id,
      name: d.name,
      description: d.description ?? "",
      groups: d.groups ?? [],
      filters: d.filters,
      query: d.query,
      isStatic,
      cohortType,
      createdById: principal.user.id,
      isCalculating: !isStatic,
      pendingVersion: isStatic ? null : 1,
      count: isStatic ? 0 : null,
      lastCalculation: isStatic ? new Date() : null,
    });
    const added = isStatic && personIds.length ? await addStaticPersons(tx, cohort.id, env.id, personIds) : 0;
    const row = await cohortNow(tx, cohort.id);
    await log(
      tx,
      ctx,
      row,
      "created",
      diffFields(
        "Cohort",
        null,
        logged(row),
        COHORT_FIELDS.filter((f) => f !== "deleted"),
      ),
      isStatic ? { personsAdded: added } : undefined,
    );
    return row;
  });
  prime(ctx, created);
  if (!isStatic && created.pendingVersion !== null)
    scheduleCohortCalculations(ctx.prisma, [{ cohortId: created.id, version: created.pendingVersion }]);
  return ok(created);
}

/**
 * Changes a cohort's name, description and definition. A dynamic cohort
 * that changed is recalculated in the background, and then the cohorts that
 * refer to it (marked calculating in the same transaction). A change that
 * changes nothing writes nothing. The input is checked against, and merged
 * into, the cohort as stored now (locked), so concurrent changes of
 * different fields all stay; new references are checked with the project's
 * references locked, so two changes at once cannot close a loop.
 */
export async function updateCohort(ctx: Context, input: { id: string | number } & Record<string, unknown>): Promise<Outcome<CohortRow>> {
  const target = await writableCohort(ctx, String(input.id));
  let steps: CalculationStep[] = [];
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<CohortRow>> => {
    // Lock order: the project's references, then the cohort's row.
    if (cohortReferences(input.filters).length) await lockCohortReferences(tx, target.projectId);
    const before = await lockCohort(tx, target.id);
    if (!before || before.deleted) throw notFound("Cohort", String(input.id));
    const graph: CohortGraph = before.isStatic ? EMPTY_GRAPH : await cohortGraph(tx, { projectId: before.projectId });
    const valid = validateUpdateCohort(input, before, { cohortId: before.id, graph });
    if (!valid.ok) return refused(...valid.errors);
    const after = updatedDefinition(before, valid.data, graph);
    const changes = diffFields(
      "Cohort",
      logged(before),
      logged({ ...after, isStatic: before.isStatic, deleted: before.deleted }),
      COHORT_FIELDS,
    );
    if (changes.length === 0) return ok(before);
    const pendingVersion = before.isStatic ? undefined : Math.max(before.pendingVersion ?? 0, before.version ?? 0) + 1;
    await updateCohortRow(tx, before.id, { ...after, pendingVersion });
    if (pendingVersion !== undefined)
      steps = [{ cohortId: before.id, version: pendingVersion }, ...(await markDependents(tx, graph, before.id))];
    const row = await cohortNow(tx, before.id);
    await log(tx, ctx, row, "updated", changes);
    return ok(row);
  });
  if (!outcome.ok) return outcome;
  scheduleCohortCalculations(ctx.prisma, steps);
  return ok(prime(ctx, outcome.value));
}

/**
 * A cohort's definition with a validated update applied: omitted fields stay; a new definition implies its cohort type unless one is given.
 */
function updatedDefinition(
  before: CohortRow,
  d: Extract<ReturnType<typeof validateUpdateCohort>, { ok: true }>["data"],
  graph: CohortGraph,
): CohortChange {
  const filters = d.filters !== undefined ? (d.filters ?? null) : before.filters;
  const query = d.query !== undefined ? (d.query ?? null) : before.query;
  const definitionChanged = d.filters !== undefined || d.query !== undefined;
  const cohortType =
    d.cohortType ??
    (definitionChanged
      ? (impliedCohortType({ isStatic: before.isStatic, filters, query }, referredTypeIn(graph)) ?? before.cohortType)
      : before.cohortType);
  return {
    name: d.name ?? before.name,
    description: d.description !== undefined ? (d.description ?? "") : before.description,
    groups: d.groups !== undefined ? (d.groups ?? []) : before.groups,
    filters,
    query,
    cohortType,
  };
}

/** Soft-deletes a cohort: hidden from lists and lookups until restored. Deleting again answers NOT_FOUND. */
export async function deleteCohort(ctx: Context, id: string): Promise<Outcome<CohortRow>> {
  const before = await writableCohort(ctx, id);
  const deleted = await ctx.prisma.$transaction(async (tx) => {
    if (!(await setCohortDeleted(tx, before.id, true))) throw notFound("Cohort", id);
    const row = await cohortNow(tx, before.id);
    await log(tx, ctx, row, "deleted", diffFields("Cohort", { deleted: false }, { deleted: true }, ["deleted"]));
    return row;
  });
  return ok(prime(ctx, deleted));
}

/**
 * Brings a soft-deleted cohort back, with its members and definition.
 * Restoring a cohort that is not deleted succeeds and changes nothing (no
 * activity entry), the rule of every restorable object.
 */
export async function restoreCohort(ctx: Context, id: string): Promise<Outcome<CohortRow>> {
  const before = await writableCohort(ctx, id, true);
  if (!before.deleted) return ok(before);
  const restored = await ctx.prisma.$transaction(async (tx) => {
    // false: a concurrent restore won; the cohort is restored either way, and that restore logged it.
    if (!(await setCohortDeleted(tx, before.id, false))) return cohortNow(tx, before.id);
    const row = await cohortNow(tx, before.id);
    await log(tx, ctx, row, "restored", diffFields("Cohort", { deleted: true }, { deleted: false }, ["deleted"]));
    return row;
  });
  return ok(prime(ctx, restored));
}

// ---- a static cohort's persons ---------------------------------------------------

/** How each id of the input names a person of the environment; userErrors (NOT_FOUND) for the ids that name none. */
function resolvePersons(d: StaticPersonsData, persons: PersonRow[]): { personIds: number[]; uuids: string[]; errors: UserError[] } {
  const byUuid = new Map(persons.map((p) => [p.uuid.toLowerCase(), p]));
  const byDistinctId = new Map(persons.flatMap((p) => p.distinctIds.map((did) => [did, p] as const)));
  const found = new Map<number, PersonRow>();
  const errors: UserError[] = [];
  (d.personIds ?? []).forEach((uuid, i) => {
    const p = byUuid.get(uuid.toLowerCase());
    if (p) found.set(p.id, p);
    else errors.push(userError(["personIds", String(i)], `No person with id ${uuid} in the cohort's environment.`, "NOT_FOUND"));
  });
  (d.distinctIds ?? []).forEach((did, i) => {
    const p = byDistinctId.get(did);
    if (p) found.set(p.id, p);
    else
      errors.push(
        userError(
          ["distinctIds", String(i)],
          `No person with distinct id ${JSON.stringify(did)} in the cohort's environment.`,
          "NOT_FOUND",
        ),
      );
  });
  return { personIds: [...found.keys()], uuids: [...found.values()].map((p) => p.uuid), errors };
}

/**
 * Adds persons to, or removes them from, a static cohort (PostHog's
 * add_persons_to_static_cohort and remove_person_from_static_cohort), by
 * person UUID or distinct id. Idempotent: adding a member or removing a
 * non-member changes nothing, and a call that changes nothing writes nothing.
 * Refused: a dynamic cohort (CONFLICT: its members are calculated), ids that
 * name no person of the cohort's environment (NOT_FOUND, each on its path);
 * then nothing is written. The cohorts referring to it are recalculated.
 */
async function changeStaticPersons(
  ctx: Context,
  input: { id: string | number } & Record<string, unknown>,
  change: "add" | "remove",
): Promise<Outcome<CohortRow>> {
  const target = await writableCohort(ctx, String(input.id));
  const valid = validateStaticPersons(input);
  const errors = valid.ok ? [] : [...valid.errors];
  const dynamicError = () =>
    userError(
      ["id"],
      `Only a static cohort's persons are ${change === "add" ? "added" : "removed"} by hand: this cohort is dynamic (its members are ` +
        "calculated from its definition).",
      "CONFLICT",
    );
  if (!target.isStatic) errors.unshift(dynamicError());
  if (!valid.ok || errors.length) return refused(...errors);
  const d = valid.data;
  const persons = await personsByIds(ctx.prisma, target.environmentId, d.personIds ?? [], d.distinctIds ?? []);
  const resolved = resolvePersons(d, persons);
  if (resolved.errors.length) return refused(...resolved.errors);

  let steps: CalculationStep[] = [];
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<CohortRow>> => {
    const before = await lockCohort(tx, target.id);
    if (!before || before.deleted) throw notFound("Cohort", String(input.id));
    if (!before.isStatic) return refused(dynamicError());
    const changed =
      change === "add" ? await insertMembers(tx, before.id, resolved.personIds) : await deleteMembers(tx, before.id, resolved.personIds);
    if (changed === 0) return ok(before);
    await recountStaticCohort(tx, before.id);
    const row = await cohortNow(tx, before.id);
    await log(
      tx,
      ctx,
      row,
      change === "add" ? "persons_added_manually" : "person_removed_manually",
      diffFields("Cohort", { count: before.memberCount }, { count: row.memberCount }, ["count"]),
      { [change === "add" ? "personsAdded" : "personsRemoved"]: changed },
    );
    steps = await markDependents(tx, await cohortGraph(tx, { projectId: before.projectId }), before.id);
    return ok(row);
  });
  if (!outcome.ok) return outcome;
  scheduleCohortCalculations(ctx.prisma, steps);
  return ok(prime(ctx, outcome.value));
}

export const addPersonsToStaticCohort = (ctx: Context, input: { id: string | number } & Record<string, unknown>) =>
  changeStaticPersons(ctx, input, "add");

export const removePersonsFromStaticCohort = (ctx: Context, input: { id: string | number } & Record<string, unknown>) =>
  changeStaticPersons(ctx, input, "remove");

export { waitForCohortCalculations } from "./calculation.js";
