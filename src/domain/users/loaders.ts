import type { PrismaClient, User } from "../../generated/prisma/client.js";
import { groupLoader, rowLoader } from "../../db/loader.js";
import { organizationIdsOfUsers, usersByIds } from "./store.js";

export function userLoaders(prisma: PrismaClient) {
  return {
    userById: rowLoader<number, User>(
      (ids) => usersByIds(prisma, ids),
      (u) => u.id,
    ),
    /** The organization ids each user belongs to (for deciding whether a user is visible). */
    organizationIdsByUser: groupLoader<number, { userId: number; organizationId: string }>(
      (ids) => organizationIdsOfUsers(prisma, ids),
      (m) => m.userId,
    ),
  };
}
