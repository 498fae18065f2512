// The annotations area's statements: annotations, and the dashboards and
// insights they point at, by id; the query that pages an environment's
// annotations; and the writes. No rule lives here (who may see or change
// what, and what input is valid, are the service's).
import { Prisma, type Annotation, type Dashboard, type Insight, type PrismaClient } from "../../generated/prisma/client.js";
import { joinedColumns, ownColumns, selectColumns, type PagedQuery } from "../../db/pages.js";
import { containsPattern } from "../../db/like.js";
import { lockRow } from "../../db/row-locks.js";
import { joinedUser, type UserRecord } from "../users/store.js";
import type { AnnotationScopeValue } from "./validation.js";

type Db = PrismaClient | Prisma.TransactionClient;
type Tx = Prisma.TransactionClient;

// ---- reads -----------------------------------------------------------------------

/** Annotations by id, deleted ones included (no visibility check). */
export const annotationsByIds = (db: Db, ids: number[]): Promise<Annotation[]> => db.annotation.findMany({ where: { id: { in: ids } } });

/** Dashboards by id (no visibility check). */
export const dashboardsByIds = (db: Db, ids: number[]): Promise<Dashboard[]> => db.dashboard.findMany({ where: { id: { in: ids } } });

/** Insights by id (no visibility check). */
export const insightsByIds = (db: Db, ids: number[]): Promise<Insight[]> => db.insight.findMany({ where: { id: { in: ids } } });

/** An insight by its short id, or null. */
export const insightByShortId = (db: Db, shortId: string): Promise<Insight | null> => db.insight.findUnique({ where: { shortId } });

/** The annotation as stored now. */
export const annotationNow = (db: Db, id: number): Promise<Annotation> => db.annotation.findUniqueOrThrow({ where: { id } });

// ---- lists -----------------------------------------------------------------------

/** The filters of an annotation list. */
export interface AnnotationFilters {
  /** Every whitespace-separated term must appear in the content, ignoring case. */
  search?: string | null;
  scope?: AnnotationScopeValue | null;
  /** dateMarker at or after. */
  dateFrom?: Date | null;
  /** dateMarker at or before. */
  dateTo?: Date | null;
}

/**
 * Each environment's annotations (`pe` is the environment), in two disjoint branches over `t`: its own, and the
 * organization-scoped ones of its organization's other environments not pending deletion. Each branch reads its page
 * straight from an index in the list's order (prisma/migrations/0005_annotation_page_order): PostgreSQL reads a page's
 * rows per environment, not every annotation of it (see PagedQuery's `branches`).
 */
const ENVIRONMENT_OF_PARENT = Prisma.sql`JOIN "Environment" pe ON pe.id = p.parent`;
const OWN_ANNOTATIONS = Prisma.sql`FROM "Annotation" t WHERE t."environmentId" = pe.id AND NOT pe."isPendingDeletion"`;
const ORGANIZATION_ANNOTATIONS = Prisma.sql`FROM "Annotation" t
  WHERE t.scope = 'organization' AND t."organizationId" = pe."organizationId" AND t."environmentId" <> pe.id
  AND NOT EXISTS (SELECT FROM "Environment" te WHERE te.id = t."environmentId" AND te."isPendingDeletion")`;

/** The join of an annotation page that reads each annotation's author with it (`createdBy.email`: see readsJoined). */
export const CREATED_BY = "createdBy";

/** An annotation of a page: with its author when the page's selection reads it (undefined when it did not). */
export type AnnotationRow = Annotation & { createdBy?: UserRecord | null };

/**
 * The annotations of environments (parents: environment ids; a project's id
 * names its primary environment): each environment's own plus the
 * ORGANIZATION-scoped ones of its organization (from any of its environments
 * not pending deletion); not deleted; newest dateMarker first (no dateMarker
 * last), then newest id.
 */
export function annotationPageQuery(filters: AnnotationFilters, columns: readonly string[] | null = null): PagedQuery {
  const conditions = [Prisma.sql`NOT t.deleted`];
  for (const term of (filters.search ?? "").split(/\s+/).filter(Boolean))
    conditions.push(Prisma.sql`t.content ILIKE ${containsPattern(term)}`);
  if (filters.scope) conditions.push(Prisma.sql`t.scope = ${filters.scope}`);
  if (filters.dateFrom) conditions.push(Prisma.sql`t."dateMarker" >= ${filters.dateFrom}::timestamptz`);
  if (filters.dateTo) conditions.push(Prisma.sql`t."dateMarker" <= ${filters.dateTo}::timestamptz`);
  return {
    branches: [OWN_ANNOTATIONS, ORGANIZATION_ANNOTATIONS],
    parentJoin: ENVIRONMENT_OF_PARENT,
    // The selected columns (null: all) and the order's columns (the branches merge on them). A field that reads any other
    // column (its place, e.g. `environment`) declares it or reads them all (src/schema/selection.ts).
    select: selectColumns(ownColumns(columns), ["id", "dateMarker"], Prisma.AnnotationScalarFieldEnum),
    parentType: "int",
    where: Prisma.join(conditions, " AND "),
    orderBy: Prisma.sql`t."dateMarker" DESC NULLS LAST, t.id DESC`,
    ...authorOfEachRow(columns),
  };
}

/**
 * The author of each annotation of a page, when its selection reads one (a `createdBy.` column). A selection that
 * does not say what it reads (null) reads no author: createdBy then loads it by `createdById`.
 */
function authorOfEachRow(columns: readonly string[] | null): Pick<PagedQuery, "joined"> {
  if (columns === null) return {};
  const author = joinedColumns(columns, CREATED_BY);
  if (author === undefined) return {};
  return { joined: joinedUser(Prisma.raw('pr."createdById"'), author, CREATED_BY) };
}

// ---- writes ----------------------------------------------------------------------

/** The columns a new annotation takes besides its place and author. */
type AnnotationFields = Pick<Annotation, "content" | "dateMarker" | "creationType" | "scope" | "dashboardItemId" | "dashboardId">;

/** The columns a change may set: the fields, and the environment (a move within the organization). */
export type AnnotationPatch = Partial<AnnotationFields & Pick<Annotation, "environmentId">>;

export type NewAnnotation = Pick<Annotation, "organizationId" | "environmentId" | "createdById"> & AnnotationFields;

export const insertAnnotation = (tx: Tx, data: NewAnnotation): Promise<Annotation> => tx.annotation.create({ data });

/** Locks the annotation's row until the transaction ends, then reads it (null when it is gone). */
export async function lockAnnotation(tx: Tx, id: number): Promise<Annotation | null> {
  await lockRow(tx, "Annotation", id);
  return tx.annotation.findUnique({ where: { id } });
}

export const updateAnnotationRow = (tx: Tx, id: number, patch: AnnotationPatch): Promise<Annotation> =>
  tx.annotation.update({ where: { id }, data: patch });

/** Sets `deleted` in one statement unless it has that value already; the row after, or null when it had. */
export async function setAnnotationDeleted(tx: Tx, id: number, deleted: boolean): Promise<Annotation | null> {
  const { count } = await tx.annotation.updateMany({ where: { id, deleted: !deleted }, data: { deleted, updatedAt: new Date() } });
  if (count === 0) return null;
  return tx.annotation.findUniqueOrThrow({ where: { id } });
}

// ---- what annotations point at (operator CLI) ----------------------------------------

export const insertDashboard = (db: Db, data: Pick<Dashboard, "environmentId" | "name">): Promise<Dashboard> =>
  db.dashboard.create({ data });

export const insertInsight = (db: Db, data: Pick<Insight, "environmentId" | "shortId" | "name" | "derivedName">): Promise<Insight> =>
  db.insight.create({ data });
