import type { PrismaClient } from "../../generated/prisma/client.js";

export function cohortsLoaders(_prisma: PrismaClient) {
  return {};
}
