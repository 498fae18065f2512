// DataLoaders of the annotations area: annotations, and the dashboards and
// insights they point at (for dashboardName, insightShortId, ...), one
// statement per batch.
import type { Annotation, Dashboard, Insight, PrismaClient } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";

export function annotationsLoaders(prisma: PrismaClient) {
  return {
    /** Annotations by id, deleted ones included (no visibility check: callers decide, see service.ts). */
    annotationById: rowLoader<number, Annotation>((ids) => prisma.annotation.findMany({ where: { id: { in: ids } } }), (a) => a.id),
    /** Dashboards by id (no visibility check: callers compare its environmentId). */
    dashboardById: rowLoader<number, Dashboard>((ids) => prisma.dashboard.findMany({ where: { id: { in: ids } } }), (d) => d.id),
    /** Insights by id (no visibility check: callers compare its environmentId). */
    insightById: rowLoader<number, Insight>((ids) => prisma.insight.findMany({ where: { id: { in: ids } } }), (i) => i.id),
  };
}
