// The per-request context: the authenticated caller, the database and a
// fresh set of DataLoaders (never shared between requests).
import type { Database } from "./db/client.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import type { Principal } from "./auth/principal.js";
import { createLoaders, type Loaders } from "./loaders.js";
import { unauthenticated } from "./errors.js";
import type { Config } from "./config.js";

export interface Context {
  db: Database;
  prisma: PrismaClient;
  config: Config;
  /** Null only for unauthenticated introspection; every other operation is refused earlier. */
  principal: Principal | null;
  loaders: Loaders;
}

export function createContext(db: Database, config: Config, principal: Principal | null): Context {
  return { db, prisma: db.prisma, config, principal, loaders: createLoaders(db) };
}

/** The caller; throws UNAUTHENTICATED when there is none (resolvers behind scope checks never see that). */
export function viewerOf(ctx: Context): Principal {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal;
}
