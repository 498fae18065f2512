import type { Organization, PrismaClient } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";
import { organizationsByIds } from "./store.js";

export function organizationLoaders(prisma: PrismaClient) {
  return {
    organizationById: rowLoader<string, Organization>(
      (ids) => organizationsByIds(prisma, ids),
      (o) => o.id,
    ),
  };
}
