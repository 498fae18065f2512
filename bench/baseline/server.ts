// The hand-written baseline of the benchmark: plain `node:http` + `pg`, no
// GraphQL, answering only scenario 2 —
//   viewer.organizations(first: 10) → projects(first: 10) → environments(first: 2)
//   → annotations(first: 5) { content dateMarker createdBy { email } }
// with the JSON the API gives for it. It is the floor the API is compared to,
// so it does what a careful person would write by hand and nothing more: one
// statement for the key, then exactly one statement per level (a page per
// parent with `unnest(...) WITH ORDINALITY` + `LATERAL (... ORDER BY ... LIMIT n)`),
// the creator's email joined into the annotations' statement. 5 statements.
//
// Same semantics as the API: the same key check (and hourly lastUsedAt touch),
// the key's scopes and organization/project limits, the same orders, and the
// same annotation visibility (the environment's own plus its organization's
// ORGANIZATION-scoped ones; not deleted; not of an environment pending deletion).
//
//   DATABASE_URL=postgres://... PORT=4100 node --import tsx bench/baseline/server.ts
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import pg from "pg";
import { scopeAllows, type Scope } from "../../src/auth/scopes.js";
import { sha256Hex } from "../../src/auth/tokens.js";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const pool = new pg.Pool({ connectionString: url, max: 10 }); // as the API's pool
pool.on("error", (e) => console.error("idle client:", e.message)); // not a reason to crash
const PAGE = { organizations: 10, projects: 10, environments: 2, annotations: 5 } as const;

interface KeyRow {
  userId: number;
  scopes: string[];
  scopedOrganizations: string[];
  scopedTeams: number[];
  orgIds: string[];
}

async function authenticate(rawKey: string): Promise<KeyRow | null> {
  const { rows } = await pool.query<KeyRow>(
    `WITH key AS (
       SELECT * FROM "PersonalApiKey" WHERE "secureValue" = $1 AND "revokedAt" IS NULL
     ), touched AS (
       UPDATE "PersonalApiKey" SET "lastUsedAt" = now()
       WHERE id = (SELECT id FROM key) AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 hour')
     )
     SELECT k."userId", k.scopes, k."scopedOrganizations", k."scopedTeams",
       coalesce(
         (SELECT array_agg(m."organizationId"::text) FROM "OrganizationMembership" m WHERE m."userId" = k."userId"),
         '{}'
       ) AS "orgIds"
     FROM key k`,
    [sha256Hex(rawKey)],
  );
  return rows[0] ?? null;
}

type Row = Record<string, unknown>;

/** Groups child rows (already in parent order, then page order) by their parent key. */
function byParent<T>(rows: Row[], parentKey: string, toNode: (r: Row) => T): Map<unknown, T[]> {
  const out = new Map<unknown, T[]>();
  for (const r of rows) {
    const list = out.get(r[parentKey]) ?? [];
    list.push(toNode(r));
    out.set(r[parentKey], list);
  }
  return out;
}

async function nestedRead(key: KeyRow): Promise<unknown> {
  const limit = key.scopedOrganizations.length ? new Set(key.scopedOrganizations) : null;
  const visible = key.orgIds.filter((id) => !limit || limit.has(id));
  const teams = key.scopedTeams;

  const orgs = (
    await pool.query(
      `SELECT t.id, t.name FROM "Organization" t JOIN "OrganizationMembership" m ON m."organizationId" = t.id
       WHERE m."userId" = $1 AND t.id = ANY($2::uuid[])
       ORDER BY lower(t.name), t.id LIMIT ${PAGE.organizations}`,
      [key.userId, visible],
    )
  ).rows;

  const projects = (
    await pool.query(
      `SELECT p.parent, c.id, c.name
       FROM unnest($1::uuid[]) WITH ORDINALITY AS p(parent, ord)
       CROSS JOIN LATERAL (
         SELECT t.id, t.name, t."createdAt" FROM "Project" t
         WHERE t."organizationId" = p.parent AND NOT t."isPendingDeletion"
           AND (cardinality($2::int[]) = 0 OR t.id = ANY($2::int[]))
         ORDER BY t."createdAt", t.id LIMIT ${PAGE.projects}
       ) c
       ORDER BY p.ord, c."createdAt", c.id`,
      [orgs.map((o) => o.id), teams],
    )
  ).rows;

  const environments = (
    await pool.query(
      `SELECT p.parent, c.id, c.name
       FROM unnest($1::int[]) WITH ORDINALITY AS p(parent, ord)
       CROSS JOIN LATERAL (
         SELECT t.id, t.name, t."createdAt" FROM "Environment" t
         WHERE t."projectId" = p.parent AND NOT t."isPendingDeletion"
           AND (cardinality($2::int[]) = 0 OR t.id = ANY($2::int[]) OR t."projectId" = ANY($2::int[]))
         ORDER BY t."createdAt", t.id LIMIT ${PAGE.environments}
       ) c
       ORDER BY p.ord, c."createdAt", c.id`,
      [projects.map((p) => p.id), teams],
    )
  ).rows;

  // The environment's own annotations need no pending-deletion check (it was just listed as
  // not pending); its organization's ORGANIZATION-scoped ones do. Each of the two is read
  // straight from an index in the list's order, with its own LIMIT, and the two are merged
  // (an OR in one scan would read and sort every annotation of the environment). The creator
  // is looked up per row (LIMIT 1 keeps the planner from hashing the whole User table once
  // per environment).
  const annotations = (
    await pool.query(
      `SELECT p.parent, c.content, c."dateMarker", u.id AS "userId", u.email
       FROM unnest($1::int[]) WITH ORDINALITY AS p(parent, ord)
       JOIN "Environment" pe ON pe.id = p.parent
       CROSS JOIN LATERAL (
         SELECT * FROM (
           (SELECT t.id, t.content, t."dateMarker", t."createdById" FROM "Annotation" t
             WHERE t."environmentId" = pe.id AND NOT t.deleted
             ORDER BY t."dateMarker" DESC NULLS LAST, t.id DESC LIMIT ${PAGE.annotations})
           UNION ALL
           (SELECT t.id, t.content, t."dateMarker", t."createdById" FROM "Annotation" t
             WHERE t.scope = 'organization' AND t."organizationId" = pe."organizationId" AND t."environmentId" <> pe.id AND NOT t.deleted
               AND NOT EXISTS (SELECT FROM "Environment" te WHERE te.id = t."environmentId" AND te."isPendingDeletion")
             ORDER BY t."dateMarker" DESC NULLS LAST, t.id DESC LIMIT ${PAGE.annotations})
         ) b
         ORDER BY b."dateMarker" DESC NULLS LAST, b.id DESC LIMIT ${PAGE.annotations}
       ) c
       LEFT JOIN LATERAL (SELECT u.id, u.email FROM "User" u WHERE u.id = c."createdById" LIMIT 1) u ON true
       ORDER BY p.ord, c."dateMarker" DESC NULLS LAST, c.id DESC`,
      [environments.map((e) => e.id)],
    )
  ).rows;

  // Assemble bottom-up, in the field order of the GraphQL selection.
  const annotationsOf = byParent(annotations, "parent", (a) => ({
    content: a.content,
    dateMarker: a.dateMarker === null ? null : (a.dateMarker as Date).toISOString(),
    createdBy: a.userId === null ? null : { email: a.email },
  }));
  const environmentsOf = byParent(environments, "parent", (e) => ({
    name: e.name,
    annotations: { nodes: annotationsOf.get(e.id) ?? [] },
  }));
  const projectsOf = byParent(projects, "parent", (p) => ({
    name: p.name,
    environments: { nodes: environmentsOf.get(p.id) ?? [] },
  }));
  return {
    data: {
      viewer: {
        organizations: { nodes: orgs.map((o) => ({ name: o.name, projects: { nodes: projectsOf.get(o.id) ?? [] } })) },
      },
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

const error = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });
const NEEDED: Scope[] = ["organization:read", "project:read", "annotation:read"];

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === "/readyz" || req.url === "/healthz") {
    await pool.query("SELECT 1");
    return send(res, 200, { status: "ok" });
  }
  if (req.method !== "POST" || req.url !== "/graphql") return send(res, 404, error("Not found.", "BAD_REQUEST"));
  // The body is read (a server must) but not parsed: this server answers one query only.
  for await (const _chunk of req);
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  const key = match ? await authenticate(match[1]) : null;
  if (!key) return send(res, 401, error("The API key is not valid.", "UNAUTHENTICATED"));
  if (!NEEDED.every((s) => scopeAllows(key.scopes, s))) return send(res, 200, error("The key lacks a scope.", "FORBIDDEN"));
  send(res, 200, await nestedRead(key));
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) send(res, 500, error("Unexpected error.", "INTERNAL_SERVER_ERROR"));
  });
});
server.keepAliveTimeout = 5_000; // as src/server.ts
const port = Number(process.env.PORT ?? 4100);
server.listen(port, process.env.HOST ?? "127.0.0.1", () => console.log(`baseline on http://127.0.0.1:${port}/graphql`));

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeAllConnections();
  });
}
