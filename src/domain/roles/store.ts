// The roles area's queries and writes: roles, their memberships, and the SQL
// of their lists. Rules live in service.ts; this module only reads and writes.
import type { Role, RoleMembership } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { PagedQuery } from "../../db/pages.js";
import { lockRow } from "../../db/row-locks.js";

/** The client or a transaction: every function runs in either. */
type Db = Prisma.TransactionClient;

// ---- reads ----------------------------------------------------------------

/** Roles by id, in no order (the roleById loader; no visibility check). */
export const rolesByIds = (db: Db, ids: string[]): Promise<Role[]> => db.role.findMany({ where: { id: { in: ids } } });

export const roleById = (db: Db, id: string): Promise<Role | null> => db.role.findUnique({ where: { id } });

/** The role if it belongs to this organization, else null. */
export const roleOfOrganization = (db: Db, id: string, organizationId: string): Promise<Role | null> =>
  db.role.findFirst({ where: { id, organizationId } });

/** Whether another role of the organization already has this name, ignoring case. */
export async function roleNameTaken(db: Db, organizationId: string, name: string, exceptRoleId: string | null = null): Promise<boolean> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Role"
    WHERE "organizationId" = ${organizationId}::uuid AND lower(name) = lower(${name})
      AND (${exceptRoleId}::uuid IS NULL OR id <> ${exceptRoleId}::uuid)
    LIMIT 1`;
  return rows.length > 0;
}

export const roleMembership = (db: Db, roleId: string, userId: number): Promise<RoleMembership | null> =>
  db.roleMembership.findUnique({ where: { roleId_userId: { roleId, userId } } });

/** The membership with its user's email (what the activity log records of it). */
export const roleMembershipWithEmail = (db: Db, roleId: string, userId: number) =>
  db.roleMembership.findUnique({ where: { roleId_userId: { roleId, userId } }, include: { user: { select: { email: true } } } });

// ---- the pages of lists (read by src/db/pages.ts) ---------------------------

/** A role's members, oldest membership first. */
export const roleMembersPage: PagedQuery = {
  from: Prisma.sql`"RoleMembership" t`,
  parentColumn: Prisma.sql`t."roleId"`,
  parentType: "uuid",
  orderBy: Prisma.sql`t."joinedAt", t.id`,
};

/** An organization's roles, oldest first. */
export const organizationRolesPage: PagedQuery = {
  from: Prisma.sql`"Role" t`,
  parentColumn: Prisma.sql`t."organizationId"`,
  parentType: "uuid",
  orderBy: Prisma.sql`t."createdAt", t.id`,
};

// ---- locks and writes -------------------------------------------------------

/** The role as stored now, locked until the transaction ends (after its organization's, if both); null when it is gone. */
export async function lockedRole(tx: Db, id: string): Promise<Role | null> {
  await lockRow(tx, "Role", id);
  return tx.role.findUnique({ where: { id } });
}

export const insertRole = (tx: Db, data: { organizationId: string; name: string; createdById: number }): Promise<Role> =>
  tx.role.create({ data });

export const renameRole = (tx: Db, id: string, name: string): Promise<Role> => tx.role.update({ where: { id }, data: { name } });

/** Deletes the role for good; its memberships go with it (ON DELETE CASCADE). */
export const deleteRoleRow = (tx: Db, id: string): Promise<Role> => tx.role.delete({ where: { id } });

export const insertRoleMembership = (tx: Db, roleId: string, userId: number): Promise<RoleMembership> =>
  tx.roleMembership.create({ data: { roleId, userId } });

/** Adds the user to the role unless already in it (ON CONFLICT DO NOTHING); answers whether it was added. */
export async function insertRoleMembershipIfAbsent(tx: Db, roleId: string, userId: number): Promise<boolean> {
  const inserted = await tx.roleMembership.createMany({ data: [{ roleId, userId }], skipDuplicates: true });
  return inserted.count > 0;
}

export const deleteRoleMembership = (tx: Db, id: string): Promise<RoleMembership> => tx.roleMembership.delete({ where: { id } });
