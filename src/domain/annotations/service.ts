// Annotations: who sees them, and the changes: create, update, soft delete
// and restore. As in PostHog there is no hard delete. Every change runs in one
// transaction and writes one activity entry; nothing is written when any
// input is refused. Every decision of who may see or change what is the
// policy's (src/auth/policy.ts); the statements are in store.ts.
import type { Annotation, Environment } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { badUserInput, notFound } from "../../errors.js";
import { assertCan, can, isVisible, type Placement } from "../../auth/policy.js";
import { parseIdFor, parseRowId } from "../ids.js";
import { ok, refused, userError, userErrorsFromZod, type Outcome, type UserError } from "../outcome.js";
import { diffFields, logActivity } from "../activity/service.js";
import type { ActivityWriter } from "../activity/store.js";
import { getVisibleEnvironment } from "../environments/access.js";
import { createAnnotationInput, dateRangeError, updateAnnotationInput } from "./validation.js";
import type { PagedQuery } from "../../db/pages.js";
import {
  annotationNow,
  annotationPageQuery,
  insertAnnotation,
  lockAnnotation,
  setAnnotationDeleted,
  updateAnnotationRow,
  type AnnotationFilters,
  type AnnotationPatch,
} from "./store.js";

// ---- visibility ------------------------------------------------------------------

/** Where an environment sits, for the policy (it is hidden while pending deletion). */
const environmentPlacement = (env: Environment): Placement => ({
  organizationId: env.organizationId,
  projectId: env.projectId,
  environmentId: env.id,
  pendingDeletion: env.isPendingDeletion,
});

/**
 * Where an annotation sits, for the policy: in its environment (hidden with
 * it while pending deletion), and ORGANIZATION-scoped ones organization-wide
 * (visible to every member of the organization, whichever projects the key reaches).
 */
export const annotationPlacement = (annotation: Annotation, env: Environment): Placement => ({
  ...environmentPlacement(env),
  organizationId: annotation.organizationId,
  organizationWide: annotation.scope === "organization",
});

export interface VisibleAnnotation {
  annotation: Annotation;
  environment: Environment;
}

/** The visible annotations of `ids` (nulls where missing or hidden); deleted ones only when asked. */
async function loadVisibleAnnotations(ctx: Context, ids: number[], includeDeleted = false): Promise<(VisibleAnnotation | null)[]> {
  const principal = viewerOf(ctx);
  const rows = await ctx.loaders.annotationById.loadMany(ids);
  // A first pass on the organization alone: rows the caller's memberships cannot reach cost no environment lookup.
  const candidates = rows.map((a) =>
    a && !(a instanceof Error) && (includeDeleted || !a.deleted) && isVisible(principal, { organizationId: a.organizationId }) ? a : null,
  );
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
    return env && isVisible(principal, annotationPlacement(a, env)) ? { annotation: a, environment: env } : null;
  });
}

/** The visible, not deleted annotations named by row ids as strings (node ids); nulls where malformed, missing or hidden. */
export async function visibleAnnotationsByRowIds(ctx: Context, ids: readonly string[]): Promise<(Annotation | null)[]> {
  const wanted = ids.map(parseRowId);
  const valid = wanted.filter((id): id is number => id !== null);
  const found = await loadVisibleAnnotations(ctx, valid);
  const byId = new Map(valid.map((id, i) => [id, found[i]]));
  return wanted.map((id) => (id === null ? null : (byId.get(id)?.annotation ?? null)));
}

/** The annotation named by a global id or PostHog's integer id, if visible (and not deleted unless asked); NOT_FOUND otherwise. */
export async function getVisibleAnnotation(ctx: Context, id: string, opts: { includeDeleted?: boolean } = {}): Promise<VisibleAnnotation> {
  const annotationId = parseIdFor("Annotation", "int", id);
  const found = annotationId == null ? null : (await loadVisibleAnnotations(ctx, [Number(annotationId)], opts.includeDeleted))[0];
  if (!found) throw notFound("Annotation", id);
  return found;
}

/**
 * An annotation's environment, or null when the caller cannot see it (an ORGANIZATION-scoped annotation of a project the key does not
 * reach).
 */
export async function visibleEnvironmentOf(ctx: Context, annotation: Annotation): Promise<Environment | null> {
  const env = await ctx.loaders.environmentById.load(annotation.environmentId);
  return env && isVisible(viewerOf(ctx), environmentPlacement(env)) ? env : null;
}

/** The project of an annotation's environment, or null when the caller cannot see it (as for the environment). */
export async function visibleProjectOf(ctx: Context, annotation: Annotation) {
  const env = await visibleEnvironmentOf(ctx, annotation);
  const project = env && (await ctx.loaders.projectById.load(env.projectId));
  if (!project) return null;
  const at: Placement = { organizationId: project.organizationId, projectId: project.id, pendingDeletion: project.isPendingDeletion };
  return isVisible(viewerOf(ctx), at) ? project : null;
}

/**
 * The page query of an annotation list with these filters. A reversed date
 * range (`dateFrom` after `dateTo`) is refused with BAD_USER_INPUT, as PostHog
 * answers it with a 400 ("Invalid date range"), rather than an empty page.
 */
export function annotationListQuery(filters: AnnotationFilters, columns: readonly string[] | null = null): PagedQuery {
  const error = dateRangeError(filters);
  if (error) throw badUserInput(error, { argument: "dateFrom" });
  return annotationPageQuery(filters, columns);
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

async function log(
  tx: ActivityWriter,
  ctx: Context,
  env: Environment,
  annotation: Annotation,
  activity: string,
  changes: ReturnType<typeof diffFields>,
) {
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

/** The environment an id names: an environment's, or a project's (its primary environment shares it); null when malformed. */
const environmentIdOf = (ref: string) => parseIdFor("Environment", "int", ref) ?? parseIdFor("Project", "int", ref);

/** The environment a new annotation goes to: an environment's id, or a project's (its primary environment shares it). */
async function targetEnvironment(ctx: Context, ref: string): Promise<Environment> {
  const id = environmentIdOf(ref);
  if (id == null) throw notFound("Environment", ref);
  return getVisibleEnvironment(ctx, String(id));
}

/**
 * Where an update moves an annotation (`environmentId`), as input: an
 * environment the caller cannot see (or pending deletion, or malformed) is a
 * NOT_FOUND userError, one of another organization an INVALID one (PostHog
 * moves annotations only between the projects of their organization); one
 * the caller sees but may not write in is FORBIDDEN, as on creation.
 */
async function moveTarget(
  ctx: Context,
  annotation: Annotation,
  ref: string,
): Promise<{ environment: Environment; errors: [] } | { environment: null; errors: UserError[] }> {
  const principal = viewerOf(ctx);
  const id = environmentIdOf(ref);
  const env = id == null ? null : await ctx.loaders.environmentById.load(Number(id));
  if (!env || !isVisible(principal, environmentPlacement(env))) {
    return { environment: null, errors: [userError(["environmentId"], "No environment with this id that you can see.", "NOT_FOUND")] };
  }
  if (env.organizationId !== annotation.organizationId) {
    const message = "An annotation moves only between the projects of its own organization.";
    return { environment: null, errors: [userError(["environmentId"], message, "INVALID")] };
  }
  assertCan(principal, "annotation:write", environmentPlacement(env), { typename: "Environment", id: ref });
  return { environment: env, errors: [] };
}

const isId = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/**
 * userErrors for a dashboardItem / dashboardId that names no insight / dashboard
 * of the environment (skipping fields already refused by validation). `kept`:
 * on a move, the references the annotation keeps (those the input leaves
 * out), which must be of the environment it moves to as well (CONFLICT).
 */
async function referenceErrors(
  ctx: Context,
  environmentId: number,
  input: AnnotationInput,
  already: UserError[],
  kept: { dashboardItem: number | null; dashboardId: number | null } | null = null,
): Promise<UserError[]> {
  const refused = new Set(already.map((e) => e.field?.[1]));
  const where = kept ? "the environment it moves to" : "the annotation's environment";
  const named = (field: "dashboardItem" | "dashboardId") => {
    if (refused.has(field)) return null;
    const given = input[field];
    if (given !== undefined) return isId(given) ? { id: given, given: true } : null;
    const current = kept?.[field];
    return current != null ? { id: current, given: false } : null;
  };
  const [insightRef, dashboardRef] = [named("dashboardItem"), named("dashboardId")];
  const [insight, dashboard] = await Promise.all([
    insightRef == null ? undefined : ctx.loaders.insightById.load(insightRef.id),
    dashboardRef == null ? undefined : ctx.loaders.dashboardById.load(dashboardRef.id),
  ]);
  const errors: UserError[] = [];
  const check = (
    field: string,
    what: string,
    ref: { id: number; given: boolean } | null,
    row: { environmentId: number } | null | undefined,
  ) => {
    if (ref == null || (row && row.environmentId === environmentId)) return;
    errors.push(
      ref.given
        ? userError([field], `No ${what} ${ref.id} in ${where}.`, "NOT_FOUND")
        : userError([field], `Its ${what} ${ref.id} is not in ${where}: give one of that environment, or null.`, "CONFLICT"),
    );
  };
  check("dashboardItem", "insight", insightRef, insight);
  check("dashboardId", "dashboard", dashboardRef, dashboard);
  return errors;
}

/** What createAnnotation and updateAnnotation take: the caller's input as given (validated here). */
export interface AnnotationInput {
  content?: string | null;
  dateMarker?: Date | null;
  creationType?: string | null;
  scope?: string | null;
  dashboardItem?: number | null;
  dashboardId?: number | null;
}

/**
 * Creates an annotation in an environment (or a project's primary one). Any
 * member of the organization may. In the policy's order: the environment must
 * be visible (NOT_FOUND), the caller allowed to write there (FORBIDDEN), and
 * only then is the input checked.
 */
export async function createAnnotation(
  ctx: Context,
  input: AnnotationInput & { environmentId: string | number },
): Promise<Outcome<Annotation>> {
  const principal = viewerOf(ctx);
  const ref = String(input.environmentId);
  const env = await targetEnvironment(ctx, ref);
  assertCan(principal, "annotation:write", environmentPlacement(env), { typename: "Environment", id: ref });
  const parsed = createAnnotationInput.safeParse({ ...input, environmentId: ref }, { reportInput: true });
  const errors = parsed.success ? [] : userErrorsFromZod(parsed.error);
  errors.push(...(await referenceErrors(ctx, env.id, input, errors)));
  if (!parsed.success || errors.length) return refused(...errors);
  const data = parsed.data;
  const created = await ctx.prisma.$transaction(async (tx) => {
    const annotation = await insertAnnotation(tx, {
      organizationId: env.organizationId,
      environmentId: env.id,
      content: data.content ?? null,
      dateMarker: data.dateMarker ?? null,
      creationType: data.creationType ?? "USR",
      scope: data.scope ?? "dashboard_item",
      dashboardItemId: data.dashboardItem ?? null,
      dashboardId: data.dashboardId ?? null,
      createdById: principal.user.id,
    });
    await log(tx, ctx, env, annotation, "created", diffFields("Annotation", null, logged(annotation), LOGGED_FIELDS));
    return annotation;
  });
  return ok(remember(ctx, created));
}

/**
 * Changes an annotation's fields; omitted fields stay, null clears a nullable
 * one. A change of nothing writes nothing. `environmentId` moves it to another
 * environment (or project) of its organization, as PostHog's update moves it
 * to the team the request names: the target is checked as createAnnotation
 * checks one, and so are its scope and references there. The caller must be
 * allowed to write the annotation where it is and where it ends up: narrowing
 * an ORGANIZATION annotation of an environment the key does not reach is
 * refused (it would leave the key's reach) unless it moves to one it does.
 */
export async function updateAnnotation(
  ctx: Context,
  input: AnnotationInput & { id: string | number; environmentId?: string | number | null },
): Promise<Outcome<Annotation>> {
  const principal = viewerOf(ctx);
  const ref = String(input.id);
  const { annotation, environment } = await getVisibleAnnotation(ctx, ref);
  assertCan(principal, "annotation:write", annotationPlacement(annotation, environment), { typename: "Annotation", id: ref });
  const targetRef = input.environmentId == null ? input.environmentId : String(input.environmentId);
  const target = targetRef == null ? { environment, errors: [] } : await moveTarget(ctx, annotation, targetRef);
  const parsed = updateAnnotationInput.safeParse({ ...input, id: ref, environmentId: targetRef }, { reportInput: true });
  const errors = [...(parsed.success ? [] : userErrorsFromZod(parsed.error)), ...target.errors];
  const to = target.environment;
  const moves = to !== null && to.id !== annotation.environmentId;
  if (to) {
    const kept = moves ? { dashboardItem: annotation.dashboardItemId, dashboardId: annotation.dashboardId } : null;
    errors.push(...(await referenceErrors(ctx, to.id, input, errors, kept)));
  }
  if (to && parsed.success && parsed.data.scope !== undefined) {
    const after = annotationPlacement({ ...annotation, scope: parsed.data.scope, environmentId: to.id }, to);
    if (!can(principal, "annotation:write", after)) {
      const message =
        "Your key does not reach this annotation's environment: with this scope it would be out of your reach. Give environmentId " +
        "to move it to an environment your key reaches.";
      errors.push(userError(["scope"], message, "INVALID"));
    }
  }
  if (!parsed.success || !to || errors.length) return refused(...errors);
  const data = parsed.data;
  const patch: AnnotationPatch = {
    ...(moves ? { environmentId: to.id } : {}),
    ...(data.content !== undefined ? { content: data.content } : {}),
    ...(data.dateMarker !== undefined ? { dateMarker: data.dateMarker } : {}),
    ...(data.creationType !== undefined ? { creationType: data.creationType } : {}),
    ...(data.scope !== undefined ? { scope: data.scope } : {}),
    ...(data.dashboardItem !== undefined ? { dashboardItemId: data.dashboardItem } : {}),
    ...(data.dashboardId !== undefined ? { dashboardId: data.dashboardId } : {}),
  };
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<Outcome<Annotation>> => {
    // Locked: the entry's "before" is what this write really replaces.
    const before = await lockAnnotation(tx, annotation.id);
    if (!before || before.deleted) throw notFound("Annotation", ref);
    // Moved, or made or unmade organization-wide, meanwhile: who may write it, as checked above, may have changed.
    const orgWide = (a: Annotation) => a.scope === "organization";
    if (before.environmentId !== annotation.environmentId || orgWide(before) !== orgWide(annotation)) {
      return refused(userError(null, "The annotation was moved or rescoped meanwhile; read it again and retry.", "CONFLICT"));
    }
    const moved = moves
      ? diffFields(
          "Annotation",
          { environment: environment.id, project: environment.projectId },
          { environment: to.id, project: to.projectId },
          ["environment", "project"],
        )
      : [];
    const changes = [...moved, ...diffFields("Annotation", logged(before), logged({ ...before, ...patch }), LOGGED_FIELDS)];
    if (changes.length === 0) return ok(before);
    const after = await updateAnnotationRow(tx, before.id, patch);
    // Logged where it is now, as PostHog logs it under the team it moved to.
    await log(tx, ctx, to, after, "updated", changes);
    return ok(after);
  });
  return outcome.ok ? ok(remember(ctx, outcome.value)) : outcome;
}

/** Sets `deleted` (soft delete or restore), logging `activity`; null when it already had that value. */
async function setDeleted(ctx: Context, target: VisibleAnnotation, deleted: boolean, activity: string): Promise<Annotation | null> {
  return ctx.prisma.$transaction(async (tx) => {
    const after = await setAnnotationDeleted(tx, target.annotation.id, deleted);
    if (!after) return null;
    await log(tx, ctx, target.environment, after, activity, diffFields("Annotation", { deleted: !deleted }, { deleted }, ["deleted"]));
    return after;
  });
}

/** The visible annotation named by `id` (deleted ones when asked), which the caller may change. */
async function writableAnnotation(ctx: Context, id: string, opts: { includeDeleted?: boolean } = {}): Promise<VisibleAnnotation> {
  const target = await getVisibleAnnotation(ctx, id, opts);
  assertCan(viewerOf(ctx), "annotation:write", annotationPlacement(target.annotation, target.environment), { typename: "Annotation", id });
  return target;
}

/** Soft-deletes an annotation (`deleted = true`): hidden from every read afterwards. Deleting a deleted one answers NOT_FOUND. */
export async function deleteAnnotation(ctx: Context, id: string): Promise<Outcome<Annotation>> {
  const target = await writableAnnotation(ctx, id);
  const after = await setDeleted(ctx, target, true, "deleted");
  if (!after) throw notFound("Annotation", id);
  return ok(remember(ctx, after));
}

/** Restores a soft-deleted annotation (`deleted = false`). Restoring one that is not deleted changes nothing. */
export async function restoreAnnotation(ctx: Context, id: string): Promise<Outcome<Annotation>> {
  const target = await writableAnnotation(ctx, id, { includeDeleted: true });
  if (!target.annotation.deleted) return ok(target.annotation);
  // null: a concurrent restore won; the annotation is restored either way.
  const after = (await setDeleted(ctx, target, false, "restored")) ?? (await annotationNow(ctx.prisma, target.annotation.id));
  return ok(remember(ctx, after));
}
