// Every area's DataLoaders, created fresh for each request (see context.ts).
import type { PrismaClient } from "./generated/prisma/client.js";
import { userLoaders } from "./domain/users/loaders.js";
import { organizationLoaders } from "./domain/organizations/loaders.js";

export function createLoaders(prisma: PrismaClient) {
  return {
    ...userLoaders(prisma),
    ...organizationLoaders(prisma),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
