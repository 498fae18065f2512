// Database errors the code reacts to, recognised in one place.
import { Prisma } from "../generated/prisma/client.js";

/**
 * Whether an error is a unique-constraint violation (e.g. a concurrent change won
 * the race for a slug, an email or a role name): Prisma's P2002, or, through the
 * PGlite adapter whose errors Prisma does not map, the driver's SQLSTATE 23505
 * (on the error itself or on its `cause`) or the adapter's `UniqueConstraintViolation`.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === "P2002";
  const e = error as { code?: unknown; cause?: { kind?: unknown; code?: unknown; originalCode?: unknown } } | null;
  return (
    e?.code === "23505" ||
    e?.cause?.kind === "UniqueConstraintViolation" ||
    e?.cause?.code === "23505" ||
    e?.cause?.originalCode === "23505"
  );
}
