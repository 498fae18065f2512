// The projects' store: every query and write of Project rows (with their
// primary environment, which holds a project's settings and tokens), and the
// page SQL of Organization.projects. No rules here: the service decides.
import type { Environment, Project, PrismaClient } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { Database } from "../../db/client.js";
import { containsPattern } from "../../db/like.js";
import { lockRow } from "../../db/row-locks.js";
import { loadPagesByParent, selectColumns, type Page, type PagedQuery, type PageOptions, type PageWindow } from "../../db/pages.js";
import type { StoredSettings } from "../settings/registry.js";
import { freshTokens, hydrateEnvironment, isRowId } from "../environments/store.js";

type Db = PrismaClient | Prisma.TransactionClient;
type Tx = Prisma.TransactionClient;

/** A project with its primary environment (same id), where its settings and tokens live. */
export type ProjectWithPrimary = Project & { primaryEnvironment: Environment };

type ProjectRow = Project & { primaryEnvironment: unknown };

/** A project row plus its primary environment as JSON: one statement, no per-field lookups. */
const WITH_PRIMARY_SELECT = Prisma.sql`t.*, row_to_json(pe) AS "primaryEnvironment"`;
const WITH_PRIMARY_FROM = Prisma.sql`"Project" t JOIN "Environment" pe ON pe.id = t.id`;

/** The pseudo-column of a page's selection that asks for the primary environment (a field's `columns` extension names it). */
export const PRIMARY_ENVIRONMENT = "primaryEnvironment";

/** What a page of projects reads: only the selected columns, and the primary environment only when a field needs it. */
function projectPageSource(columns: readonly string[] | null): Pick<PagedQuery, "select"> & { from: Prisma.Sql } {
  const own = columns?.filter((c) => c !== PRIMARY_ENVIRONMENT) ?? null;
  const select = selectColumns(own, ["id", "organizationId"], Prisma.ProjectScalarFieldEnum);
  if (columns !== null && !columns.includes(PRIMARY_ENVIRONMENT)) return { from: Prisma.sql`"Project" t`, select };
  return { from: WITH_PRIMARY_FROM, select: Prisma.sql`${select}, row_to_json(pe) AS "primaryEnvironment"` };
}

function hydrateProject(row: ProjectRow): ProjectWithPrimary {
  // A page whose selection needs no primary environment did not read it (see projectPageSource).
  if (row.primaryEnvironment === undefined) return row as ProjectWithPrimary;
  const env = row.primaryEnvironment as Record<string, unknown> | Environment;
  const json = env instanceof Object && "createdAt" in env && !(env.createdAt instanceof Date);
  return { ...row, primaryEnvironment: json ? hydrateEnvironment(env as Record<string, unknown>) : (env as Environment) };
}

// ---- reads -------------------------------------------------------------------------

/** Projects with their primary environments, by id (ids that cannot be a row never reach SQL). */
export async function projectsWithPrimary(prisma: PrismaClient, ids: readonly number[]): Promise<ProjectWithPrimary[]> {
  const valid = ids.filter(isRowId);
  if (valid.length === 0) return [];
  const rows = await prisma.$queryRaw<ProjectRow[]>`
    SELECT ${WITH_PRIMARY_SELECT} FROM ${WITH_PRIMARY_FROM} WHERE t.id = ANY(${valid}::int[])`;
  return rows.map(hydrateProject);
}

/** A project as it is now (after a change), with its primary environment. */
export async function projectWithPrimary(prisma: PrismaClient, id: number): Promise<ProjectWithPrimary> {
  return (await projectsWithPrimary(prisma, [id]))[0];
}

export interface ProjectListFilter {
  /** Only names containing this, ignoring case. */
  search?: string | null;
  /** The project ids the key is limited to (empty: all). */
  reachable: readonly number[];
  /** The columns the selection reads (null: all), see src/schema/selection.ts; the keys are always read. */
  columns?: readonly string[] | null;
}

/**
 * One page of each organization's projects (not pending deletion, oldest
 * first), for every organization in one statement; in the order of `organizationIds`.
 * With `filter.columns`, each row holds only those columns and the keys (and its
 * primary environment only when they name it): the fields that read a row
 * declare what they read (src/schema/selection.ts).
 */
export async function projectPagesByOrganization(
  db: Pick<Database, "sql">,
  organizationIds: readonly string[],
  filter: ProjectListFilter,
  window: PageWindow,
  options: PageOptions,
): Promise<Page<ProjectWithPrimary>[]> {
  const conditions = [Prisma.sql`NOT t."isPendingDeletion"`];
  if (filter.search) conditions.push(Prisma.sql`t.name ILIKE ${containsPattern(filter.search)}`);
  if (filter.reachable.length) conditions.push(Prisma.sql`t.id = ANY(${[...filter.reachable]}::int[])`);
  const query: PagedQuery = {
    ...projectPageSource(filter.columns ?? null),
    parentColumn: Prisma.sql`t."organizationId"`,
    parentType: "uuid",
    where: Prisma.join(conditions, " AND "),
    orderBy: Prisma.sql`t."createdAt", t.id`,
  };
  const pages = await loadPagesByParent<ProjectRow>(db, query, organizationIds, window, options);
  return pages.map((page) => ({ ...page, rows: page.rows.map(hydrateProject) }));
}

// ---- writes ------------------------------------------------------------------------

/** Inserts a project and its primary environment (same id) with fresh tokens: three statements. */
export async function insertProject(
  db: Db,
  organizationId: string,
  name: string,
  settings: StoredSettings = {},
  { productDescription = null }: { productDescription?: string | null } = {},
) {
  const [{ id }] = await db.$queryRaw<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence('"Environment"', 'id'))::int AS id`;
  const project = await db.project.create({ data: { id, organizationId, name, productDescription } });
  const environment = await db.environment.create({
    data: { id, projectId: id, organizationId, name, ...freshTokens(), settings: settings as Prisma.InputJsonValue },
  });
  return { project, environment };
}

/** Whether another project of the organization, not pending deletion, has this name (ignoring case). */
export async function nameTaken(tx: Tx, organizationId: string, name: string, exceptId?: number): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM "Project" WHERE "organizationId" = ${organizationId}::uuid AND lower(name) = lower(${name})
      AND NOT "isPendingDeletion" AND id <> ${exceptId ?? 0}`;
  return rows.length > 0;
}

/** The project row as stored now, locked until the transaction ends (see src/db/row-locks.ts). */
export async function lockedProject(tx: Tx, id: number): Promise<Project> {
  await lockRow(tx, "Project", id);
  return tx.project.findUniqueOrThrow({ where: { id } });
}

export async function updateProjectRow(tx: Tx, id: number, data: { name: string; productDescription: string | null }): Promise<void> {
  await tx.project.update({ where: { id }, data });
}

/**
 * Marks a project and its environments pending deletion; answers the project
 * as it is now (the update locked it), or null when it already was.
 */
export async function markProjectDeleted(tx: Tx, id: number): Promise<Project | null> {
  const { count } = await tx.project.updateMany({ where: { id, isPendingDeletion: false }, data: { isPendingDeletion: true } });
  if (count === 0) return null;
  const current = await tx.project.findUniqueOrThrow({ where: { id } });
  await tx.environment.updateMany({ where: { projectId: id }, data: { isPendingDeletion: true } });
  return current;
}

/** Moves a project, its environments and their annotations to another organization. */
export async function moveProject(tx: Tx, id: number, organizationId: string): Promise<void> {
  await tx.project.update({ where: { id }, data: { organizationId } });
  await tx.environment.updateMany({ where: { projectId: id }, data: { organizationId } });
  await tx.annotation.updateMany({ where: { environment: { projectId: id } }, data: { organizationId } });
}
