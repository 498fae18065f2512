// Cohorts: visibility (any member of the organization whose key reaches the
// environment), and changes (any member): create (static with persons, or
// dynamic and calculated in the background), update, soft delete, restore.
// Every change runs in one transaction and writes one activity entry.
import type { Environment } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import { parseIdFor } from "../ids.js";
import { lockRow } from "../../db/row-locks.js";
import { ok, refused, userError, type Outcome } from "../outcome.js";
import { diffFields, logActivity } from "../activity/service.js";
import { getVisibleEnvironment } from "../environments/access.js";
import { fetchCohorts, type CohortRow } from "./loaders.js";
import { scheduleCohortCalculation } from "./calculation.js";
import { impliedCohortType, validateCreateCohort, validateUpdateCohort, type CohortTypeValue } from "./validation.js";

type Tx = Prisma.TransactionClient;

/** The fields of a cohort recorded in the activity log. */
export const COHORT_FIELDS = ["name", "description", "groups", "filters", "query", "isStatic", "cohortType", "deleted"] as const;

const json = (v: unknown) => (v === null || v === undefined ? undefined : (v as Prisma.InputJsonValue));
/** A nullable JSON column's new value: the JSON, or SQL NULL. */
const jsonOrNull = (v: unknown) => (v === null || v === undefined ? Prisma.DbNull : (v as Prisma.InputJsonValue));

/** Whether the caller may see this cohort (deleted ones only when `includeDeleted`). */
export function cohortVisible(ctx: Context, cohort: CohortRow, includeDeleted = false): boolean {
  return (
    (includeDeleted || !cohort.deleted) &&
    !cohort.environmentPendingDeletion &&
    viewerOf(ctx).canSee(cohort.organizationId, cohort.projectId, cohort.environmentId)
  );
}

/** The cohort named by a global id or PostHog's integer id, if visible; NOT_FOUND otherwise (also when deleted). */
export async function getVisibleCohort(ctx: Context, id: string, includeDeleted = false): Promise<CohortRow> {
  const cohortId = parseIdFor("Cohort", "int", id);
  const cohort = cohortId == null ? null : await ctx.loaders.cohortById.load(Number(cohortId));
  if (!cohort || !cohortVisible(ctx, cohort, includeDeleted)) throw notFound("Cohort", id);
  const project = await ctx.loaders.projectById.load(cohort.projectId);
  if (!project || project.isPendingDeletion) throw notFound("Cohort", id);
  return cohort;
}

/** The environment a new cohort goes into: an environment id, or a project id (its primary environment). */
async function targetEnvironment(ctx: Context, ref: string): Promise<Environment> {
  const id = parseIdFor("Environment", "int", ref) ?? parseIdFor("Project", "int", ref);
  if (id == null) throw notFound("Environment", ref);
  return getVisibleEnvironment(ctx, String(id));
}

/** JSON with object keys sorted, so a value reads the same whatever order jsonb keeps its keys in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** A cohort's fields as the activity log records (and compares) them. */
const logged = (c: Pick<CohortRow, (typeof COHORT_FIELDS)[number]>) => Object.fromEntries(COHORT_FIELDS.map((f) => [f, canonical(c[f])]));

async function log(tx: Tx, ctx: Context, cohort: CohortRow, activity: string, changes: ReturnType<typeof diffFields>, context?: Record<string, unknown>) {
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

async function reread(tx: Tx, id: number): Promise<CohortRow> {
  const [row] = await fetchCohorts(tx, [id]);
  return row;
}

/** Keeps the request's loader in step with what a mutation wrote (the payload resolves through it). */
function prime(ctx: Context, cohort: CohortRow): CohortRow {
  ctx.loaders.cohortById.clear(cohort.id).prime(cohort.id, cohort);
  return cohort;
}

/**
 * Creates a cohort. Static: adds the given persons that exist in the
 * environment (unknown ids are dropped, as in PostHog). Dynamic: stored as
 * calculating; its members are calculated in the background.
 */
export async function createCohort(ctx: Context, input: { environmentId: string | number } & Record<string, unknown>): Promise<Outcome<CohortRow>> {
  const env = await targetEnvironment(ctx, String(input.environmentId));
  const valid = validateCreateCohort(input);
  if (!valid.ok) return refused(...valid.errors);
  const d = valid.data;
  const isStatic = d.isStatic === true;
  const cohortType: CohortTypeValue = d.cohortType ?? impliedCohortType({ isStatic, filters: d.filters, query: d.query }) ?? "person_property";
  const principal = viewerOf(ctx);
  const personIds = [...new Set((d.staticPersonIds ?? []).map((id) => id.toLowerCase()))];

  const created = await ctx.prisma.$transaction(async (tx) => {
    const cohort = await tx.cohort.create({
      data: {
        environmentId: env.id,
        name: d.name,
        description: d.description ?? "",
        groups: (d.groups ?? []) as Prisma.InputJsonValue,
        filters: json(d.filters),
        query: json(d.query),
        isStatic,
        cohortType,
        createdById: principal.user.id,
        isCalculating: !isStatic,
        pendingVersion: isStatic ? null : 1,
        count: isStatic ? 0 : null,
        lastCalculation: isStatic ? new Date() : null,
      },
    });
    let added = 0;
    if (isStatic && personIds.length) {
      added = await tx.$executeRaw`
        INSERT INTO "CohortPerson" ("cohortId", "personId", "version")
        SELECT ${cohort.id}::int, p.id, 0 FROM "Person" p
        WHERE p."environmentId" = ${env.id}::int AND p.uuid = ANY(${personIds}::uuid[])
        ON CONFLICT DO NOTHING`;
      await tx.cohort.update({ where: { id: cohort.id }, data: { count: added } });
    }
    const row = await reread(tx, cohort.id);
    await log(tx, ctx, row, "created", diffFields("Cohort", null, logged(row), COHORT_FIELDS.filter((f) => f !== "deleted")), isStatic ? { personsAdded: added } : undefined);
    return row;
  });
  prime(ctx, created);
  if (!isStatic) scheduleCohortCalculation(ctx.prisma, created.id, created.pendingVersion!);
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
  const visible = await getVisibleCohort(ctx, String(input.id));
  let changed = false;
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<CohortRow>> => {
    await lockRow(tx, "Cohort", visible.id);
    const before = await reread(tx, visible.id);
    if (!before || before.deleted) throw notFound("Cohort", String(input.id));
    const valid = validateUpdateCohort(input, before);
    if (!valid.ok) return refused(...valid.errors);
    const after = updatedCohort(before, valid.data);
    const changes = diffFields("Cohort", logged(before), logged(after), COHORT_FIELDS);
    if (changes.length === 0) return ok(before);
    const pendingVersion = before.isStatic ? before.pendingVersion : Math.max(before.pendingVersion ?? 0, before.version ?? 0) + 1;
    await tx.cohort.update({
      where: { id: before.id },
      data: {
        name: after.name,
        description: after.description,
        groups: after.groups as Prisma.InputJsonValue,
        filters: jsonOrNull(after.filters),
        query: jsonOrNull(after.query),
        cohortType: after.cohortType,
        ...(before.isStatic ? {} : { isCalculating: true, pendingVersion }),
      },
    });
    const row = await reread(tx, before.id);
    await log(tx, ctx, row, "updated", changes);
    changed = true;
    return ok(row);
  });
  if (!outcome.ok) return outcome;
  const updated = prime(ctx, outcome.value);
  if (changed && !updated.isStatic) scheduleCohortCalculation(ctx.prisma, updated.id, updated.pendingVersion!);
  return ok(updated);
}

/** A cohort with a validated update applied: omitted fields stay; a new definition implies its cohort type unless one is given. */
function updatedCohort(before: CohortRow, d: Extract<ReturnType<typeof validateUpdateCohort>, { ok: true }>["data"]): CohortRow {
  const filters = d.filters !== undefined ? (d.filters ?? null) : before.filters;
  const query = d.query !== undefined ? (d.query ?? null) : before.query;
  const definitionChanged = d.filters !== undefined || d.query !== undefined;
  const cohortType =
    d.cohortType ?? (definitionChanged ? (impliedCohortType({ isStatic: before.isStatic, filters, query }) ?? before.cohortType) : before.cohortType);
  return {
    ...before,
    name: d.name ?? before.name,
    description: d.description !== undefined ? (d.description ?? "") : before.description,
    groups: d.groups !== undefined ? (d.groups ?? []) : before.groups,
    filters,
    query,
    cohortType,
  } as CohortRow;
}

/** Soft-deletes a cohort: hidden from lists and lookups until restored. Deleting again answers NOT_FOUND. */
export async function deleteCohort(ctx: Context, id: string): Promise<Outcome<CohortRow>> {
  const before = await getVisibleCohort(ctx, id);
  const deleted = await ctx.prisma.$transaction(async (tx) => {
    const { count } = await tx.cohort.updateMany({ where: { id: before.id, deleted: false }, data: { deleted: true } });
    if (count === 0) throw notFound("Cohort", id);
    const row = await reread(tx, before.id);
    await log(tx, ctx, row, "deleted", diffFields("Cohort", { deleted: false }, { deleted: true }, ["deleted"]));
    return row;
  });
  return ok(prime(ctx, deleted));
}

/** Brings a soft-deleted cohort back. A cohort that is not deleted is refused (CONFLICT). */
export async function restoreCohort(ctx: Context, id: string): Promise<Outcome<CohortRow>> {
  const before = await getVisibleCohort(ctx, id, true);
  if (!before.deleted) return refused(userError(["id"], "The cohort is not deleted.", "CONFLICT"));
  const restored = await ctx.prisma.$transaction(async (tx): Promise<Outcome<CohortRow>> => {
    const { count } = await tx.cohort.updateMany({ where: { id: before.id, deleted: true }, data: { deleted: false } });
    if (count === 0) return refused(userError(["id"], "The cohort is not deleted.", "CONFLICT"));
    const row = await reread(tx, before.id);
    await log(tx, ctx, row, "restored", diffFields("Cohort", { deleted: true }, { deleted: false }, ["deleted"]));
    return ok(row);
  });
  if (restored.ok) prime(ctx, restored.value);
  return restored;
}

export { waitForCohortCalculations } from "./calculation.js";
