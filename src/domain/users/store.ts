// The users area's queries: users by id, and the organizations each belongs
// to (what decides whether a user is visible).
import { Prisma, type User } from "../../generated/prisma/client.js";
import type { Database } from "../../db/client.js";

/** The client or a transaction: every function runs in either. */
type Db = Prisma.TransactionClient;

/**
 * Users by id, in no order (the userById loader: every creator of a page of annotations, every member of a page).
 * Straight through the driver (db.sql), as the pages are: Prisma's query path costs more CPU than the read itself.
 * The driver parses the row as Prisma would (timestamptz → Date, json → value).
 */
export const usersByIds = (db: Pick<Database, "sql">, ids: number[]): Promise<User[]> =>
  db.sql<User>(Prisma.sql`SELECT * FROM "User" WHERE id = ANY(${ids}::int[])`);

/** The memberships of these users: which organizations each belongs to. */
export const organizationIdsOfUsers = (db: Db, userIds: number[]): Promise<{ userId: number; organizationId: string }[]> =>
  db.organizationMembership.findMany({ where: { userId: { in: userIds } }, select: { userId: true, organizationId: true } });
