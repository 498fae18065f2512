// The organizations area's queries and writes: organizations, their
// memberships, and the SQL of their lists. Rules live in service.ts; this
// module only reads and writes, in the statements the service asks for.
import type { Organization } from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import { selectColumns, type PagedQuery } from "../../db/pages.js";
import { lockKey, lockRow } from "../../db/row-locks.js";

/** The client or a transaction: every function runs in either. */
type Db = Prisma.TransactionClient;

// ---- reads ----------------------------------------------------------------

/** Organizations by id, in no order (the organizationById loader). */
export const organizationsByIds = (db: Db, ids: string[]): Promise<Organization[]> =>
  db.organization.findMany({ where: { id: { in: ids } } });

/** An organization that must exist (read in the transaction that locked it). */
export const organizationOrThrow = (db: Db, id: string): Promise<Organization> => db.organization.findUniqueOrThrow({ where: { id } });

/** The member of an organization with this user id, with the email the activity log records; null when not a member. */
export const organizationMember = (db: Db, organizationId: string, userId: number) =>
  db.organizationMembership.findFirst({
    where: { organizationId, userId },
    select: { userId: true, user: { select: { email: true } } },
  });

/** The slugs taken by `base` and its numbered forms (`<base>-…`). */
export async function slugsTakenFrom(db: Db, base: string): Promise<Set<string>> {
  const rows = await db.organization.findMany({
    where: { OR: [{ slug: base }, { slug: { startsWith: `${base}-` } }] },
    select: { slug: true },
  });
  return new Set(rows.map((o) => o.slug));
}

// ---- the pages of lists (read by src/db/pages.ts) ---------------------------

/** An organization's members, oldest membership first. */
export const membersPage: PagedQuery = {
  from: Prisma.sql`"OrganizationMembership" t`,
  parentColumn: Prisma.sql`t."organizationId"`,
  parentType: "uuid",
  orderBy: Prisma.sql`t."joinedAt", t.id`,
};

/** A user's organizations among `organizationIds` (those the caller may see), by name. */
export const userOrganizationsPage = (organizationIds: string[], columns: readonly string[] | null = null): PagedQuery => ({
  from: Prisma.sql`"Organization" t JOIN "OrganizationMembership" m ON m."organizationId" = t.id`,
  // Only the selected columns (null: all) and the key; see src/schema/selection.ts.
  select: selectColumns(columns, ["id"], Prisma.OrganizationScalarFieldEnum),
  parentColumn: Prisma.sql`m."userId"`,
  parentType: "int",
  where: Prisma.sql`t.id = ANY(${organizationIds}::uuid[])`,
  orderBy: Prisma.sql`lower(t.name), t.id`,
});

// ---- locks ------------------------------------------------------------------

/** Locks the organization's row until the transaction ends (first in the lock order of src/db/row-locks.ts). */
export const lockOrganization = (tx: Db, id: string): Promise<boolean> => lockRow(tx, "Organization", id);

/** The organization as stored now, locked until the transaction ends; null when it does not exist. */
export async function lockedOrganization(tx: Db, id: string): Promise<Organization | null> {
  await lockOrganization(tx, id);
  return tx.organization.findUnique({ where: { id } });
}

/** Queues the creators of organizations whose names give this slug, until each transaction ends. */
export const lockSlug = (tx: Db, base: string): Promise<void> => lockKey(tx, `organization-slug:${base}`);

// ---- writes -----------------------------------------------------------------

/** A new organization with its owner's membership. */
export const insertOrganization = (tx: Db, data: { name: string; slug: string; ownerId: number; ownerLevel: number }) =>
  tx.organization.create({
    data: { name: data.name, slug: data.slug, memberships: { create: { userId: data.ownerId, level: data.ownerLevel } } },
  });

/** Makes the organization the user's current one, unless the user has one by now. */
export const makeCurrentUnlessSet = (tx: Db, userId: number, organizationId: string) =>
  tx.user.updateMany({ where: { id: userId, currentOrganizationId: null }, data: { currentOrganizationId: organizationId } });

export const renameOrganization = (db: Db, id: string, name: string): Promise<Organization> =>
  db.organization.update({ where: { id }, data: { name } });

export const setDefaultRole = (tx: Db, id: string, roleId: string | null): Promise<Organization> =>
  tx.organization.update({ where: { id }, data: { defaultRoleId: roleId } });

/** Clears the organization's default role if it is this role; answers whether it was. */
export async function clearDefaultRoleIf(tx: Db, id: string, roleId: string): Promise<boolean> {
  const cleared = await tx.organization.updateMany({ where: { id, defaultRoleId: roleId }, data: { defaultRoleId: null } });
  return cleared.count > 0;
}

/** Makes the user a member at `level` unless already one (then nothing changes); answers whether it was added. */
export async function insertMembershipIfAbsent(tx: Db, m: { organizationId: string; userId: number; level: number }): Promise<boolean> {
  const inserted = await tx.organizationMembership.createMany({ data: [m], skipDuplicates: true });
  return inserted.count > 0;
}

export const setMembershipLevel = (tx: Db, m: { organizationId: string; userId: number; level: number }) =>
  tx.organizationMembership.update({
    where: { organizationId_userId: { organizationId: m.organizationId, userId: m.userId } },
    data: { level: m.level },
  });
