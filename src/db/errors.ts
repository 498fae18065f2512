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

/** Socket failures of the driver: the server is down, restarting or not reachable on the network. */
const UNREACHABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * SQLSTATEs of a server that is shutting down, starting up or full: 57P01
 * admin_shutdown (a fast shutdown ends every session), 57P02 crash_shutdown,
 * 57P03 cannot_connect_now, 53300 too_many_connections, and every 08xxx
 * connection exception.
 */
const isUnavailableSqlState = (code: unknown) =>
  typeof code === "string" &&
  (code === "57P01" || code === "57P02" || code === "57P03" || code === "53300" || /^08[0-9A-Z]{3}$/.test(code));

/** Prisma's codes for "can't reach", "timed out reaching" and "closed the connection". */
const UNREACHABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1017"]);

/** The driver-adapter error kinds (`@prisma/driver-adapter-utils`) that mean the connection, not the query, failed. */
const UNREACHABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** Messages of pg's client and pool when a connection dies under them (they carry no code). */
const UNREACHABLE_MESSAGES =
  /^(Connection terminated\b|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)/;

type ErrorLike = {
  code?: unknown;
  errorCode?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
  meta?: { driverAdapterError?: unknown };
};

/** The error, what it wraps (cause, GraphQL's originalError, Prisma's driverAdapterError), and so on a few levels down. */
function* errorChain(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const like = e as ErrorLike;
    yield like;
    queue.push(like.cause, like.originalError, like.meta?.driverAdapterError);
  }
}

/**
 * Whether an error says the database cannot be reached right now (answered 503
 * SERVICE_UNAVAILABLE with Retry-After, not 500), rather than that a query
 * failed. Seen with Prisma 6.19 over @prisma/adapter-pg when the server is
 * stopped: PrismaClientKnownRequestError P1001 (its driverAdapterError's cause
 * has kind DatabaseNotReachable) for new connections; P2010 or a bare
 * DriverAdapterError whose cause is {kind: "postgres", code: "57P01"} for
 * queries in flight; and from pg directly (db.sql, readiness) ECONNREFUSED,
 * DatabaseError 57P01, "Connection terminated unexpectedly" and "Client has
 * encountered a connection error and is not queryable".
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (const e of errorChain(error)) {
    if (typeof e.code === "string" && (UNREACHABLE_PRISMA_CODES.has(e.code) || UNREACHABLE_SOCKET_CODES.has(e.code))) return true;
    if (typeof e.errorCode === "string" && UNREACHABLE_PRISMA_CODES.has(e.errorCode)) return true; // PrismaClientInitializationError
    if (isUnavailableSqlState(e.code) || isUnavailableSqlState(e.originalCode)) return true;
    if (typeof e.kind === "string" && UNREACHABLE_ADAPTER_KINDS.has(e.kind)) return true;
    if (typeof e.message === "string" && UNREACHABLE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** An error's message in one short line (Prisma's messages span lines; the last one says what happened). */
export function shortErrorMessage(error: unknown, maxLength = 200): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const line = lines.at(-1) ?? (error instanceof Error ? error.name : "unknown error");
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}
