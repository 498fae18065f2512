// Annotations: who sees them, the lists of an environment (its own plus its
// organization's ORGANIZATION-scoped ones) and the changes: create, update,
// soft delete and restore. As in PostHog there is no hard delete. Every
// change runs in one transaction and writes one activity entry; nothing is
// written when any input is refused.
import type { Annotation, Environment } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { notFound } from "../../errors.js";
import type { Principal } from "../../auth/principal.js";
import { parseIdFor } from "../ids.js";
import { lockRow } from "../../db/row-locks.js";
import { loadPagesByParent, type Connection, type ConnectionArgs, type FieldSelection } from "../../schema/connections.js";
import { ok, refused, userError, userErrorsFromZod, type Outcome, type UserError } from "../outcome.js";
import { diffFields, logActivity } from "../activity/service.js";
import { environmentVisibleTo, getVisibleEnvironment } from "../environments/access.js";
import { createAnnotationInput, updateAnnotationInput, type AnnotationScopeValue } from "./validation.js";
import { containsPattern } from "../../db/like.js";

type Tx = Prisma.TransactionClient;

// ---- visibility ------------------------------------------------------------------

/**
 * Whether the caller may see an annotation (deleted or not): its environment
 * is visible to them, or it is ORGANIZATION-scoped and they are a member of
 * its organization. Annotations of environments pending deletion are hidden.
 */
export function annotationVisibleTo(principal: Principal, annotation: Annotation, env: Environment | null): boolean {
  if (!env || env.isPendingDeletion) return false;
  if (environmentVisibleTo(principal, env)) return true;
  return annotation.scope === "organization" && principal.canSee(annotation.organizationId);
}

export interface VisibleAnnotation {
  annotation: Annotation;
  environment: Environment;
}

/** The visible annotations of `ids` (nulls where missing or hidden); deleted ones only when asked. */
export async function loadVisibleAnnotations(ctx: Context, ids: number[], includeDeleted = false): Promise<(VisibleAnnotation | null)[]> {
  const principal = viewerOf(ctx);
  const rows = await ctx.loaders.annotationById.loadMany(ids);
  // Rows the caller's memberships cannot reach cost no environment lookup.
  const candidates = rows.map((a) => (a && !(a instanceof Error) && (includeDeleted || !a.deleted) && principal.canSee(a.organizationId) ? a : null));
  const envIds = candidates.filter((a): a is Annotation => a !== null).map((a) => a.environmentId);
  const envs = await ctx.loaders.environmentById.loadMany(envIds);
  const envById = new Map<number, Environment>();
  for (const e of envs) {
    if (e instanceof Error) throw e;
    if (e) envById.set(e.id, e);
  }
  return rows.map((row, i) => {
    if (row instanceof Error) throw row;
    const a = candidates[i];
    if (!a) return null;
    const env = envById.get(a.environmentId) ?? null;
    return env && annotationVisibleTo(principal, a, env) ? { annotation: a, environment: env } : null;
  });
}

/** The annotation named by a global id or PostHog's integer id, if visible (and not deleted unless asked); NOT_FOUND otherwise. */
export async function getVisibleAnnotation(ctx: Context, id: string, opts: { includeDeleted?: boolean } = {}): Promise<VisibleAnnotation> {
  const annotationId = parseIdFor("Annotation", "int", id);
  const found = annotationId == null ? null : (await loadVisibleAnnotations(ctx, [Number(annotationId)], opts.includeDeleted))[0];
  if (!found) throw notFound("Annotation", id);
  return found;
}

// ---- lists -----------------------------------------------------------------------

export interface AnnotationListArgs extends ConnectionArgs {
  search?: string | null;
  scope?: AnnotationScopeValue | null;
  dateFrom?: Date | null;
  dateTo?: Date | null;
}


/**
 * Each environment's annotations, as rows of `t` with the environment in
 * `__environmentId`: its own (`t."environmentId" = pe.id`) and, in a second
 * branch, the organization-scoped ones of its organization's other
 * environments not pending deletion. Two branches rather than one join on
 * `own OR organization-scoped`: PostgreSQL answers each from an index, and
 * the page of 200 environments takes half the time.
 */
const ANNOTATIONS_BY_ENVIRONMENT = Prisma.sql`(
  SELECT pe.id AS "__environmentId", a.* FROM "Environment" pe JOIN "Annotation" a ON a."environmentId" = pe.id
  WHERE NOT pe."isPendingDeletion"
  UNION ALL
  SELECT pe.id, a.* FROM "Environment" pe
  JOIN "Annotation" a ON a.scope = 'organization' AND a."organizationId" = pe."organizationId" AND a."environmentId" <> pe.id
  WHERE NOT EXISTS (SELECT FROM "Environment" te WHERE te.id = a."environmentId" AND te."isPendingDeletion")
) t`;

/**
 * A page of annotations for each environment, in one statement: the
 * environment's own plus the ORGANIZATION-scoped ones of its organization
 * (from any of its environments not pending deletion); not deleted; newest
 * dateMarker first (no dateMarker last), then newest id.
 */
export function loadAnnotationPages(ctx: Context, environmentIds: readonly number[], args: AnnotationListArgs, info: FieldSelection | null): Promise<Connection<Annotation>[]> {
  const conditions = [Prisma.sql`NOT t.deleted`];
  for (const term of (args.search ?? "").split(/\s+/).filter(Boolean)) conditions.push(Prisma.sql`t.content ILIKE ${containsPattern(term)}`);
  if (args.scope) conditions.push(Prisma.sql`t.scope = ${args.scope}`);
  if (args.dateFrom) conditions.push(Prisma.sql`t."dateMarker" >= ${args.dateFrom}::timestamptz`);
  if (args.dateTo) conditions.push(Prisma.sql`t."dateMarker" <= ${args.dateTo}::timestamptz`);
  return loadPagesByParent<Annotation>(
    ctx.db,
    {
      from: ANNOTATIONS_BY_ENVIRONMENT,
      parentColumn: Prisma.sql`t."__environmentId"`,
      parentType: "int",
      where: Prisma.join(conditions, " AND "),
      orderBy: Prisma.sql`t."dateMarker" DESC NULLS LAST, t.id DESC`,
    },
    environmentIds,
    args,
    info,
  );
}

// ---- changes ---------------------------------------------------------------------

/** The fields recorded in the activity log, by their GraphQL names (values as stored, as PostHog logs them). */
const LOGGED_FIELDS = ["content", "dateMarker", "creationType", "scope", "dashboardItem", "dashboardId"] as const;

function logged(a: Annotation): Record<string, unknown> {
  return {
    content: a.content,
    dateMarker: a.dateMarker,
    creationType: a.creationType,
    scope: a.scope,
    dashboardItem: a.dashboardItemId,
    dashboardId: a.dashboardId,
    deleted: a.deleted,
  };
}

async function log(tx: Tx, ctx: Context, env: Environment, annotation: Annotation, activity: string, changes: ReturnType<typeof diffFields>) {
  return logActivity(tx, {
    organizationId: annotation.organizationId,
    projectId: env.projectId,
    environmentId: env.id,
    userId: viewerOf(ctx).user.id,
    activity,
    scope: "Annotation",
    itemId: annotation.id,
    detail: { name: annotation.content, changes },
  });
}

function remember(ctx: Context, annotation: Annotation): Annotation {
  ctx.loaders.annotationById.clear(annotation.id).prime(annotation.id, annotation);
  return annotation;
}

/** The environment a new annotation goes to: an environment's id, or a project's (its primary environment shares it). */
async function targetEnvironment(ctx: Context, ref: string): Promise<Environment> {
  const id = parseIdFor("Environment", "int", ref) ?? parseIdFor("Project", "int", ref);
  if (id == null) throw notFound("Environment", ref);
  return getVisibleEnvironment(ctx, String(id));
}

const isId = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/**
 * userErrors for a dashboardItem / dashboardId that names no insight / dashboard
 * of the environment (skipping fields already refused by validation).
 */
async function referenceErrors(ctx: Context, environmentId: number, input: Record<string, unknown>, already: UserError[]): Promise<UserError[]> {
  const refused = new Set(already.map((e) => e.field?.[1]));
  const insightId = !refused.has("dashboardItem") && isId(input.dashboardItem) ? input.dashboardItem : null;
  const dashboardId = !refused.has("dashboardId") && isId(input.dashboardId) ? input.dashboardId : null;
  const [insight, dashboard] = await Promise.all([
    insightId == null ? undefined : ctx.loaders.insightById.load(insightId),
    dashboardId == null ? undefined : ctx.loaders.dashboardById.load(dashboardId),
  ]);
  const errors: UserError[] = [];
  if (insightId != null && (!insight || insight.environmentId !== environmentId)) {
    errors.push(userError(["dashboardItem"], `No insight ${insightId} in the annotation's environment.`, "NOT_FOUND"));
  }
  if (dashboardId != null && (!dashboard || dashboard.environmentId !== environmentId)) {
    errors.push(userError(["dashboardId"], `No dashboard ${dashboardId} in the annotation's environment.`, "NOT_FOUND"));
  }
  return errors;
}

/** Creates an annotation in an environment (or a project's primary one). Any member of the organization may. */
export async function createAnnotation(ctx: Context, input: Record<string, unknown> & { environmentId: string | number }): Promise<Outcome<Annotation>> {
  const env = await targetEnvironment(ctx, String(input.environmentId));
  const parsed = createAnnotationInput.safeParse({ ...input, environmentId: String(input.environmentId) }, { reportInput: true });
  const errors = parsed.success ? [] : userErrorsFromZod(parsed.error);
  errors.push(...(await referenceErrors(ctx, env.id, input, errors)));
  if (!parsed.success || errors.length) return refused(...errors);
  const data = parsed.data;
  const principal = viewerOf(ctx);
  const created = await ctx.prisma.$transaction(async (tx) => {
    const annotation = await tx.annotation.create({
      data: {
        organizationId: env.organizationId,
        environmentId: env.id,
        content: data.content ?? null,
        dateMarker: data.dateMarker ?? null,
        creationType: data.creationType ?? "USR",
        scope: data.scope ?? "dashboard_item",
        dashboardItemId: data.dashboardItem ?? null,
        dashboardId: data.dashboardId ?? null,
        createdById: principal.user.id,
      },
    });
    await log(tx, ctx, env, annotation, "created", diffFields("Annotation", null, logged(annotation), LOGGED_FIELDS));
    return annotation;
  });
  return ok(remember(ctx, created));
}

/** Changes an annotation's fields; omitted fields stay, null clears a nullable one. A change of nothing writes nothing. */
export async function updateAnnotation(ctx: Context, input: Record<string, unknown> & { id: string | number }): Promise<Outcome<Annotation>> {
  const { annotation, environment } = await getVisibleAnnotation(ctx, String(input.id));
  const parsed = updateAnnotationInput.safeParse({ ...input, id: String(input.id) }, { reportInput: true });
  const errors = parsed.success ? [] : userErrorsFromZod(parsed.error);
  errors.push(...(await referenceErrors(ctx, annotation.environmentId, input, errors)));
  if (!parsed.success || errors.length) return refused(...errors);
  const data = parsed.data;
  const patch: Prisma.AnnotationUpdateInput = {
    ...(data.content !== undefined ? { content: data.content } : {}),
    ...(data.dateMarker !== undefined ? { dateMarker: data.dateMarker } : {}),
    ...(data.creationType !== undefined ? { creationType: data.creationType } : {}),
    ...(data.scope !== undefined ? { scope: data.scope } : {}),
    ...(data.dashboardItem !== undefined ? { dashboardItemId: data.dashboardItem } : {}),
    ...(data.dashboardId !== undefined ? { dashboardId: data.dashboardId } : {}),
  };
  const updated = await ctx.prisma.$transaction(async (tx) => {
    // Locked: the entry's "before" is what this write really replaces.
    await lockRow(tx, "Annotation", annotation.id);
    const before = await tx.annotation.findUnique({ where: { id: annotation.id } });
    if (!before || before.deleted) throw notFound("Annotation", String(input.id));
    const wanted = { ...before, ...patch } as Annotation;
    const changes = diffFields("Annotation", logged(before), logged(wanted), LOGGED_FIELDS);
    if (changes.length === 0) return before;
    const after = await tx.annotation.update({ where: { id: before.id }, data: patch });
    await log(tx, ctx, environment, after, "updated", changes);
    return after;
  });
  return ok(remember(ctx, updated));
}

/** Sets `deleted` (soft delete or restore), logging `activity`; null when it already had that value. */
async function setDeleted(ctx: Context, target: VisibleAnnotation, deleted: boolean, activity: string): Promise<Annotation | null> {
  return ctx.prisma.$transaction(async (tx) => {
    const { count } = await tx.annotation.updateMany({
      where: { id: target.annotation.id, deleted: !deleted },
      data: { deleted, updatedAt: new Date() },
    });
    if (count === 0) return null;
    const after = await tx.annotation.findUniqueOrThrow({ where: { id: target.annotation.id } });
    await log(tx, ctx, target.environment, after, activity, diffFields("Annotation", { deleted: !deleted }, { deleted }, ["deleted"]));
    return after;
  });
}

/** Soft-deletes an annotation (`deleted = true`): hidden from every read afterwards. Deleting a deleted one answers NOT_FOUND. */
export async function deleteAnnotation(ctx: Context, id: string): Promise<Outcome<Annotation>> {
  const target = await getVisibleAnnotation(ctx, id);
  const after = await setDeleted(ctx, target, true, "deleted");
  if (!after) throw notFound("Annotation", id);
  return ok(remember(ctx, after));
}

/** Restores a soft-deleted annotation (`deleted = false`). Restoring one that is not deleted changes nothing. */
export async function restoreAnnotation(ctx: Context, id: string): Promise<Outcome<Annotation>> {
  const target = await getVisibleAnnotation(ctx, id, { includeDeleted: true });
  if (!target.annotation.deleted) return ok(target.annotation);
  // null: a concurrent restore won; the annotation is restored either way.
  const after = (await setDeleted(ctx, target, false, "restored")) ?? (await ctx.prisma.annotation.findUniqueOrThrow({ where: { id: target.annotation.id } }));
  return ok(remember(ctx, after));
}
