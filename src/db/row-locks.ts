// Row locks for read-modify-write mutations. A mutation that derives what it
// writes from what is stored (settings merged into the stored ones, a token
// moved to the backup slot, an activity entry's "before") first locks the
// row in its transaction, so a concurrent writer waits instead of working
// from the same stale copy and overwriting it.
//
// `FOR NO KEY UPDATE` is the lock an ordinary UPDATE takes: writers of the row
// wait for each other, while rows that merely reference it (activity entries,
// annotations, new environments: their foreign-key checks take KEY SHARE) do
// not wait. Lock order, to rule out deadlocks: Organization, then Project,
// then Environment, then the rows that belong to an environment.
import { Prisma } from "../generated/prisma/client.js";

type Tx = Prisma.TransactionClient;

const TABLES = {
  Organization: { name: Prisma.raw(`"Organization"`), id: "uuid" },
  Project: { name: Prisma.raw(`"Project"`), id: "int" },
  Environment: { name: Prisma.raw(`"Environment"`), id: "int" },
  Role: { name: Prisma.raw(`"Role"`), id: "uuid" },
  Annotation: { name: Prisma.raw(`"Annotation"`), id: "int" },
  Cohort: { name: Prisma.raw(`"Cohort"`), id: "int" },
} as const;

export type LockableTable = keyof typeof TABLES;

/**
 * Locks one row until the transaction ends; answers whether it exists. Read
 * the row after this (a statement after the lock sees the last committed
 * version), never before.
 */
export async function lockRow(tx: Tx, table: LockableTable, id: number | string): Promise<boolean> {
  const { name, id: idType } = TABLES[table];
  const key = idType === "uuid" ? Prisma.sql`${String(id)}::uuid` : Prisma.sql`${Number(id)}::int`;
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM ${name} WHERE id = ${key} FOR NO KEY UPDATE`;
  return rows.length > 0;
}

/**
 * Serialises the transactions that pass the same key (until each commits),
 * for a race no row can be locked for: two creators choosing the same free
 * slug, say. Keys are hashed to PostgreSQL's 32-bit advisory-lock space; a
 * collision only makes two unrelated creators wait for each other.
 */
export async function lockKey(tx: Tx, key: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}::text))`;
}
