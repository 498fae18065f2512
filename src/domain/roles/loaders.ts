import type { PrismaClient } from "../../generated/prisma/client.js";

export function rolesLoaders(_prisma: PrismaClient) {
  return {};
}
