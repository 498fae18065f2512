// Cohorts: visibility (any member of the organization whose key reaches the
// environment), and changes (any member): create (static with persons, or
// dynamic and calculated in the background), update, soft delete, restore.
// Every change runs in one transaction and writes one activity entry. Every
// decision of who may see or change what is the policy's
// (src/auth/policy.ts); the statements are in store.ts.
import type { Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { assertCan, isVisible, type Placement } from "../../auth/policy.js";
import { parseIdFor, parseRowId } from "../ids.js";
import { ok, refused, userError, type Outcome } from "../outcome.js";
import { diffFields, logActivity } from "../activity/service.js";
import type { ActivityWriter } from "../activity/store.js";
import { getVisibleEnvironment } from "../environments/access.js";
import {
  addStaticPersons,
  cohortNow,
  insertCohort,
  lockCohort,
  setCohortDeleted,
  updateCohortRow,
  type CohortChange,
  type CohortRow,
} from "./store.js";
import { scheduleCohortCalculation } from "./calculation.js";
import { impliedCohortType, validateCreateCohort, validateUpdateCohort, type CohortTypeValue } from "./validation.js";

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
  const valid = validateCreateCohort(input);
  if (!valid.ok) return refused(...valid.errors);
  const d = valid.data;
  const isStatic = d.isStatic === true;
  const cohortType: CohortTypeValue =
    d.cohortType ?? impliedCohortType({ isStatic, filters: d.filters, query: d.query }) ?? "person_property";
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
  if (!isStatic && created.pendingVersion !== null) scheduleCohortCalculation(ctx.prisma, created.id, created.pendingVersion);
  return ok(created);
}

/**
 * Changes a cohort's name, description and definition. A dynamic cohort
 * that changed is recalculated in the background. A change that changes
 * nothing writes nothing. The input is checked against, and merged into, the
 * cohort as stored now (locked), so concurrent changes of different fields
 * all stay.
 */
export async function updateCohort(ctx: Context, input: { id: string | number } & Record<string, unknown>): Promise<Outcome<CohortRow>> {
  const target = await writableCohort(ctx, String(input.id));
  let changed = false;
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<CohortRow>> => {
    const before = await lockCohort(tx, target.id);
    if (!before || before.deleted) throw notFound("Cohort", String(input.id));
    const valid = validateUpdateCohort(input, before);
    if (!valid.ok) return refused(...valid.errors);
    const after = updatedDefinition(before, valid.data);
    const changes = diffFields(
      "Cohort",
      logged(before),
      logged({ ...after, isStatic: before.isStatic, deleted: before.deleted }),
      COHORT_FIELDS,
    );
    if (changes.length === 0) return ok(before);
    const pendingVersion = before.isStatic ? undefined : Math.max(before.pendingVersion ?? 0, before.version ?? 0) + 1;
    await updateCohortRow(tx, before.id, { ...after, pendingVersion });
    const row = await cohortNow(tx, before.id);
    await log(tx, ctx, row, "updated", changes);
    changed = true;
    return ok(row);
  });
  if (!outcome.ok) return outcome;
  const updated = prime(ctx, outcome.value);
  if (changed && !updated.isStatic && updated.pendingVersion !== null)
    scheduleCohortCalculation(ctx.prisma, updated.id, updated.pendingVersion);
  return ok(updated);
}

/**
 * A cohort's definition with a validated update applied: omitted fields stay; a new definition implies its cohort type unless one is given.
 */
function updatedDefinition(before: CohortRow, d: Extract<ReturnType<typeof validateUpdateCohort>, { ok: true }>["data"]): CohortChange {
  const filters = d.filters !== undefined ? (d.filters ?? null) : before.filters;
  const query = d.query !== undefined ? (d.query ?? null) : before.query;
  const definitionChanged = d.filters !== undefined || d.query !== undefined;
  const cohortType =
    d.cohortType ??
    (definitionChanged ? (impliedCohortType({ isStatic: before.isStatic, filters, query }) ?? before.cohortType) : before.cohortType);
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

/** Brings a soft-deleted cohort back. A cohort that is not deleted is refused (CONFLICT). */
export async function restoreCohort(ctx: Context, id: string): Promise<Outcome<CohortRow>> {
  const before = await writableCohort(ctx, id, true);
  if (!before.deleted) return refused(userError(["id"], "The cohort is not deleted.", "CONFLICT"));
  const restored = await ctx.prisma.$transaction(async (tx): Promise<Outcome<CohortRow>> => {
    if (!(await setCohortDeleted(tx, before.id, false))) return refused(userError(["id"], "The cohort is not deleted.", "CONFLICT"));
    const row = await cohortNow(tx, before.id);
    await log(tx, ctx, row, "restored", diffFields("Cohort", { deleted: true }, { deleted: false }, ["deleted"]));
    return ok(row);
  });
  if (restored.ok) prime(ctx, restored.value);
  return restored;
}

export { waitForCohortCalculations } from "./calculation.js";
