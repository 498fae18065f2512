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

/** A user as the User type reads one: the columns its fields read (a joined author carries only these). */
export type UserRecord = Pick<User, (typeof USER_FIELD_COLUMNS)[number]>;

/** The columns the User type's fields read; a join whose selection does not say reads all of them. */
export const USER_FIELD_COLUMNS = [
  "id",
  "uuid",
  "distinctId",
  "firstName",
  "lastName",
  "email",
  "isEmailVerified",
  "hedgehogConfig",
  "roleAtOrganization",
] as const;

const isUserColumn = (column: string) => (USER_FIELD_COLUMNS as readonly string[]).includes(column);

/**
 * A user referenced by `idColumn` of each row of a page (e.g. an annotation's author), joined to the page's
 * statement (PagedQuery's `joined`) and read as `as`: JSON with these columns (null: every column the User type
 * reads) and `id`, or NULL when there is none. No second statement, and the author resolves from the row without a
 * DataLoader round.
 */
export function joinedUser(idColumn: Prisma.Sql, columns: readonly string[] | null, as: string): { join: Prisma.Sql; select: Prisma.Sql } {
  const wanted = columns?.every(isUserColumn) ? [...new Set(["id", ...columns])] : USER_FIELD_COLUMNS;
  const fields = Prisma.raw(wanted.map((c) => `'${c}', ju."${c}"`).join(", "));
  return {
    join: Prisma.sql`LEFT JOIN "User" ju ON ju.id = ${idColumn}`,
    select: Prisma.sql`CASE WHEN ju.id IS NULL THEN NULL ELSE json_build_object(${fields}) END AS ${Prisma.raw(`"${as}"`)}`,
  };
}

/** The memberships of these users: which organizations each belongs to. */
export const organizationIdsOfUsers = (db: Db, userIds: number[]): Promise<{ userId: number; organizationId: string }[]> =>
  db.organizationMembership.findMany({ where: { userId: { in: userIds } }, select: { userId: true, organizationId: true } });
