import type { PrismaClient, Role } from "../../generated/prisma/client.js";
import { rowLoader } from "../../db/loader.js";

export function rolesLoaders(prisma: PrismaClient) {
  return {
    /** Roles by id (no visibility check: callers decide with the role's organizationId). */
    roleById: rowLoader<string, Role>((ids) => prisma.role.findMany({ where: { id: { in: ids } } }), (r) => r.id),
  };
}
