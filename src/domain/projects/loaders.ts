import type { PrismaClient } from "../../generated/prisma/client.js";

export function projectsLoaders(_prisma: PrismaClient) {
  return {};
}
