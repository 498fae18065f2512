// The environments' store: every query and write of Environment rows and of
// the rows that belong to an environment (product intents, group types,
// ingestion restrictions, the activity details settingsAsOf undoes). No
// rules here: the service decides, the store reads and writes.
import type {
  Environment,
  EventIngestionRestriction,
  GroupTypeMapping,
  PrismaClient,
  ProductIntent,
} from "../../generated/prisma/client.js";
import { Prisma } from "../../generated/prisma/client.js";
import { generateToken, TOKEN_PREFIX } from "../../auth/tokens.js";
import { selectColumns, type PagedQuery } from "../../db/pages.js";
import { lockRow } from "../../db/row-locks.js";
import type { StoredSettings } from "../settings/registry.js";
import type { EnvironmentWrite } from "./rules.js";

type Db = PrismaClient | Prisma.TransactionClient;
type Tx = Prisma.TransactionClient;

/**
 * Whether a value can be a row id (a positive int4). A global id may carry
 * anything (`Project:abc`, `Project:99999999999`); such ids match no row, and
 * must not reach SQL, where they would fail the whole batch of a DataLoader
 * (every other id of a `nodes(ids:)` call with it).
 */
export const isRowId = (id: unknown): id is number => Number.isInteger(id) && (id as number) > 0 && (id as number) <= 2147483647;

/** An environment read as JSON (row_to_json in a join) back into its row shape. */
export function hydrateEnvironment(json: Record<string, unknown>): Environment {
  return {
    ...(json as unknown as Environment),
    createdAt: new Date(json.createdAt as string),
    updatedAt: new Date(json.updatedAt as string),
  };
}

const jsonSettings = (settings: StoredSettings) => settings as Prisma.InputJsonValue;

// ---- creating ------------------------------------------------------------------

/** Fresh public and secret tokens for a new environment. */
export const freshTokens = () => ({
  apiToken: generateToken(TOKEN_PREFIX.publicProject),
  secretApiToken: generateToken(TOKEN_PREFIX.secretProject),
});

/** Inserts a further environment of a project (id from the sequence) with fresh tokens: one statement. */
export async function insertEnvironment(
  db: Db,
  project: { id: number; organizationId: string },
  name: string,
  settings: StoredSettings = {},
): Promise<Environment> {
  return db.environment.create({
    data: { projectId: project.id, organizationId: project.organizationId, name, ...freshTokens(), settings: jsonSettings(settings) },
  });
}

// ---- reads (batched by the loaders) ----------------------------------------------

/** Environments by id; ids that cannot be a row (NaN, beyond int4) match nothing and never reach SQL. */
export async function environmentsByIds(prisma: PrismaClient, ids: readonly number[]): Promise<Environment[]> {
  const valid = ids.filter(isRowId);
  return valid.length ? prisma.environment.findMany({ where: { id: { in: valid } } }) : [];
}

export function productIntentsOf(prisma: PrismaClient, environmentIds: number[]): Promise<ProductIntent[]> {
  return prisma.productIntent.findMany({
    where: { environmentId: { in: environmentIds } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

export function groupTypesOf(prisma: PrismaClient, environmentIds: number[]): Promise<GroupTypeMapping[]> {
  return prisma.groupTypeMapping.findMany({ where: { environmentId: { in: environmentIds } }, orderBy: { groupTypeIndex: "asc" } });
}

export function ingestionRestrictionsOf(prisma: PrismaClient, tokens: string[]): Promise<EventIngestionRestriction[]> {
  return prisma.eventIngestionRestriction.findMany({ where: { token: { in: tokens } }, orderBy: { restrictionType: "asc" } });
}

/**
 * The `detail` of every activity entry of each (environment, instant) logged
 * after the instant, newest first: one statement for all the pairs.
 */
export async function activityDetailsAfter(
  prisma: PrismaClient,
  keys: readonly { environmentId: number; at: Date }[],
): Promise<Prisma.JsonValue[][]> {
  const rows = await prisma.$queryRaw<{ ord: number; detail: Prisma.JsonValue }[]>`
    SELECT k.ord::int AS ord, t.detail
    FROM unnest(${keys.map((k) => k.environmentId)}::int[], ${keys.map((k) => k.at.toISOString())}::timestamptz[])
      WITH ORDINALITY AS k(env, at, ord)
    JOIN "ActivityLog" t ON t."environmentId" = k.env AND t."createdAt" > k.at
    ORDER BY k.ord, t."createdAt" DESC, t.seq DESC`;
  const details = keys.map((): Prisma.JsonValue[] => []);
  for (const row of rows) details[row.ord - 1].push(row.detail);
  return details;
}

/** The environment as stored now (after a change), read straight from the database. */
export function environmentById(db: Db, id: number): Promise<Environment> {
  return db.environment.findUniqueOrThrow({ where: { id } });
}

/**
 * The page query of a project's environments, oldest (the primary) first,
 * without those pending deletion. `reachable`: the project and environment
 * ids the key is limited to (empty: all); a key limited to a project reaches
 * all its environments.
 */
export function environmentPageQuery(reachable: readonly number[], columns: readonly string[] | null = null): PagedQuery {
  const ids = [...reachable];
  const where = ids.length
    ? Prisma.sql`NOT t."isPendingDeletion" AND (t.id = ANY(${ids}::int[]) OR t."projectId" = ANY(${ids}::int[]))`
    : Prisma.sql`NOT t."isPendingDeletion"`;
  return {
    from: Prisma.sql`"Environment" t`,
    // Only the selected columns (null: all) and the keys; see src/schema/selection.ts.
    select: selectColumns(columns, ["id", "projectId", "organizationId"], Prisma.EnvironmentScalarFieldEnum),
    parentColumn: Prisma.sql`t."projectId"`,
    parentType: "int",
    where,
    orderBy: Prisma.sql`t."createdAt", t.id`,
  };
}

// ---- writes (inside the service's transactions) -----------------------------------

/**
 * The environment as stored now, locked until the transaction ends: what a
 * read-modify-write derives its write (and its activity entry's "before")
 * from. Concurrent writers of the same environment queue here.
 */
export async function lockedEnvironment(tx: Tx, id: number): Promise<Environment> {
  await lockRow(tx, "Environment", id);
  return tx.environment.findUniqueOrThrow({ where: { id } });
}

export function updateEnvironmentRow(tx: Tx, id: number, write: EnvironmentWrite): Promise<Environment> {
  const { settings, ...columns } = write;
  return tx.environment.update({
    where: { id },
    data: { ...columns, ...(settings !== undefined ? { settings: jsonSettings(settings) } : {}) },
  });
}

/** Marks an environment pending deletion; answers its name now, or null when it already was (or is gone). */
export async function markEnvironmentDeleted(tx: Tx, id: number): Promise<string | null> {
  const { count } = await tx.environment.updateMany({ where: { id, isPendingDeletion: false }, data: { isPendingDeletion: true } });
  if (count === 0) return null;
  // The update locked the row: its name now is what the caller records.
  const { name } = await tx.environment.findUniqueOrThrow({ where: { id }, select: { name: true } });
  return name;
}

/**
 * Get-or-create the intent for (environment, product) and count `context` in
 * its contexts, in one statement: concurrent first intents for one product
 * meet in the unique index and each adds its count (ON CONFLICT DO UPDATE),
 * so none fails and no increment is lost. `completed` sets
 * onboardingCompletedAt to now, on every completion (PostHog's
 * ProductIntent.register with is_onboarding); otherwise it is kept.
 */
export async function registerIntent(
  tx: Tx,
  environmentId: number,
  productType: string,
  context: string | null | undefined,
  completed: boolean,
) {
  const counted = context ? Prisma.sql`jsonb_build_object(${context}::text, 1)` : Prisma.sql`'{}'::jsonb`;
  const increment = context
    ? Prisma.sql`i.contexts || jsonb_build_object(${context}::text, coalesce((i.contexts ->> ${context}::text)::int, 0) + 1)`
    : Prisma.sql`i.contexts`;
  const completedAt = completed ? Prisma.sql`now()` : Prisma.sql`NULL::timestamptz`;
  const [intent] = await tx.$queryRaw<{ productType: string }[]>`
    INSERT INTO "ProductIntent" AS i ("environmentId", "productType", contexts, "onboardingCompletedAt", "updatedAt")
    VALUES (${environmentId}::int, ${productType}::text, ${counted}, ${completedAt}, now())
    ON CONFLICT ("environmentId", "productType") DO UPDATE SET
      contexts = ${increment},
      "onboardingCompletedAt" = coalesce(EXCLUDED."onboardingCompletedAt", i."onboardingCompletedAt"),
      "updatedAt" = now()
    RETURNING "productType"`;
  return intent;
}
