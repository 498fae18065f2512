import type { Organization, PrismaClient } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";

export function organizationLoaders(prisma: PrismaClient) {
  return {
    organizationById: rowLoader<string, Organization>(
      (ids) => prisma.organization.findMany({ where: { id: { in: ids } } }),
      (o) => o.id,
    ),
  };
}
