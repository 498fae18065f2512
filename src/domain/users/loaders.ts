import type { User } from "../../generated/prisma/client.js";
import type { Database } from "../../db/client.js";
import { groupLoader, rowLoader } from "../../db/loader.js";
import { organizationIdsOfUsers, usersByIds } from "./store.js";

export function userLoaders(db: Database) {
  const prisma = db.prisma;
  return {
    userById: rowLoader<number, User>(
      (ids) => usersByIds(db, ids),
      (u) => u.id,
    ),
    /** The organization ids each user belongs to (for deciding whether a user is visible). */
    organizationIdsByUser: groupLoader<number, { userId: number; organizationId: string }>(
      (ids) => organizationIdsOfUsers(prisma, ids),
      (m) => m.userId,
    ),
  };
}
