// The environments' DataLoaders (one set per request): each batches the
// store's query for every parent of a request into one statement.
import DataLoader from "dataloader";
import type { Environment, Prisma, PrismaClient } from "../../generated/prisma/client.js";
import { groupLoader, rowLoader } from "../../db/loader.js";
import { activityDetailsAfter, environmentsByIds, groupTypesOf, ingestionRestrictionsOf, productIntentsOf } from "./store.js";

export function environmentsLoaders(prisma: PrismaClient) {
  return {
    environmentById: rowLoader<number, Environment>(
      (ids) => environmentsByIds(prisma, ids),
      (e) => e.id,
    ),
    productIntentsByEnvironment: groupLoader(
      (ids: number[]) => productIntentsOf(prisma, ids),
      (i) => i.environmentId,
    ),
    groupTypesByEnvironment: groupLoader(
      (ids: number[]) => groupTypesOf(prisma, ids),
      (g) => g.environmentId,
    ),
    ingestionRestrictionsByToken: groupLoader(
      (tokens: string[]) => ingestionRestrictionsOf(prisma, tokens),
      (r) => r.token,
    ),
    /**
     * The `detail` of every activity entry of an environment logged after an
     * instant, newest first (what settingsAsOf undoes): one statement for all
     * the (environment, instant) pairs of a batch. Not cached, so a mutation
     * earlier in the same request can never leave a stale answer behind.
     */
    activityDetailsAfter: new DataLoader<{ environmentId: number; at: Date }, Prisma.JsonValue[]>(
      (keys) => activityDetailsAfter(prisma, keys),
      {
        cache: false,
      },
    ),
  };
}
