// The activity log's statements: writing an entry, reading entries by id, and
// the query that pages a project's or an environment's entries.
import { Prisma, type ActivityLog, type PrismaClient } from "../../generated/prisma/client.js";
import type { PagedQuery } from "../../db/pages.js";

/** An entry as stored (its id, seq and createdAt come from the database). */
export interface ActivityRecord {
  organizationId: string;
  projectId: number | null;
  environmentId: number | null;
  userId: number | null;
  activity: string;
  scope: string;
  itemId: string;
  /** What changed: a JSON value (stored as jsonb). */
  detail: object;
}

/** What writes entries: a transaction (or the client) with the activity log. */
export type ActivityWriter = Pick<Prisma.TransactionClient, "activityLog">;

/** Writes one entry (in the caller's transaction: it commits, and is announced, with the change). */
export async function insertActivity(tx: ActivityWriter, record: ActivityRecord): Promise<void> {
  await tx.activityLog.create({ data: { ...record, detail: record.detail as Prisma.InputJsonValue } });
}

/** The entries of `ids` that belong to the project (any order; missing ones left out). */
export function activityEntriesOfProject(
  prisma: Pick<PrismaClient, "activityLog">,
  projectId: number,
  ids: string[],
): Promise<ActivityLog[]> {
  return prisma.activityLog.findMany({ where: { id: { in: ids }, projectId } });
}

/** The entries of projects or environments (by `column`), newest first, as connections page them. */
export function activityPageQuery(column: "projectId" | "environmentId"): PagedQuery {
  return {
    from: Prisma.sql`"ActivityLog" t`,
    parentColumn: Prisma.raw(`t."${column}"`),
    parentType: "int",
    orderBy: Prisma.sql`t."createdAt" DESC, t.seq DESC`,
  };
}
