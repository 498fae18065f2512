import type { PrismaClient, Role } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";
import { rolesByIds } from "./store.js";

export function rolesLoaders(prisma: PrismaClient) {
  return {
    /** Roles by id (no visibility check: callers decide with the role's organizationId). */
    roleById: rowLoader<string, Role>(
      (ids) => rolesByIds(prisma, ids),
      (r) => r.id,
    ),
  };
}
