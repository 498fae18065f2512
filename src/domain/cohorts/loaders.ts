// DataLoaders of the cohorts area, and the one row shape every read uses: a
// cohort with its environment's organization and project and its real
// member count, read in one statement for any number of cohorts.
import type { Cohort, Prisma, PrismaClient } from "../../generated/prisma/client.js";
import { Prisma as P } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";

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
export const COHORT_FROM = P.sql`"Cohort" t JOIN "Environment" e ON e.id = t."environmentId"`;
/** The columns of a CohortRow. */
export const COHORT_SELECT = P.sql`t.*, e."organizationId", e."projectId", e."isPendingDeletion" AS "environmentPendingDeletion",
  (SELECT count(*)::int FROM "CohortPerson" cp WHERE cp."cohortId" = t.id) AS "memberCount"`;

type Db = PrismaClient | Prisma.TransactionClient;

/** Cohorts by id, deleted ones included (no visibility check: see service.ts). */
export function fetchCohorts(db: Db, ids: readonly number[]): Promise<CohortRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.$queryRaw<CohortRow[]>`SELECT ${COHORT_SELECT} FROM ${COHORT_FROM} WHERE t.id = ANY(${[...ids]}::int[])`;
}

export function cohortsLoaders(prisma: PrismaClient) {
  return {
    /** Cohorts by id, with organization, project and member count; deleted ones included (callers check visibility). */
    cohortById: rowLoader<number, CohortRow>((ids) => fetchCohorts(prisma, ids), (c) => c.id),
  };
}
