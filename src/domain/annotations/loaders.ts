// DataLoaders of the annotations area: annotations, and the dashboards and
// insights they point at (for dashboardName, insightShortId, ...), one
// statement per batch (the statements are in store.ts).
import type { Annotation, Dashboard, Insight, PrismaClient } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";
import { annotationsByIds, dashboardsByIds, insightsByIds } from "./store.js";

export function annotationsLoaders(prisma: PrismaClient) {
  return {
    /** Annotations by id, deleted ones included (no visibility check: callers decide, see service.ts). */
    annotationById: rowLoader<number, Annotation>(
      (ids) => annotationsByIds(prisma, ids),
      (a) => a.id,
    ),
    /** Dashboards by id (no visibility check: callers compare its environmentId). */
    dashboardById: rowLoader<number, Dashboard>(
      (ids) => dashboardsByIds(prisma, ids),
      (d) => d.id,
    ),
    /** Insights by id (no visibility check: callers compare its environmentId). */
    insightById: rowLoader<number, Insight>(
      (ids) => insightsByIds(prisma, ids),
      (i) => i.id,
    ),
  };
}
