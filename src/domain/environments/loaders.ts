import DataLoader from "dataloader";
import type { Environment, GroupTypeMapping, PrismaClient, ProductIntent, EventIngestionRestriction, Prisma } from "../../generated/prisma/client.js";
import { groupLoader, rowLoader } from "../../db/loader.js";

/**
 * Whether a value can be a row id (a positive int4). A global id may carry
 * anything (`Project:abc`, `Project:99999999999`); such ids match no row, and
 * must not reach SQL, where they would fail the whole batch of a DataLoader
 * (every other id of a `nodes(ids:)` call with it).
 */
export const isRowId = (id: unknown): id is number => Number.isInteger(id) && (id as number) > 0 && (id as number) <= 2147483647;

/** An environment read as JSON (row_to_json in a join) back into its row shape. */
export function hydrateEnvironment(json: Record<string, unknown>): Environment {
  return { ...(json as unknown as Environment), createdAt: new Date(json.createdAt as string), updatedAt: new Date(json.updatedAt as string) };
}

export function environmentsLoaders(prisma: PrismaClient) {
  return {
    // Ids that cannot be a row (NaN, beyond int4) match nothing and must not fail the batch's query.
    environmentById: rowLoader<number, Environment>(async (ids) => {
      const valid = ids.filter(isRowId);
      return valid.length ? prisma.environment.findMany({ where: { id: { in: valid } } }) : [];
    }, (e) => e.id),
    productIntentsByEnvironment: groupLoader<number, ProductIntent>(
      (ids) => prisma.productIntent.findMany({ where: { environmentId: { in: ids } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
      (i) => i.environmentId,
    ),
    groupTypesByEnvironment: groupLoader<number, GroupTypeMapping>(
      (ids) => prisma.groupTypeMapping.findMany({ where: { environmentId: { in: ids } }, orderBy: { groupTypeIndex: "asc" } }),
      (g) => g.environmentId,
    ),
    ingestionRestrictionsByToken: groupLoader<string, EventIngestionRestriction>(
      (tokens) => prisma.eventIngestionRestriction.findMany({ where: { token: { in: tokens } }, orderBy: { restrictionType: "asc" } }),
      (r) => r.token,
    ),
    /**
     * The `detail` of every activity entry of an environment logged after an
     * instant, newest first (what settingsAsOf undoes): one statement for all
     * the (environment, instant) pairs of a batch. Not cached, so a mutation
     * earlier in the same request can never leave a stale answer behind.
     */
    activityDetailsAfter: new DataLoader<{ environmentId: number; at: Date }, Prisma.JsonValue[]>(
      async (keys) => {
        const rows = await prisma.$queryRaw<{ ord: number; detail: Prisma.JsonValue }[]>`
          SELECT k.ord::int AS ord, t.detail
          FROM unnest(${keys.map((k) => k.environmentId)}::int[], ${keys.map((k) => k.at.toISOString())}::timestamptz[]) WITH ORDINALITY AS k(env, at, ord)
          JOIN "ActivityLog" t ON t."environmentId" = k.env AND t."createdAt" > k.at
          ORDER BY k.ord, t."createdAt" DESC, t.seq DESC`;
        const details = keys.map((): Prisma.JsonValue[] => []);
        for (const row of rows) details[row.ord - 1].push(row.detail);
        return details;
      },
      { cache: false },
    ),
  };
}
