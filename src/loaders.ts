// Every area's DataLoaders, created fresh for each request (see context.ts).
import type { Database } from "./db/client.js";
import { userLoaders } from "./domain/users/loaders.js";
import { organizationLoaders } from "./domain/organizations/loaders.js";
import { projectsLoaders } from "./domain/projects/loaders.js";
import { environmentsLoaders } from "./domain/environments/loaders.js";
import { rolesLoaders } from "./domain/roles/loaders.js";
import { annotationsLoaders } from "./domain/annotations/loaders.js";
import { cohortsLoaders } from "./domain/cohorts/loaders.js";

export function createLoaders(db: Database) {
  const prisma = db.prisma;
  return {
    ...userLoaders(db),
    ...organizationLoaders(prisma),
    ...projectsLoaders(prisma),
    ...environmentsLoaders(prisma),
    ...rolesLoaders(prisma),
    ...annotationsLoaders(prisma),
    ...cohortsLoaders(prisma),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
