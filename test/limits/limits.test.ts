import { encodeId } from "../../src/domain/ids.js";
// Every request is bounded before it runs: depth, aliases, directives and
// tokens (graphql-armor), and a GitHub-like cost (each object 1, scalars 0, a
// connection multiplies what it selects by `first`/`last`, default 20). A
// request over a limit is answered 400 QUERY_TOO_COMPLEX before
// authentication or any SQL; a successful one reports its cost.
import { describe, expect, it } from "vitest";
import {
  Kind,
  Lexer,
  Source,
  TokenKind,
  getArgumentValues,
  getIntrospectionQuery,
  getNamedType,
  getVariableValues,
  isInterfaceType,
  isLeafType,
  isObjectType,
  parse,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { setupTestApp, type GqlResult } from "../helpers/app.js";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { getSchema } from "../../src/schema/index.js";
import { insertProject } from "../../src/domain/projects/store.js";

const t = await setupTestApp();
const schema = getSchema();
const config = loadConfig({ ...process.env, NODE_ENV: "test" });

const { project, environment } = await insertProject(t.db.prisma, t.org.id, "Limits", { timezone: "Europe/Berlin" });
const role = await t.db.prisma.role.create({
  data: { organizationId: t.org.id, name: "Limits role", members: { create: [{ userId: t.owner.id }] } },
});
const cohort = await t.db.prisma.cohort.create({
  data: { environmentId: environment.id, name: "Limits cohort", isStatic: true, cohortType: "static", count: 0 },
});

/** Runs an operation against another app (other limits) on the same database, counting its SQL. */
async function gqlOn(app: App, query: string, variables?: Record<string, unknown>, key: string | null = t.ownerKey): Promise<GqlResult> {
  t.db.counter.reset();
  const res = await app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const sql = t.db.counter.count;
  return { status: res.status, sql, ...((await res.json()) as object) };
}

const appWith = (env: Record<string, string>) => createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", ...env }));

/** The refusal every limit gives: 400, QUERY_TOO_COMPLEX on every error, no data, and not one SQL statement (not even authentication). */
function expectRefused(res: GqlResult, message?: RegExp) {
  expect(res.status, JSON.stringify(res)).toBe(400);
  expect(res.data).toBeUndefined();
  expect(res.errors?.length).toBeGreaterThan(0);
  for (const e of res.errors!) expect(e.extensions?.code, JSON.stringify(res.errors)).toBe("QUERY_TOO_COMPLEX");
  if (message) expect(res.errors![0].message).toMatch(message);
  expect(res.sql).toBe(0);
}

function expectOk(res: GqlResult) {
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.status).toBe(200);
}

// ---- the cost model, independently of the server's implementation -------------

/**
 * The cost of an operation as the README states it: every object (or list of
 * objects) counts 1 and multiplies what it selects by 1; a connection (a field
 * taking `first`/`last`) multiplies it by `first`, else `last`, else 20;
 * scalars count 0. Fragments count where they are spread.
 */
function modelCost(query: string, variables: Record<string, unknown> = {}): number {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = new Map(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const coerced = getVariableValues(schema, op.variableDefinitions ?? [], variables);
  if (coerced.errors) throw coerced.errors[0];
  const cost = (set: SelectionSetNode, type: GraphQLNamedType): number => {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value)!;
        total += cost(f.selectionSet, schema.getType(f.typeCondition.name.value)!);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        total += cost(s.selectionSet, s.typeCondition ? schema.getType(s.typeCondition.name.value)! : type);
      } else {
        if (s.name.value.startsWith("__")) throw new Error("the model covers schema fields only");
        const field = (type as GraphQLObjectType).getFields()[s.name.value];
        const fieldType = getNamedType(field.type);
        if (isLeafType(fieldType)) continue;
        const args = getArgumentValues(field, s, coerced.coerced) as { first?: number | null; last?: number | null };
        const paged = field.args.some((a) => a.name === "first" || a.name === "last");
        const multiplier = paged ? (args.first ?? args.last ?? 20) : 1;
        total += 1 + multiplier * cost(s.selectionSet!, fieldType);
      }
    }
    return total;
  };
  return cost(op.selectionSet, schema.getRootType(op.operation)!);
}

/** The number of tokens graphql-armor counts: every lexer token but <SOF> and <EOF>. */
function tokenCount(query: string): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n += 1;
  return n;
}

/** A chain of `depth` nested fields: environment → project → primaryEnvironment → project → ... → name. */
function chain(depth: number): string {
  let query = "name";
  for (let level = depth - 1; level >= 2; level -= 1) query = `${level % 2 === 0 ? "project" : "primaryEnvironment"} { ${query} }`;
  return `{ environment(id: ${environment.id}) { ${query} } }`;
}

const BIG = `{ viewer { organizations(first: 100) { nodes { projects(first: 100) { nodes { environments(first: 100) { nodes {
  annotations(first: 100) { nodes { content } } } } } } } } } }`;

describe("defaults", () => {
  it("are those the README documents, and come from the environment", () => {
    const defaults = loadConfig({ NODE_ENV: "test" });
    expect([defaults.MAX_QUERY_DEPTH, defaults.MAX_ALIASES, defaults.MAX_DIRECTIVES, defaults.MAX_TOKENS, defaults.MAX_QUERY_COST]).toEqual(
      [12, 15, 20, 3000, 25000],
    );
    const set = loadConfig({
      NODE_ENV: "test",
      MAX_QUERY_DEPTH: "5",
      MAX_ALIASES: "2",
      MAX_DIRECTIVES: "3",
      MAX_TOKENS: "400",
      MAX_QUERY_COST: "10",
    });
    expect([set.MAX_QUERY_DEPTH, set.MAX_ALIASES, set.MAX_DIRECTIVES, set.MAX_TOKENS, set.MAX_QUERY_COST]).toEqual([5, 2, 3, 400, 10]);
    expect(() => loadConfig({ NODE_ENV: "test", MAX_QUERY_COST: "0" })).toThrow(/MAX_QUERY_COST/);
    expect(() => loadConfig({ NODE_ENV: "test", MAX_QUERY_DEPTH: "deep" })).toThrow(/MAX_QUERY_DEPTH/);
  });
});

describe("depth, aliases, directives and tokens", () => {
  it(`answers a depth of MAX_QUERY_DEPTH (${config.MAX_QUERY_DEPTH}) and refuses one more before any SQL`, async () => {
    const ok = await t.gql(chain(config.MAX_QUERY_DEPTH));
    expectOk(ok);
    expect(ok.data.environment).toBeTruthy();
    expectRefused(
      await t.gql(chain(config.MAX_QUERY_DEPTH + 1)),
      new RegExp(`depth limit of ${config.MAX_QUERY_DEPTH} exceeded, found ${config.MAX_QUERY_DEPTH + 1}`),
    );
  });

  it("counts the depth through fragments too", async () => {
    const inner = chain(config.MAX_QUERY_DEPTH + 1)
      .replace(`{ environment(id: ${environment.id}) { `, "")
      .replace(/ } }$/, "");
    const res = await t.gql(`{ environment(id: ${environment.id}) { ...E } } fragment E on Environment { ${inner} }`);
    expectRefused(res, /depth limit/);
  });

  it(`answers MAX_ALIASES (${config.MAX_ALIASES}) aliases and refuses one more before any SQL`, async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { apiKey { label } }`).join(" ")} }`;
    expectOk(await t.gql(aliases(config.MAX_ALIASES)));
    expectRefused(await t.gql(aliases(config.MAX_ALIASES + 1)), new RegExp(`Aliases limit of ${config.MAX_ALIASES} exceeded`));
  });

  it(`answers MAX_DIRECTIVES (${config.MAX_DIRECTIVES}) directives and refuses one more before any SQL`, async () => {
    const directives = (n: number) => `{ viewer { user { ${"email @include(if: true) ".repeat(n)} } } }`;
    expectOk(await t.gql(directives(config.MAX_DIRECTIVES)));
    expectRefused(await t.gql(directives(config.MAX_DIRECTIVES + 1)), new RegExp(`Directives limit of ${config.MAX_DIRECTIVES} exceeded`));
  });

  it(`answers MAX_TOKENS (${config.MAX_TOKENS}) tokens and refuses one more before any SQL`, async () => {
    // settingsAsOf ignores unknown scope names: a long list of them is a long, harmless document.
    const tokens = (n: number) => {
      const base = (k: number) =>
        `{ project(id: ${project.id}) { settingsAsOf(at: "2020-01-01T00:00:00Z", scope: [${'"x" '.repeat(k)}]) { at } } }`;
      const query = base(n - tokenCount(base(0)));
      expect(tokenCount(query)).toBe(n);
      return query;
    };
    expectOk(await t.gql(tokens(config.MAX_TOKENS)));
    expectRefused(await t.gql(tokens(config.MAX_TOKENS + 1)), new RegExp(`Token limit of ${config.MAX_TOKENS} exceeded`));
  });

  it("refuses without a key too, with the same code (limits come before authentication)", async () => {
    const res = await t.gql(chain(config.MAX_QUERY_DEPTH + 1), undefined, { key: null });
    expectRefused(res);
  });
});

describe("cost", () => {
  it("refuses a request over MAX_QUERY_COST before any SQL, with its cost and the limit in extensions", async () => {
    // viewer 1 + organizations (1 + 100 × (nodes 1 + projects (1 + 100 × (nodes 1 +
    //   environments (1 + 100 × (nodes 1 + annotations (1 + 100 × nodes 1))))))).
    const requested = 1 + (1 + 100 * (1 + (1 + 100 * (1 + (1 + 100 * (1 + (1 + 100 * 1)))))));
    expect(modelCost(BIG)).toBe(requested);
    expect(requested).toBe(102020202);
    const res = await t.gql(BIG);
    expectRefused(res);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.cost).toEqual({ requested, limit: config.MAX_QUERY_COST });
    expect(res.errors![0].message).toContain(String(requested));
    expect(res.errors![0].message).toContain(String(config.MAX_QUERY_COST));
  });

  it("reports the cost of every successful response in extensions.cost", async () => {
    const cases: [string, number][] = [
      // viewer 1 + organizations (1 + 10 × (nodes 1 + projects (1 + 5 × nodes 1)))
      [`{ viewer { organizations(first: 10) { nodes { name projects(first: 5) { totalCount nodes { name } } } } } }`, 72],
      // no first/last: a page of 20
      [`{ viewer { organizations { nodes { name } } } }`, 22],
      [`{ viewer { organizations(last: 3) { nodes { name } } } }`, 5],
      // scalars only: the object itself
      [`{ project(id: ${project.id}) { name timezone } }`, 1],
      // edges, their nodes and pageInfo are objects too: (edges 1 + node 1) + pageInfo 1 per item
      [
        `{ project(id: ${project.id}) { environments(first: 4) { totalCount edges { cursor node { name } } pageInfo { hasNextPage } } } }`,
        1 + (1 + 4 * (2 + 1)),
      ],
      // fragments count where they are spread
      [
        `{ viewer { ...V } } fragment V on Viewer { organizations(first: 2) { nodes { ... on Organization { name
          roles(first: 4) { nodes { name } } } } } }`,
        14,
      ],
      [
        `{ a: project(id: ${project.id}) { name } b: role(id: "${role.id}") { name members(first: 3) { nodes { user { email } } } } }`,
        1 + 1 + (1 + 3 * (1 + 1)),
      ],
    ];
    for (const [query, cost] of cases) {
      expect(modelCost(query), query).toBe(cost);
      const res = await t.gql(query);
      expectOk(res);
      expect(res.extensions?.cost, query).toEqual({ requested: cost, limit: config.MAX_QUERY_COST });
    }
  });

  it("reports the cost of a mutation too", async () => {
    const query = `mutation($input: UpdateRoleInput!) { updateRole(input: $input) { role { name members(first: 2) { totalCount } }
      userErrors { message } } }`;
    const res = await t.gql(query, { input: { id: role.id, name: "Limits role" } });
    expectOk(res);
    // updateRole 1 + (role 1 + members (1 + 2 × 0)) + userErrors 1
    expect(res.extensions?.cost).toEqual({ requested: 4, limit: config.MAX_QUERY_COST });
  });

  it("computes the cost with the variables' values", async () => {
    const query = `query($n: Int, $m: Int) { viewer { organizations(first: $n) { nodes { projects(first: $m) { nodes {
      environments(first: $m) { nodes { name } } } } } } } }`;
    for (const variables of [{ n: 1, m: 1 }, { n: 10, m: 3 }, { n: 50, m: 4 }, { n: 5 }, {}]) {
      const cost = modelCost(query, variables);
      const res = await t.gql(query, variables);
      expectOk(res);
      expect(res.extensions?.cost, JSON.stringify(variables)).toEqual({ requested: cost, limit: config.MAX_QUERY_COST });
    }
    expect(modelCost(query, { n: 1, m: 1 })).toBe(1 + (1 + 1 * (1 + (1 + 1 * (1 + (1 + 1 * 1))))));
    // Unset variables are the default page of 20.
    expect(modelCost(query, {})).toBe(modelCost(query, { n: 20, m: 20 }));
    // The same document over the limit through its variables alone: refused, before any SQL.
    const over = { n: 100, m: 100 };
    const res = await t.gql(query, over);
    expectRefused(res);
    expect(res.errors![0].extensions?.cost).toEqual({ requested: modelCost(query, over), limit: config.MAX_QUERY_COST });
  });

  it("answers each request with its own cost when the same document comes again with other variables or another operation", async () => {
    // Costs are remembered per parsed document, operation and variables (src/limits.ts): a remembered cost must never
    // answer for other variables or another operation, and a refusal must repeat.
    const levels = `viewer { organizations(first: $n) { nodes { projects(first: $n) { nodes { environments(first: $n) { nodes { name } } } } } } }`;
    const query = `query Pages($n: Int) { ${levels} } query Big ${BIG}`;
    const run = (operationName: string, variables: Record<string, unknown>) =>
      t
        .raw(JSON.stringify({ query, operationName, variables }), { authorization: `Bearer ${t.ownerKey}` })
        .then(async (r) => ({ status: r.status, ...((await r.json()) as any) }));
    const pages = `query($n: Int) { ${levels} }`;
    for (let round = 0; round < 2; round += 1) {
      for (const n of [1, 7, 1, 100, 3]) {
        const res = await run("Pages", { n });
        const requested = modelCost(pages, { n });
        if (requested > config.MAX_QUERY_COST) {
          expect(res.status, `n=${n}, round ${round}`).toBe(400);
          expect(res.errors[0].extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", cost: { requested } });
        } else {
          expect(res.errors, `n=${n}, round ${round}`).toBeUndefined();
          expect(res.extensions.cost, `n=${n}, round ${round}`).toEqual({ requested, limit: config.MAX_QUERY_COST });
        }
      }
      const big = await run("Big", {});
      expect(big.status).toBe(400);
      expect(big.errors[0].extensions.cost.requested).toBe(modelCost(BIG));
    }
    expect(modelCost(pages, { n: 100 })).toBeGreaterThan(config.MAX_QUERY_COST);
  });

  it("multiplies what nodes(ids:) selects by the number of ids", async () => {
    const ids = Array.from({ length: 3 }, () => encodeId("Project", project.id));
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Project { name environments(first: 4) { nodes { name } } } } }`;
    const res = await t.gql(query, { ids });
    expectOk(res);
    // nodes: 1 + 3 ids × (environments 1 + 4 × nodes 1)
    expect(res.extensions?.cost).toEqual({ requested: 1 + 3 * (1 + 4 * 1), limit: config.MAX_QUERY_COST });
    // 100 ids × environments(first: 100) × annotations(first: 100) is refused, before any SQL.
    const big = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Project { environments(first: 100) { nodes { annotations(first: 100) {
      nodes { content } } } } } } }`;
    const refused = await t.gql(big, { ids: Array.from({ length: 100 }, () => ids[0]) });
    expectRefused(refused);
  });

  it("picks the operation named by operationName", async () => {
    const doc = `query Small { viewer { organizations(first: 1) { nodes { name } } } } query Big ${BIG}`;
    const run = (operationName: string) =>
      t
        .raw(JSON.stringify({ query: doc, operationName }), { authorization: `Bearer ${t.ownerKey}` })
        .then(async (r) => ({ status: r.status, ...((await r.json()) as any) }));
    const small = await run("Small");
    expect(small.errors).toBeUndefined();
    expect(small.extensions.cost).toEqual({ requested: 3, limit: config.MAX_QUERY_COST });
    const big = await run("Big");
    expect(big.status).toBe(400);
    expect(big.errors[0].extensions.code).toBe("QUERY_TOO_COMPLEX");
    expect(big.errors[0].extensions.cost.requested).toBe(modelCost(BIG));
  });
});

describe("limits set by environment variables", () => {
  it("MAX_QUERY_COST: refuses over it, reports it as the limit", async () => {
    const app = appWith({ MAX_QUERY_COST: "10" });
    // 1 + (1 + 2 × (1 + (1 + 4))) = 14
    const over = `{ viewer { organizations(first: 2) { nodes { name roles(first: 4) { nodes { name } } } } } }`;
    const under = `{ viewer { organizations(last: 3) { nodes { name } } } }`; // 5
    expect(modelCost(over)).toBe(14);
    const refused = await gqlOn(app, over);
    expectRefused(refused);
    expect(refused.errors![0].extensions?.cost).toEqual({ requested: 14, limit: 10 });
    const ok = await gqlOn(app, under);
    expectOk(ok);
    expect(ok.extensions?.cost).toEqual({ requested: 5, limit: 10 });
    // Exactly at the limit is allowed: 1 + (1 + 8 × 1) = 10.
    const at = await gqlOn(app, `{ viewer { organizations(first: 8) { nodes { name } } } }`);
    expectOk(at);
    expect(at.extensions?.cost).toEqual({ requested: 10, limit: 10 });
  });

  it("MAX_QUERY_DEPTH, MAX_ALIASES, MAX_DIRECTIVES and MAX_TOKENS", async () => {
    const app = appWith({ MAX_QUERY_DEPTH: "3", MAX_ALIASES: "1", MAX_DIRECTIVES: "1", MAX_TOKENS: "100" });
    expectOk(await gqlOn(app, chain(3)));
    expectRefused(await gqlOn(app, chain(4)), /depth limit of 3 exceeded/);
    expectOk(await gqlOn(app, `{ a: viewer { apiKey { label } } }`));
    expectRefused(await gqlOn(app, `{ a: viewer { apiKey { label } } b: viewer { apiKey { label } } }`), /Aliases limit of 1 exceeded/);
    expectOk(await gqlOn(app, `{ viewer { apiKey { label @include(if: true) } } }`));
    expectRefused(
      await gqlOn(app, `{ viewer { apiKey { label @include(if: true) scopes @skip(if: false) } } }`),
      /Directives limit of 1 exceeded/,
    );
    expectRefused(await gqlOn(app, `{ viewer { apiKey { ${"label ".repeat(100)} } } }`), /Token limit of 100 exceeded/);
  });
});

describe("introspection", () => {
  const strict = appWith({ MAX_QUERY_DEPTH: "3", MAX_QUERY_COST: "1" });
  const queries = {
    "GraphiQL's": getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
    default: getIntrospectionQuery(),
  };

  for (const [name, query] of Object.entries(queries)) {
    it(`answers the ${name} introspection query, deeper than MAX_QUERY_DEPTH, with or without a key`, async () => {
      for (const app of [t.app, strict]) {
        for (const key of [null, t.ownerKey]) {
          const res = await gqlOn(app, query, undefined, key);
          expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
          expect(res.status).toBe(200);
          expect(res.data.__schema.queryType.name).toBe("Query");
          expect(res.data.__schema.types.length).toBeGreaterThan(50);
        }
      }
    });
  }
});

describe("first/last outside 1..100", () => {
  const PATHS: Record<string, { query: (sel: string) => string }> = {
    Viewer: { query: (sel) => `{ viewer { ${sel} } }` },
    Organization: { query: (sel) => `{ organization(id: "${t.org.id}") { ${sel} } }` },
    Project: { query: (sel) => `{ project(id: ${project.id}) { ${sel} } }` },
    Environment: { query: (sel) => `{ environment(id: ${environment.id}) { ${sel} } }` },
    Role: { query: (sel) => `{ role(id: "${role.id}") { ${sel} } }` },
    Cohort: { query: (sel) => `{ cohort(id: ${cohort.id}) { ${sel} } }` },
  };

  /** Every field of the schema returning a connection (it takes `first` and returns edges and pageInfo). */
  const connectionFields = Object.values(schema.getTypeMap())
    .filter((type): type is GraphQLObjectType => (isObjectType(type) || isInterfaceType(type)) && !type.name.startsWith("__"))
    .flatMap((type) =>
      Object.values(type.getFields())
        .filter((f) => {
          const target = getNamedType(f.type);
          return (
            f.args.some((a) => a.name === "first") &&
            isObjectType(target) &&
            "edges" in target.getFields() &&
            "pageInfo" in target.getFields()
          );
        })
        .map((f) => ({ parent: type.name, field: f.name })),
    );

  it("finds every connection field of the schema, each reachable here", () => {
    expect(connectionFields.length).toBeGreaterThanOrEqual(12);
    const unreachable = connectionFields.filter((c) => !PATHS[c.parent]).map((c) => `${c.parent}.${c.field}`);
    expect(unreachable, "add a path to PATHS for these parents").toEqual([]);
  });

  it.each(connectionFields.map((c) => [`${c.parent}.${c.field}`, c] as const))(
    "%s refuses first/last 0 and 101 with BAD_USER_INPUT, takes 1 and 100",
    async (_name, c) => {
      const query = (args: string) => PATHS[c.parent].query(`${c.field}(${args}) { totalCount }`);
      for (const args of ["first: 0", "first: 101", "last: 0", "last: 101", "first: -1"]) {
        const res = await t.gql(query(args));
        expect(res.errors, `${c.parent}.${c.field}(${args})`).toHaveLength(1);
        const error = res.errors![0];
        expect(error.extensions?.code, JSON.stringify(error)).toBe("BAD_USER_INPUT");
        expect(error.message).toMatch(/between 1 and 100/);
        expect(error.extensions?.argument).toBe(args.split(":")[0]);
        expect(error.path?.at(-1)).toBe(c.field);
      }
      for (const args of ["first: 1", "first: 100", "last: 1", "last: 100"]) {
        const res = await t.gql(query(args));
        expect(res.errors, `${c.parent}.${c.field}(${args}): ${JSON.stringify(res.errors)}`).toBeUndefined();
      }
      // Through a variable too.
      const viaVariable = PATHS[c.parent].query(`${c.field}(first: $n) { totalCount }`).replace(/^\{/, "query($n: Int) {");
      const res = await t.gql(viaVariable, { n: 101 });
      expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    },
  );
});
