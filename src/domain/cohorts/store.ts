// The cohorts area's statements: the one row shape every read uses (a cohort
// with its environment's organization and project and its real member count,
// read in one statement for any number of cohorts), the query that pages an
// environment's cohorts, the writes of changes, and the statements of a
// background calculation. No rule lives here (who may see or change what,
// what input is valid and what a definition means are the service's and
// calculation.ts's).
import { Prisma, type Cohort, type Person, type PrismaClient } from "../../generated/prisma/client.js";
import type { PagedQuery } from "../../db/pages.js";
import { containsPattern } from "../../db/like.js";
import { lockKey, lockRow } from "../../db/row-locks.js";
import { graphOf, type CohortGraph, type CohortNode } from "./references.js";

type Db = PrismaClient | Prisma.TransactionClient;
type Tx = Prisma.TransactionClient;

/** A cohort row plus what reads need from its environment, and its member count. */
export type CohortRow = Cohort & {
  organizationId: string;
  projectId: number;
  /** Whether its environment (or project) is being deleted: then the cohort is hidden. */
  environmentPendingDeletion: boolean;
  /** The number of CohortPerson rows: the real number of members. */
  memberCount: number;
};

/** FROM clause of cohort reads; the cohort is `t`, its environment `e`. */
const COHORT_FROM = Prisma.sql`"Cohort" t JOIN "Environment" e ON e.id = t."environmentId"`;
/** The columns of a CohortRow. */
const COHORT_SELECT = Prisma.sql`t.*, e."organizationId", e."projectId", e."isPendingDeletion" AS "environmentPendingDeletion",
  (SELECT count(*)::int FROM "CohortPerson" cp WHERE cp."cohortId" = t.id) AS "memberCount"`;

// ---- reads -----------------------------------------------------------------------

/** Cohorts by id, deleted ones included (no visibility check). */
export function fetchCohorts(db: Db, ids: readonly number[]): Promise<CohortRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.$queryRaw<CohortRow[]>`SELECT ${COHORT_SELECT} FROM ${COHORT_FROM} WHERE t.id = ANY(${[...ids]}::int[])`;
}

/** One cohort as stored now (the row shape of every read). */
export async function cohortNow(db: Db, id: number): Promise<CohortRow> {
  const [row] = await fetchCohorts(db, [id]);
  return row;
}

/** The cohort's own row, or null. */
export const cohortRecord = (db: Db, id: number): Promise<Cohort | null> => db.cohort.findUnique({ where: { id } });

/** The filters of a cohort list. */
export interface CohortFilters {
  /** The name contains this, ignoring case. */
  search?: string | null;
  /** Only static or only dynamic cohorts. */
  type?: "STATIC" | "DYNAMIC" | null;
}

/** The not-deleted cohorts of environments (parents: environment ids; a project's id names its primary environment), newest first. */
export function cohortPageQuery(filters: CohortFilters): PagedQuery {
  const conditions = [Prisma.sql`NOT t.deleted`];
  if (filters.search) conditions.push(Prisma.sql`t.name ILIKE ${containsPattern(filters.search)}`);
  if (filters.type) conditions.push(Prisma.sql`t."isStatic" = ${filters.type === "STATIC"}`);
  return {
    from: COHORT_FROM,
    select: COHORT_SELECT,
    parentColumn: Prisma.sql`t."environmentId"`,
    parentType: "int",
    where: Prisma.join(conditions, " AND "),
    orderBy: Prisma.sql`t."createdAt" DESC, t.id DESC`,
  };
}

// ---- writes of changes -------------------------------------------------------------

/** A JSON column's value on insert: the JSON, or the column's default (NULL) when there is none. */
const jsonOrDefault = (v: unknown) => (v === null || v === undefined ? undefined : (v as Prisma.InputJsonValue));
/** A nullable JSON column's new value: the JSON, or SQL NULL. */
const jsonOrNull = (v: unknown) => (v === null || v === undefined ? Prisma.DbNull : (v as Prisma.InputJsonValue));

export interface NewCohort {
  environmentId: number;
  name: string;
  description: string;
  groups: unknown;
  filters: unknown;
  query: unknown;
  isStatic: boolean;
  cohortType: string;
  createdById: number;
  isCalculating: boolean;
  pendingVersion: number | null;
  count: number | null;
  lastCalculation: Date | null;
}

export const insertCohort = (tx: Tx, c: NewCohort): Promise<Cohort> =>
  tx.cohort.create({
    data: { ...c, groups: c.groups as Prisma.InputJsonValue, filters: jsonOrDefault(c.filters), query: jsonOrDefault(c.query) },
  });

/**
 * Adds the persons of `personUuids` that exist in the environment to a
 * static cohort (others are dropped) and stores the count; answers how many
 * were added.
 */
export async function addStaticPersons(tx: Tx, cohortId: number, environmentId: number, personUuids: string[]): Promise<number> {
  const added = await tx.$executeRaw`
    INSERT INTO "CohortPerson" ("cohortId", "personId", "version")
    SELECT ${cohortId}::int, p.id, 0 FROM "Person" p
    WHERE p."environmentId" = ${environmentId}::int AND p.uuid = ANY(${personUuids}::uuid[])
    ON CONFLICT DO NOTHING`;
  await tx.cohort.update({ where: { id: cohortId }, data: { count: added } });
  return added;
}

/** Locks the cohort's row until the transaction ends, then reads it (read after the lock: the last committed version). */
export async function lockCohort(tx: Tx, id: number): Promise<CohortRow | undefined> {
  await lockRow(tx, "Cohort", id);
  return cohortNow(tx, id);
}

/** A cohort's definition as a change sets it; with `pendingVersion`, the cohort is marked calculating that version. */
export interface CohortChange {
  name: string | null;
  description: string;
  groups: unknown;
  filters: unknown;
  query: unknown;
  cohortType: string | null;
  pendingVersion?: number;
}

export async function updateCohortRow(tx: Tx, id: number, c: CohortChange): Promise<void> {
  await tx.cohort.update({
    where: { id },
    data: {
      name: c.name,
      description: c.description,
      groups: c.groups as Prisma.InputJsonValue,
      filters: jsonOrNull(c.filters),
      query: jsonOrNull(c.query),
      cohortType: c.cohortType,
      ...(c.pendingVersion === undefined ? {} : { isCalculating: true, pendingVersion: c.pendingVersion }),
    },
  });
}

/** A cohort of the graph, with what a calculation reads of it. */
export type CohortGraphNode = CohortNode & { pendingVersion: number | null; environmentId: number };

/**
 * Every cohort of a project (deleted ones included, marked deleted; as are
 * those of an environment being deleted), in one statement: the project
 * named, or the project of the cohort named.
 */
export async function cohortGraph(
  db: Db,
  of: { projectId: number } | { cohortId: number },
): Promise<ReadonlyMap<number, CohortGraphNode> & CohortGraph> {
  const project =
    "projectId" in of
      ? Prisma.sql`${of.projectId}::int`
      : Prisma.sql`(SELECT e2."projectId" FROM "Cohort" c2 JOIN "Environment" e2 ON e2.id = c2."environmentId"
          WHERE c2.id = ${of.cohortId}::int)`;
  const rows = await db.$queryRaw<CohortGraphNode[]>`
    SELECT t.id, t.name, (t.deleted OR e."isPendingDeletion") AS deleted, t."isStatic", t.filters, t.query, t."pendingVersion",
      t."environmentId"
    FROM ${COHORT_FROM} WHERE e."projectId" = ${project}`;
  return graphOf(rows) as ReadonlyMap<number, CohortGraphNode>;
}

/**
 * Serialises the changes that add references between a project's cohorts
 * (until each commits), so two changes at the same moment cannot close a
 * loop (A → B and B → A) that neither sees alone. Taken before any row lock.
 */
export const lockCohortReferences = (tx: Tx, projectId: number): Promise<void> => lockKey(tx, `cohort-references:${projectId}`);

/**
 * Marks dynamic, not deleted cohorts calculating their next version, in one
 * statement (a change at the same moment gets a version of its own); answers
 * the versions of those it marked.
 */
export function markCalculating(db: Db, ids: readonly number[]): Promise<{ id: number; version: number }[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.$queryRaw<{ id: number; version: number }[]>`
    UPDATE "Cohort" SET "isCalculating" = true, "pendingVersion" = greatest(coalesce("pendingVersion", 0), coalesce(version, 0)) + 1
    WHERE id = ANY(${[...ids]}::int[]) AND NOT deleted AND NOT "isStatic" RETURNING id, "pendingVersion" AS version`;
}

/** Sets `deleted` in one statement unless it has that value already; answers whether it changed. */
export async function setCohortDeleted(tx: Tx, id: number, deleted: boolean): Promise<boolean> {
  const { count } = await tx.cohort.updateMany({ where: { id, deleted: !deleted }, data: { deleted } });
  return count > 0;
}

// ---- a calculation's statements ---------------------------------------------------------

/** Locks the cohort's row for a calculation: its pending version and environment (undefined when gone). */
export async function lockForCalculation(
  tx: Tx,
  id: number,
): Promise<{ pendingVersion: number | null; environmentId: number } | undefined> {
  const [row] = await tx.$queryRaw<{ pendingVersion: number | null; environmentId: number }[]>`
    SELECT "pendingVersion", "environmentId" FROM "Cohort" WHERE id = ${id} FOR UPDATE`;
  return row;
}

/** Fails (the database's error) when a pattern is not a valid regular expression, even when no row would be matched against it. */
export async function checkPatterns(tx: Tx, patterns: string[]): Promise<void> {
  await tx.$queryRaw`SELECT bool_and('' ~ pattern) AS ok FROM unnest(${patterns}::text[]) AS pattern`;
}

/** Replaces a cohort's members by the environment's persons (`p`) matching `where`, as `version`; answers how many. */
export async function replaceMembers(tx: Tx, cohortId: number, environmentId: number, version: number, where: Prisma.Sql): Promise<number> {
  await tx.cohortPerson.deleteMany({ where: { cohortId } });
  return tx.$executeRaw`
    INSERT INTO "CohortPerson" ("cohortId", "personId", "version")
    SELECT ${cohortId}::int, p.id, ${version}::int FROM "Person" p
    WHERE p."environmentId" = ${environmentId}::int AND ${where}`;
}

/** Records a successful calculation of `version` with `count` members. */
export async function recordCalculated(tx: Tx, cohortId: number, version: number, count: number): Promise<void> {
  await tx.cohort.update({
    where: { id: cohortId },
    data: { count, version, isCalculating: false, lastCalculation: new Date(), errorsCalculating: 0, lastErrorMessage: null },
  });
}

/**
 * Records a failed calculation. `uncalculable`: the definition cannot be
 * calculated here at all, so the members and count are cleared too.
 */
export async function recordCalculationFailure(tx: Tx, cohortId: number, message: string, uncalculable: boolean): Promise<void> {
  if (uncalculable) await tx.cohortPerson.deleteMany({ where: { cohortId } });
  await tx.cohort.update({
    where: { id: cohortId },
    data: {
      isCalculating: false,
      errorsCalculating: { increment: 1 },
      lastErrorMessage: message,
      ...(uncalculable ? { count: null } : {}),
    },
  });
}

// ---- persons ------------------------------------------------------------------------------

/** A person of an environment, as a cohort's persons list shows it. */
export type PersonRow = Pick<Person, "id" | "uuid" | "distinctIds" | "properties" | "createdAt">;

/** The persons of an environment named by UUIDs or distinct ids (in one statement). */
export function personsByIds(
  db: Db,
  environmentId: number,
  uuids: readonly string[],
  distinctIds: readonly string[],
): Promise<PersonRow[]> {
  return db.$queryRaw<PersonRow[]>`
    SELECT p.id, p.uuid::text AS uuid, p."distinctIds", p.properties, p."createdAt" FROM "Person" p
    WHERE p."environmentId" = ${environmentId}::int
      AND (p.uuid = ANY(${[...uuids]}::uuid[]) OR p."distinctIds" && ${[...distinctIds]}::text[])`;
}

/** Adds persons (by row id) to a static cohort; those already members stay as they are. Answers how many were added. */
export const insertMembers = (tx: Tx, cohortId: number, personIds: readonly number[]): Promise<number> =>
  tx.$executeRaw`
    INSERT INTO "CohortPerson" ("cohortId", "personId", "version")
    SELECT ${cohortId}::int, id, 0 FROM unnest(${[...personIds]}::int[]) AS id
    ON CONFLICT DO NOTHING`;

/** Removes persons (by row id) from a cohort; answers how many were members. */
export const deleteMembers = async (tx: Tx, cohortId: number, personIds: readonly number[]): Promise<number> =>
  (await tx.cohortPerson.deleteMany({ where: { cohortId, personId: { in: [...personIds] } } })).count;

/** Stores a static cohort's count: its number of members now. */
export async function recountStaticCohort(tx: Tx, cohortId: number): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Cohort" SET count = (SELECT count(*)::int FROM "CohortPerson" WHERE "cohortId" = ${cohortId}::int),
      "lastCalculation" = now() WHERE id = ${cohortId}::int`;
}

/** A cohort's members (parents: cohort ids), newest person first. */
export const cohortPersonsPageQuery: PagedQuery = {
  from: Prisma.sql`"CohortPerson" cp JOIN "Person" t ON t.id = cp."personId"`,
  select: Prisma.sql`t.id, t.uuid::text AS uuid, t."distinctIds", t.properties, t."createdAt"`,
  parentColumn: Prisma.sql`cp."cohortId"`,
  parentType: "int",
  orderBy: Prisma.sql`t."createdAt" DESC, t.id DESC`,
};

/** The person of the environment holding a distinct id, or null. */
export const personWithDistinctId = (db: Db, environmentId: number, distinctId: string): Promise<Pick<Person, "uuid"> | null> =>
  db.person.findFirst({ where: { environmentId, distinctIds: { has: distinctId } }, select: { uuid: true } });

export const insertPerson = (db: Db, p: { environmentId: number; distinctId: string; properties: object }): Promise<Person> =>
  db.person.create({
    data: { environmentId: p.environmentId, distinctIds: [p.distinctId], properties: p.properties as Prisma.InputJsonValue },
  });
