import type { Environment, PrismaClient, Project } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";
import { hydrateEnvironment, isRowId } from "../environments/loaders.js";

/** A project with its primary environment (same id), where its settings and tokens live. */
export type ProjectWithPrimary = Project & { primaryEnvironment: Environment };

/** Selects a project row plus its primary environment as JSON: one statement, no per-field lookups. */
export const PROJECT_WITH_PRIMARY_SELECT = Prisma.sql`t.*, row_to_json(pe) AS "primaryEnvironment"`;
export const PROJECT_WITH_PRIMARY_FROM = Prisma.sql`"Project" t JOIN "Environment" pe ON pe.id = t.id`;

export function hydrateProject(row: Project & { primaryEnvironment: unknown }): ProjectWithPrimary {
  const env = row.primaryEnvironment as Record<string, unknown> | Environment;
  return { ...row, primaryEnvironment: env instanceof Object && "createdAt" in env && !(env.createdAt instanceof Date) ? hydrateEnvironment(env as Record<string, unknown>) : (env as Environment) };
}

export async function fetchProjectsWithPrimary(prisma: PrismaClient, ids: number[]): Promise<ProjectWithPrimary[]> {
  const valid = ids.filter(isRowId);
  if (valid.length === 0) return [];
  const rows = await prisma.$queryRaw<(Project & { primaryEnvironment: unknown })[]>`
    SELECT ${PROJECT_WITH_PRIMARY_SELECT} FROM ${PROJECT_WITH_PRIMARY_FROM} WHERE t.id = ANY(${valid}::int[])`;
  return rows.map(hydrateProject);
}

export function projectsLoaders(prisma: PrismaClient) {
  return {
    projectById: rowLoader<number, ProjectWithPrimary>((ids) => fetchProjectsWithPrimary(prisma, ids), (p) => p.id),
  };
}
