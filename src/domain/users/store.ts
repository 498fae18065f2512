// The users area's queries: users by id, and the organizations each belongs
// to (what decides whether a user is visible).
import type { Prisma, User } from "../../generated/prisma/client.js";

/** The client or a transaction: every function runs in either. */
type Db = Prisma.TransactionClient;

/** Users by id, in no order (the userById loader). */
export const usersByIds = (db: Db, ids: number[]): Promise<User[]> => db.user.findMany({ where: { id: { in: ids } } });

/** The memberships of these users: which organizations each belongs to. */
export const organizationIdsOfUsers = (db: Db, userIds: number[]): Promise<{ userId: number; organizationId: string }[]> =>
  db.organizationMembership.findMany({ where: { userId: { in: userIds } }, select: { userId: true, organizationId: true } });
