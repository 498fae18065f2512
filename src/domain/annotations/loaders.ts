import type { PrismaClient } from "../../generated/prisma/client.js";

export function annotationsLoaders(_prisma: PrismaClient) {
  return {};
}
