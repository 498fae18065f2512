// No N+1 anywhere: for EVERY edge of the schema (object → object, object →
// list, object → connection), the SQL statements of a request stay the same
// when the number of parents grows from 1 to 10 to 50.
//
// The cases are generated from the schema itself (src/schema/index.ts):
// every field of a parent type is selected under 1, 10 and 50 parents,
// reached through a path known for that parent type (`nodes(ids:)` and a
// nested connection). A new edge of a known type is tested automatically; a
// new parent type without a path, or an edge no case selects, fails the
// coverage test at the end. Root fields (Query.*) have one parent per
// alias, so they are tested with 1, 10 and 50 aliases. Edges of mutation
// payloads are out of the rule: a payload has one parent per mutation, and
// mutations run one after the other, each with its own writes.
import { afterAll, describe, expect, it } from "vitest";
import {
  TypeInfo,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  parse,
  visit,
  visitWithTypeInfo,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from "graphql";
import { setupTestApp, type GqlResult } from "../helpers/app.js";
import { getSchema } from "../../src/schema/index.js";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { encodeId } from "../../src/domain/ids.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { insertEnvironment } from "../../src/domain/environments/store.js";

const t = await setupTestApp();
const prisma = t.db.prisma;
const schema = getSchema();

const SIZES = [1, 10, 50] as const;
type Size = (typeof SIZES)[number];

// ---- the data: one world per size, N organizations with one of everything ------

/** The instant settingsAsOf is asked for: one activity entry of each environment is older, one newer. */
const AS_OF = "2021-01-01T00:00:00.000Z";

let seq = 0;
const unique = (prefix: string) => {
  seq += 1;
  return `${prefix}-${process.pid}-${seq}`;
};

interface World {
  n: number;
  key: string;
  ownerId: number;
  orgs: string[];
  users: number[];
  roles: string[];
  projects: number[];
  environments: number[];
  annotations: number[];
  cohorts: number[];
}

/**
 * N organizations owned by one user (the key's). Each has another member (an
 * admin), a role (the default one) with both as members, and one project with
 * two environments; each environment has an annotation (on a dashboard and an
 * insight), a static cohort with a person, a product intent, a group type, an
 * ingestion restriction and two activity entries (one before AS_OF, one after).
 */
async function world(n: number): Promise<World> {
  const owner = await t.fixtures.user();
  const w: World = {
    n,
    key: await t.fixtures.key(owner.id),
    ownerId: owner.id,
    orgs: [],
    users: [],
    roles: [],
    projects: [],
    environments: [],
    annotations: [],
    cohorts: [],
  };
  for (let i = 0; i < n; i += 1) {
    const member = await t.fixtures.user();
    const org = await t.fixtures.organization(unique("Edges"), [
      { userId: owner.id, level: MembershipLevel.OWNER },
      { userId: member.id, level: MembershipLevel.ADMIN },
    ]);
    const role = await prisma.role.create({
      data: {
        organizationId: org.id,
        name: unique("Role"),
        createdById: member.id,
        members: { create: [{ userId: member.id }, { userId: owner.id }] },
      },
    });
    await prisma.organization.update({ where: { id: org.id }, data: { defaultRoleId: role.id } });
    const { project, environment } = await insertProject(prisma, org.id, unique("Project"), { timezone: "Europe/Berlin" });
    const staging = await insertEnvironment(prisma, project, unique("Staging"));
    w.orgs.push(org.id);
    w.users.push(member.id);
    w.roles.push(role.id);
    w.projects.push(project.id);
    for (const env of [environment, staging]) {
      w.environments.push(env.id);
      const dashboard = await prisma.dashboard.create({ data: { environmentId: env.id, name: unique("Dashboard") } });
      const insight = await prisma.insight.create({
        data: { environmentId: env.id, shortId: unique("ins"), name: "Signups", derivedName: "Pageview count" },
      });
      const annotation = await prisma.annotation.create({
        data: {
          organizationId: org.id,
          environmentId: env.id,
          content: "Deployed",
          dateMarker: new Date("2024-05-01T00:00:00Z"),
          scope: "project",
          dashboardItemId: insight.id,
          dashboardId: dashboard.id,
          createdById: member.id,
        },
      });
      w.annotations.push(annotation.id);
      const person = await prisma.person.create({
        data: { environmentId: env.id, distinctIds: [unique("person")], properties: { email: "p@example.com" } },
      });
      const cohort = await prisma.cohort.create({
        data: {
          environmentId: env.id,
          name: unique("Cohort"),
          isStatic: true,
          cohortType: "static",
          createdById: member.id,
          persons: { create: [{ personId: person.id }] },
        },
      });
      w.cohorts.push(cohort.id);
      await prisma.productIntent.create({
        data: { environmentId: env.id, productType: "product_analytics", contexts: { "onboarding product selected - primary": 1 } },
      });
      await prisma.groupTypeMapping.create({
        data: { environmentId: env.id, groupType: "company", groupTypeIndex: 0, nameSingular: "Company", namePlural: "Companies" },
      });
      await prisma.eventIngestionRestriction.create({
        data: { token: env.apiToken, restrictionType: "skip_person_processing", distinctIds: ["a"] },
      });
      for (const [createdAt, before, after] of [
        [new Date("2020-06-01T00:00:00Z"), "UTC", "Europe/Paris"],
        [new Date(), "Europe/Paris", "Europe/Berlin"],
      ] as const) {
        await prisma.activityLog.create({
          data: {
            organizationId: org.id,
            projectId: project.id,
            environmentId: env.id,
            userId: member.id,
            activity: "updated",
            scope: "Team",
            itemId: String(env.id),
            createdAt,
            detail: { name: env.name, changes: [{ type: "Team", action: "changed", field: "timezone", before, after }], context: null },
          },
        });
      }
    }
  }
  return w;
}

const worlds = new Map<Size, World>();
for (const n of SIZES) worlds.set(n, await world(n));

// ---- selections, generated from the schema ------------------------------------

const objectType = (name: string) => schema.getType(name) as GraphQLObjectType;
const isConnectionType = (type: GraphQLNamedType): type is GraphQLObjectType =>
  isObjectType(type) && "edges" in type.getFields() && "pageInfo" in type.getFields() && "nodes" in type.getFields();
const isEdgeField = (field: GraphQLField<unknown, unknown>) => {
  const named = getNamedType(field.type);
  return isObjectType(named) || isInterfaceType(named) || isUnionType(named);
};
const leavesOf = (type: GraphQLObjectType) =>
  Object.values(type.getFields()).filter((f) => isLeafType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type)));

/** Arguments to pass to edges that need some (connections get a small page so cost stays low). */
const EDGE_ARGS: Record<string, string> = {
  "Project.settingsAsOf": `(at: "${AS_OF}")`,
  "Environment.settingsAsOf": `(at: "${AS_OF}")`,
};
function argsFor(parent: string, field: GraphQLField<unknown, unknown>): string {
  const known = EDGE_ARGS[`${parent}.${field.name}`];
  if (known) return known;
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  if (required.length)
    throw new Error(`${parent}.${field.name} needs arguments (${required.map((a) => a.name).join(", ")}): add them to EDGE_ARGS.`);
  return isConnectionType(getNamedType(field.type)) ? "(first: 5)" : "";
}

/** A document under construction: its selection and the leaf fragments it uses. */
class Doc {
  readonly fragments = new Set<string>();
  leaves(typeName: string): string {
    const type = objectType(typeName);
    if (leavesOf(type).length === 0) return "__typename";
    this.fragments.add(typeName);
    return `...L_${typeName}`;
  }
  /** What to select under an edge to `type`: all its scalars; for a connection, its page and its items' scalars. */
  child(type: GraphQLNamedType): string {
    if (isConnectionType(type)) {
      const node = getNamedType(type.getFields().nodes.type).name;
      return (
        `totalCount pageInfo { ${this.leaves("PageInfo")} } ` +
        `edges { cursor node { ${this.leaves(node)} } } nodes { ${this.leaves(node)} }`
      );
    }
    if (isObjectType(type)) return this.leaves(type.name);
    throw new Error(`No selection for ${type.name}`);
  }
  finish(body: string): string {
    const fragments = [...this.fragments].map(
      (name) =>
        `fragment L_${name} on ${name} { ${leavesOf(objectType(name))
          .map((f) => f.name)
          .join(" ")} }`,
    );
    return [body, ...fragments].join("\n");
  }
}

// ---- paths: how to reach N parents of a type in ONE request -------------------

interface Path {
  name: string;
  /** The operation, with `SEL` selected on each parent. */
  body: (sel: string) => string;
  variables?: (w: World) => Record<string, unknown>;
  /** The parents in the answer. */
  parents: (data: any) => any[];
  /** How many parents a world of size n gives. */
  expected: (w: World) => number;
}

const viaNodes = (type: string, ids: (w: World) => (string | number)[]): Path => ({
  name: `nodes(ids:) of ${type}`,
  body: (sel) => `query($ids: [ID!]!) { nodes(ids: $ids) { ... on ${type} { ${sel} } } }`,
  variables: (w) => ({ ids: ids(w).map((id) => encodeId(type, id)) }),
  parents: (data) => data.nodes,
  expected: (w) => ids(w).length,
});

const ORGS = (inner: string) => `{ viewer { organizations(first: 100) { nodes { ${inner} } } } }`;
const orgNodes = (data: any): any[] => data.viewer.organizations.nodes;
const projectNodes = (data: any): any[] => orgNodes(data).flatMap((o) => o.projects.nodes);
const envNodes = (data: any): any[] => projectNodes(data).flatMap((p) => p.environments.nodes);

/** Paths to N parents, per parent type. A type with edges but no path fails the coverage test. */
const PATHS: Record<string, Path[]> = {
  Viewer: [
    {
      // One viewer per request: what grows here is what it reaches (N organizations).
      name: "viewer (reaching N organizations)",
      body: (sel) => `{ viewer { ${sel} } }`,
      parents: (data) => [data.viewer],
      expected: () => 1,
    },
  ],
  Organization: [
    viaNodes("Organization", (w) => w.orgs),
    { name: "viewer.organizations", body: (sel) => ORGS(sel), parents: orgNodes, expected: (w) => w.n },
  ],
  OrganizationMember: [
    {
      name: "viewer.organizations.members",
      body: (sel) => ORGS(`members(first: 2) { nodes { ${sel} } }`),
      parents: (data) => orgNodes(data).flatMap((o) => o.members.nodes),
      expected: (w) => 2 * w.n,
    },
  ],
  User: [viaNodes("User", (w) => w.users)],
  Role: [
    viaNodes("Role", (w) => w.roles),
    {
      name: "viewer.organizations.roles",
      body: (sel) => ORGS(`roles(first: 1) { nodes { ${sel} } }`),
      parents: (data) => orgNodes(data).flatMap((o) => o.roles.nodes),
      expected: (w) => w.n,
    },
  ],
  RoleMember: [
    {
      name: "viewer.organizations.roles.members",
      body: (sel) => ORGS(`roles(first: 1) { nodes { members(first: 2) { nodes { ${sel} } } } }`),
      parents: (data) => orgNodes(data).flatMap((o) => o.roles.nodes.flatMap((r: any) => r.members.nodes)),
      expected: (w) => 2 * w.n,
    },
  ],
  Project: [
    viaNodes("Project", (w) => w.projects),
    {
      name: "viewer.organizations.projects",
      body: (sel) => ORGS(`projects(first: 1) { nodes { ${sel} } }`),
      parents: projectNodes,
      expected: (w) => w.n,
    },
  ],
  Environment: [
    viaNodes("Environment", (w) => w.environments),
    {
      name: "viewer.organizations.projects.environments",
      body: (sel) => ORGS(`projects(first: 1) { nodes { environments(first: 2) { nodes { ${sel} } } } }`),
      parents: envNodes,
      expected: (w) => 2 * w.n,
    },
  ],
  Annotation: [
    viaNodes("Annotation", (w) => w.annotations),
    {
      name: "viewer.organizations.projects.environments.annotations",
      body: (sel) =>
        ORGS(`projects(first: 1) { nodes { environments(first: 2) { nodes { annotations(first: 5) { nodes { ${sel} } } } } } }`),
      parents: (data) => envNodes(data).flatMap((e) => e.annotations.nodes),
      expected: (w) => 2 * w.n,
    },
  ],
  Cohort: [
    viaNodes("Cohort", (w) => w.cohorts),
    {
      // Through projects' environments rather than from the viewer: Cohort.persons' items would pass the depth limit (12) there.
      name: "nodes(ids:) of Project → environments.cohorts",
      body: (sel) =>
        `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Project { environments(first: 2) { nodes { cohorts(first: 5) { nodes {
          ${sel} } } } } } } }`,
      variables: (w) => ({ ids: w.projects.map((id) => encodeId("Project", id)) }),
      parents: (data) => data.nodes.flatMap((p: any) => p.environments.nodes.flatMap((e: any) => e.cohorts.nodes)),
      expected: (w) => 2 * w.n,
    },
  ],
  ActivityEntry: [
    {
      name: "nodes(ids:) of Project → activity",
      body: (sel) => `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Project { activity(first: 10) { nodes { ${sel} } } } } }`,
      variables: (w) => ({ ids: w.projects.map((id) => encodeId("Project", id)) }),
      parents: (data) => data.nodes.flatMap((p: any) => p.activity.nodes),
      expected: (w) => 4 * w.n,
    },
    {
      name: "viewer.organizations.projects.activity",
      body: (sel) => ORGS(`projects(first: 1) { nodes { activity(first: 10) { nodes { ${sel} } } } }`),
      parents: (data) => projectNodes(data).flatMap((p) => p.activity.nodes),
      expected: (w) => 4 * w.n,
    },
  ],
  ActivityDetail: [
    {
      name: "viewer.organizations.projects.activity.detail",
      body: (sel) => ORGS(`projects(first: 1) { nodes { activity(first: 10) { nodes { detail { ${sel} } } } } }`),
      parents: (data) => projectNodes(data).flatMap((p) => p.activity.nodes.map((a: any) => a.detail)),
      expected: (w) => 4 * w.n,
    },
  ],
};

// ---- root fields: one parent per alias ----------------------------------------

/** An app that allows enough aliases (and tokens) for 50 aliased root fields. */
const aliasApp = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", MAX_ALIASES: "100", MAX_TOKENS: "100000" }));

async function gqlAliased(query: string, key: string): Promise<GqlResult> {
  t.db.counter.reset();
  const res = await aliasApp.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  const sql = t.db.counter.count;
  return { status: res.status, sql, ...((await res.json()) as object) };
}

/** The id a root lookup takes for the i-th object of a world, per root field. */
const ROOT_LOOKUPS: Record<string, { type: string; ids: (w: World) => (string | number)[] }> = {
  organization: { type: "Organization", ids: (w) => w.orgs },
  project: { type: "Project", ids: (w) => w.projects },
  environment: { type: "Environment", ids: (w) => w.environments },
  role: { type: "Role", ids: (w) => w.roles },
  annotation: { type: "Annotation", ids: (w) => w.annotations },
  cohort: { type: "Cohort", ids: (w) => w.cohorts },
};
const NODE_TYPES: Record<string, (w: World) => (string | number)[]> = {
  Organization: (w) => w.orgs,
  User: (w) => w.users,
  Role: (w) => w.roles,
  Project: (w) => w.projects,
  Environment: (w) => w.environments,
  Annotation: (w) => w.annotations,
  Cohort: (w) => w.cohorts,
};

interface RootCase {
  name: string;
  /** The document for n aliases. */
  doc: (w: World, n: number) => string;
}

function rootCases(): RootCase[] {
  const cases: RootCase[] = [];
  const aliased = (n: number, one: (i: number) => string) => Array.from({ length: n }, (_, i) => `a${i}: ${one(i)}`).join("\n");
  for (const [field, { type, ids }] of Object.entries(ROOT_LOOKUPS)) {
    cases.push({
      name: `Query.${field} × n aliases`,
      doc: (w, n) => {
        const d = new Doc();
        return d.finish(`{ ${aliased(n, (i) => `${field}(id: "${encodeId(type, ids(w)[i])}") { ${d.leaves(type)} }`)} }`);
      },
    });
  }
  for (const [type, ids] of Object.entries(NODE_TYPES)) {
    cases.push({
      name: `Query.node of ${type} × n aliases`,
      doc: (w, n) => {
        const d = new Doc();
        return d.finish(`{ ${aliased(n, (i) => `node(id: "${encodeId(type, ids(w)[i])}") { id ... on ${type} { ${d.leaves(type)} } }`)} }`);
      },
    });
  }
  cases.push({
    name: "Query.viewer × n aliases",
    doc: (_w, n) => {
      const d = new Doc();
      return d.finish(`{ ${aliased(n, () => `viewer { user { ${d.leaves("User")} } apiKey { ${d.leaves("ApiKeyInfo")} } }`)} }`);
    },
  });
  cases.push({
    // The key's rate-limit figures: one charge per request (not through the SQL counter), nothing per alias.
    name: "Query.rateLimit × n aliases",
    doc: (_w, n) => {
      const d = new Doc();
      return d.finish(`{ ${aliased(n, () => `rateLimit { ${d.leaves("RateLimit")} }`)} }`);
    },
  });
  cases.push({
    name: "Query.currentOrganization × n aliases",
    doc: (_w, n) => {
      const d = new Doc();
      return d.finish(`{ ${aliased(n, () => `currentOrganization { ${d.leaves("Organization")} }`)} }`);
    },
  });
  return cases;
}

// ---- the cases ------------------------------------------------------------------

interface EdgeCase {
  /** `Parent.field`, or `Parent (scalars)` for the parent's own scalar fields. */
  edge: string;
  path: Path;
  doc: string;
  /** Whether each parent's edge value is non-empty (the data has children for every parent). */
  present?: (value: any) => boolean;
}

function present(type: GraphQLOutputType, value: any): boolean {
  if (value == null) return false;
  if (isConnectionType(getNamedType(type)))
    return value.totalCount > 0 && value.nodes.length > 0 && value.edges.length === value.nodes.length;
  const nullable = isNonNullType(type) ? type.ofType : type;
  if (isListType(nullable)) return value.length > 0;
  return true;
}

function edgeCases(): EdgeCase[] {
  const cases: EdgeCase[] = [];
  for (const [typeName, paths] of Object.entries(PATHS)) {
    const type = objectType(typeName);
    for (const path of paths) {
      if (leavesOf(type).length) {
        const d = new Doc();
        cases.push({ edge: `${typeName} (scalars)`, path, doc: d.finish(path.body(`${d.leaves(typeName)}`)) });
      }
      for (const field of Object.values(type.getFields()).filter(isEdgeField)) {
        const d = new Doc();
        const sel = `edge: ${field.name}${argsFor(typeName, field)} { ${d.child(getNamedType(field.type))} }`;
        cases.push({ edge: `${typeName}.${field.name}`, path, doc: d.finish(path.body(sel)), present: (p) => present(field.type, p.edge) });
      }
    }
  }
  return cases;
}

const EDGE_CASES = edgeCases();
const ROOT_CASES = rootCases();

// ---- the tests ------------------------------------------------------------------

/** Statements per case, printed when N1_REPORT is set (e.g. `N1_REPORT=1 npx vitest run test/n-plus-one`). */
const report: string[] = [];
afterAll(() => {
  if (process.env.N1_REPORT) console.log(report.join("\n"));
});

describe("authentication", () => {
  it("costs exactly one statement per request", async () => {
    const w = worlds.get(50)!;
    const res = await t.gql(`{ viewer { apiKey { label scopes } } }`, undefined, { key: w.key });
    expect(res.errors).toBeUndefined();
    expect(res.sql).toBe(1);
    // And authorization reuses the memberships loaded with the key: 50 organizations' levels, no further statement.
    const levels = await t.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization { membershipLevel } } }`,
      { ids: w.orgs.map((id) => encodeId("Organization", id)) },
      { key: w.key },
    );
    expect(levels.errors).toBeUndefined();
    expect(levels.data.nodes.map((o: any) => o.membershipLevel)).toEqual(w.orgs.map(() => "OWNER"));
    expect(levels.sql).toBe(2); // authentication + the organizations
  });
});

describe("every edge costs the same statements for 1, 10 and 50 parents", () => {
  it.each(EDGE_CASES.map((c) => [`${c.edge} via ${c.path.name}`, c] as const))("%s", async (_name, c) => {
    const counts: number[] = [];
    for (const n of SIZES) {
      const w = worlds.get(n)!;
      const res = await t.gql(c.doc, c.path.variables?.(w), { key: w.key });
      expect(res.errors, `${n} parents: ${JSON.stringify(res.errors)}`).toBeUndefined();
      const parents = c.path.parents(res.data);
      expect(parents, `parents for n = ${n}`).toHaveLength(c.path.expected(w));
      if (c.present)
        for (const p of parents)
          expect(c.present(p), `${c.edge} is empty for a parent (n = ${n}): ${JSON.stringify(p).slice(0, 300)}`).toBe(true);
      counts.push(res.sql);
    }
    report.push(`${c.edge} via ${c.path.name}: ${counts.join(" / ")}`);
    expect(counts, `statements for ${SIZES.join(", ")} parents`).toEqual(SIZES.map(() => counts[0]));
  });

  it.each(ROOT_CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const counts: number[] = [];
    for (const n of SIZES) {
      const w = worlds.get(n)!;
      const res = await gqlAliased(c.doc(w, n), w.key);
      expect(res.errors, `${n} aliases: ${JSON.stringify(res.errors)}`).toBeUndefined();
      const values = Object.values(res.data as object);
      expect(values).toHaveLength(n);
      for (const v of values) expect(v).not.toBeNull();
      counts.push(res.sql);
    }
    report.push(`${c.name}: ${counts.join(" / ")}`);
    expect(counts, `statements for ${SIZES.join(", ")} aliases`).toEqual(SIZES.map(() => counts[0]));
  });
});

describe("settingsAsOf, batched by (environment, instant)", () => {
  it("answers each parent and each instant its own snapshot, in one statement for all of them", async () => {
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Environment { databaseId
      now: settingsAsOf(at: "2999-01-01T00:00:00Z") { timezone }
      between: settingsAsOf(at: "${AS_OF}") { timezone }
      before: settingsAsOf(at: "2019-01-01T00:00:00Z", scope: ["timezone"]) { timezone weekStartDay } } } }`;
    const counts: number[] = [];
    for (const n of SIZES) {
      const w = worlds.get(n)!;
      const res = await t.gql(query, { ids: w.environments.map((id) => encodeId("Environment", id)) }, { key: w.key });
      expect(res.errors).toBeUndefined();
      expect(res.data.nodes).toHaveLength(2 * n);
      for (const env of res.data.nodes) {
        // Now: the current setting (primary environments were created with Europe/Berlin, staging ones have the default).
        const primary = w.projects.includes(env.databaseId);
        expect(env.now.timezone).toBe(primary ? "Europe/Berlin" : "UTC");
        // The newer entry (after AS_OF) undone, then both.
        expect(env.between.timezone).toBe("Europe/Paris");
        expect(env.before).toEqual({ timezone: "UTC", weekStartDay: null });
      }
      counts.push(res.sql);
    }
    // authentication, the environments, the activity of every (environment, instant) pair
    expect(counts).toEqual([3, 3, 3]);
  });
});

describe("Cohort.persons, batched by cohort", () => {
  it("answers each cohort its own members, in one statement for all of them", async () => {
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Cohort { databaseId
      persons(first: 5) { totalCount nodes { uuid distinctIds } } } } }`;
    const counts: number[] = [];
    for (const n of SIZES) {
      const w = worlds.get(n)!;
      const res = await t.gql(query, { ids: w.cohorts.map((id) => encodeId("Cohort", id)) }, { key: w.key });
      expect(res.errors).toBeUndefined();
      expect(res.data.nodes).toHaveLength(2 * n);
      const stored = await prisma.cohortPerson.findMany({ where: { cohortId: { in: w.cohorts } }, include: { person: true } });
      const expected = new Map(stored.map((m) => [m.cohortId, [{ uuid: m.person.uuid, distinctIds: m.person.distinctIds }]]));
      for (const c of res.data.nodes) expect(c.persons).toEqual({ totalCount: 1, nodes: expected.get(c.databaseId) });
      counts.push(res.sql);
    }
    // authentication, the cohorts, the persons of every cohort
    expect(counts).toEqual([3, 3, 3]);
  });
});

describe("coverage", () => {
  /** The object types reachable from Query (mutation payloads are not). */
  function reachableFromQuery(): Set<string> {
    const seen = new Set<string>();
    const queue: GraphQLNamedType[] = [schema.getQueryType()!];
    while (queue.length) {
      const type = queue.shift()!;
      if (seen.has(type.name)) continue;
      seen.add(type.name);
      if (isInterfaceType(type) || isUnionType(type)) queue.push(...schema.getPossibleTypes(type));
      if (isObjectType(type) || isInterfaceType(type)) for (const f of Object.values(type.getFields())) queue.push(getNamedType(f.type));
    }
    return seen;
  }

  /** Every `Parent.field` edge the documents select. */
  function selectedEdges(docs: string[]): Set<string> {
    const selected = new Set<string>();
    for (const doc of docs) {
      const typeInfo = new TypeInfo(schema);
      visit(
        parse(doc),
        visitWithTypeInfo(typeInfo, {
          Field() {
            const parent = typeInfo.getParentType();
            const field = typeInfo.getFieldDef();
            if (parent && field && isEdgeField(field)) selected.add(`${parent.name}.${field.name}`);
          },
        }),
      );
    }
    return selected;
  }

  it("tests every edge of every type reachable from Query (mutation payloads excepted)", () => {
    const reachable = reachableFromQuery();
    const docs = [...EDGE_CASES.map((c) => c.doc), ...ROOT_CASES.flatMap((c) => SIZES.map((n) => c.doc(worlds.get(n)!, n)))];
    const selected = selectedEdges(docs);
    const all: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith("__") || !reachable.has(type.name)) continue;
      for (const field of Object.values(type.getFields())) if (isEdgeField(field)) all.push(`${type.name}.${field.name}`);
    }
    const missing = all.filter((e) => !selected.has(e));
    expect(missing, "edges no case selects: give their parent type a path in PATHS (or a root case)").toEqual([]);
    // Every parent type's own edges are each the subject of a case (not merely on a path to another).
    const tested = new Set(EDGE_CASES.map((c) => c.edge));
    const untested = all.filter((e) => {
      const [type] = e.split(".");
      return type !== "Query" && !isConnectionType(objectType(type)) && !type.endsWith("Edge") && !tested.has(e);
    });
    expect(untested, "edges without their own case: add a path for their parent type to PATHS").toEqual([]);
  });
});
