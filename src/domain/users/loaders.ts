import type { PrismaClient, User } from "../../generated/prisma/client.js";
import { groupLoader, rowLoader } from "../../db/loader.js";

export function userLoaders(prisma: PrismaClient) {
  return {
    userById: rowLoader<number, User>((ids) => prisma.user.findMany({ where: { id: { in: ids } } }), (u) => u.id),
    /** The organization ids each user belongs to (for deciding whether a user is visible). */
    organizationIdsByUser: groupLoader<number, { userId: number; organizationId: string }>(
      (ids) =>
        prisma.organizationMembership.findMany({
          where: { userId: { in: ids } },
          select: { userId: true, organizationId: true },
        }),
      (m) => m.userId,
    ),
  };
}
