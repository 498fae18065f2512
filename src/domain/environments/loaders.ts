import type { PrismaClient } from "../../generated/prisma/client.js";

export function environmentsLoaders(_prisma: PrismaClient) {
  return {};
}
