// The projects' DataLoaders (one set per request).
import type { PrismaClient } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";
import { projectsWithPrimary, type ProjectWithPrimary } from "./store.js";

export function projectsLoaders(prisma: PrismaClient) {
  return {
    projectById: rowLoader<number, ProjectWithPrimary>(
      (ids) => projectsWithPrimary(prisma, ids),
      (p) => p.id,
    ),
  };
}
