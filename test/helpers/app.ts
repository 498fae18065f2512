// A fresh database and app per test file, and small helpers to call it
// through the real HTTP handler (yoga.fetch) with a real API key.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { inject } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.js";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createApiKey } from "../../src/auth/api-keys.js";
import { ALL_SCOPES } from "../../src/auth/scopes.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import type { Organization, User } from "../../src/generated/prisma/client.js";

const PGLITE_TEMPLATE = ".data/test/pglite-template.tar.gz";
const PG_TEMPLATE_DB = "app_template";

export async function freshDatabase(): Promise<Database> {
  if (process.env.TEST_DB === "postgres") {
    const serverUrl = inject("postgresUrl");
    const name = `t_${randomBytes(6).toString("hex")}`;
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE_DB}`);
    await admin.end();
    return openDatabase({ kind: "postgres", url: serverUrl.replace(/\/[^/]*$/, `/${name}`), poolSize: 5 });
  }
  const dump = new Blob([readFileSync(PGLITE_TEMPLATE)]);
  return openDatabase({ kind: "pglite", loadDataDir: dump });
}

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  extensions?: Record<string, any>;
  /** SQL statements the request sent (authentication included). */
  sql: number;
}

export interface TestApp {
  app: App;
  db: Database;
  /** Runs a GraphQL operation with the given key (default: the owner's all-scopes key). */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<GqlResult<T>>;
  /** POSTs a raw body to /graphql. */
  raw(body: string, headers?: Record<string, string>): Promise<Response>;
  fixtures: Fixtures;
}

let counter = 0;
const unique = (prefix: string) => {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
};

export function fixtures(db: Database) {
  const prisma = db.prisma;
  return {
    async user(email = `${unique("user")}@example.com`) {
      return prisma.user.create({ data: { email, distinctId: unique("did"), firstName: "Test", lastName: "User" } });
    },
    async organization(name = unique("Org"), members: { userId: number; level?: number }[] = []) {
      return prisma.organization.create({
        data: {
          name,
          slug: unique("org").toLowerCase(),
          memberships: { create: members.map((m) => ({ userId: m.userId, level: m.level ?? MembershipLevel.MEMBER })) },
        },
      });
    },
    async key(userId: number, scopes: string[] = ALL_SCOPES, limits: { scopedOrganizations?: string[]; scopedTeams?: number[] } = {}) {
      return (await createApiKey(prisma, { userId, label: "test key", scopes, ...limits })).key;
    },
  };
}
export type Fixtures = ReturnType<typeof fixtures>;

/** Opens a fresh database and app for this test file; closed after the file. */
export async function setupTestApp(): Promise<TestApp & { ownerKey: string; owner: User; org: Organization }> {
  const db = await freshDatabase();
  const app = createApp(db, loadConfig({ ...process.env, NODE_ENV: "test" }));
  afterAll(() => db.close());
  const fx = fixtures(db);
  const owner = await fx.user();
  const org = await fx.organization(undefined, [{ userId: owner.id, level: MembershipLevel.OWNER }]);
  const ownerKey = await fx.key(owner.id);

  const raw = (body: string, headers: Record<string, string> = {}) =>
    Promise.resolve(
      app.yoga.fetch("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...headers },
        body,
      }),
    );

  return {
    app,
    db,
    owner,
    org,
    ownerKey,
    fixtures: fx,
    raw,
    async gql(query, variables, opts = {}) {
      const key = opts.key === undefined ? ownerKey : opts.key;
      const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...opts.headers };
      db.counter.reset();
      const res = await raw(JSON.stringify({ query, variables }), headers);
      const sql = db.counter.count;
      const json = (await res.json()) as Omit<GqlResult, "status" | "sql">;
      return { status: res.status, sql, ...json };
    },
  };
}

/** Whether a statement sent through `db.sql` reads pages of a connection (src/db/pages.ts), not rows by id. */
export const isPageRead = (query: { text: string }): boolean => query.text.includes('AS "__parent"');

/** The database with every page of every connection failing with `error` (rows by id, e.g. users, still read). */
export function pagesFailingWith(db: Database, error: Error): Database {
  return { ...db, sql: (query) => (isPageRead(query) ? Promise.reject(error) : db.sql(query)) };
}

/** The database with the authentication statement (the first of every request with a key) failing with `error`. */
export function authenticationFailingWith(db: Database, error: Error): Database {
  return { ...db, sql: (query) => (query.text.includes('FROM "PersonalApiKey"') ? Promise.reject(error) : db.sql(query)) };
}

/** POSTs a JSON body to an app's /graphql through its HTTP handler, with a key (none when null) and more headers. */
export async function postTo(app: App, body: unknown, key: string | null, headers: Record<string, string> = {}): Promise<Response> {
  return await app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}
