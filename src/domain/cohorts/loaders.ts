// DataLoaders of the cohorts area: cohorts by id in the one row shape every
// read uses (store.ts), one statement per batch.
import type { PrismaClient } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";
import { fetchCohorts, type CohortRow } from "./store.js";

export type { CohortRow } from "./store.js";

export function cohortsLoaders(prisma: PrismaClient) {
  return {
    /** Cohorts by id, with organization, project and member count; deleted ones included (callers check visibility). */
    cohortById: rowLoader<number, CohortRow>(
      (ids) => fetchCohorts(prisma, ids),
      (c) => c.id,
    ),
  };
}
