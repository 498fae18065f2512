// A type's scope (Organization: organization:read, Project and Environment:
// project:read, Annotation: annotation:read, ...) is checked on the field that
// delivers its objects, once, not on each field of each object
// (src/schema/type-scopes.ts); objects behind node(id:) and nodes(ids:) are
// checked once loaded. Each query runs twice: the second run is compiled by
// graphql-jit (src/execution.ts), and must answer exactly as the first.
import { describe, expect, it } from "vitest";
import { setupTestApp, type GqlResult } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { encodeId } from "../../src/domain/ids.js";

const t = await setupTestApp();
const seed = initSeed(t);
const { project, environment } = await seed.home.createProject("Scoped");
const annotation = await t.db.prisma.annotation.create({
  data: {
    organizationId: t.org.id,
    environmentId: environment.id,
    content: "Launch",
    scope: "project",
    creationType: "USR",
    createdById: t.owner.id,
  },
});

const projectOnly = await seed.home.scopedKey(["project:read"]);
const annotationOnly = await seed.home.scopedKey(["annotation:read"]);

/**
 * Runs a query twice (interpreted, then compiled), expects the same answer, and returns it. Errors are compared
 * without `locations`, which graphql-jit leaves out of every resolver error.
 */
async function twice(query: string, variables: Record<string, unknown>, key: string): Promise<GqlResult> {
  const answers = [await t.gql(query, variables, { key }), await t.gql(query, variables, { key })].map((res) => ({
    data: res.data,
    errors: res.errors?.map(({ locations: _, ...error }: { locations?: unknown; message: string }) => error),
  }));
  expect(t.app.caches.compiledQueries.isCompiled(query)).toBe(true);
  expect(answers[1]).toEqual(answers[0]);
  return { status: 200, sql: 0, ...answers[1] } as GqlResult;
}

const scopeErrors = (res: GqlResult) => (res.errors ?? []).map((e) => ({ code: e.extensions?.code, path: e.path, message: e.message }));

describe("a field delivering a scoped type", () => {
  it("answers one FORBIDDEN on the delivering field, not one per field of the object", async () => {
    const res = await twice(
      `query($id: ID!) { project(id: $id) { name organization { id name slug } } }`,
      { id: String(project.id) },
      projectOnly,
    );
    // Project.organization is non-null, so the refusal nulls the project (and the non-null root field, the data).
    expect(res.data ?? null).toBeNull();
    expect(scopeErrors(res)).toEqual([
      {
        code: "FORBIDDEN",
        path: ["project", "organization"],
        message: "The API key lacks the scope this needs: organization:read (to resolve Project.organization).",
      },
    ]);
  });

  it("keeps what the key may read beside what it may not", async () => {
    const res = await twice(
      `query($id: ID!) { annotation(id: $id) { content environment { name } project { name } } }`,
      { id: encodeId("Annotation", annotation.id) },
      annotationOnly,
    );
    expect(res.data).toEqual({ annotation: { content: "Launch", environment: null, project: null } });
    expect(scopeErrors(res).map((e) => [e.code, e.path])).toEqual([
      ["FORBIDDEN", ["annotation", "environment"]],
      ["FORBIDDEN", ["annotation", "project"]],
    ]);
  });

  it("answers the same fields in full to a key holding every scope", async () => {
    const res = await twice(
      `query($id: ID!) { annotation(id: $id) { content environment { name } project { name organization { name } } } }`,
      { id: encodeId("Annotation", annotation.id) },
      t.ownerKey,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.annotation).toEqual({
      content: "Launch",
      environment: { name: environment.name },
      project: { name: project.name, organization: { name: t.org.name } },
    });
  });

  it("lets a write scope deliver what it wrote (write implies read)", async () => {
    const writer = await seed.home.scopedKey(["annotation:write", "project:read"]);
    const res = await t.gql(
      `mutation($input: CreateAnnotationInput!) { createAnnotation(input: $input) { annotation { content } userErrors { code } } }`,
      { input: { environmentId: String(environment.id), content: "Written" } },
      { key: writer },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.createAnnotation).toEqual({ annotation: { content: "Written" }, userErrors: [] });
  });
});

describe("node(id:) and nodes(ids:)", () => {
  const NODE = `query($id: ID!) { node(id: $id) { id ... on Organization { name } ... on Project { name } } }`;
  const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Organization { name } ... on Project { name } } }`;

  it("refuses an object of a type the key may not read, on node itself", async () => {
    const res = await twice(NODE, { id: encodeId("Organization", t.org.id) }, projectOnly);
    expect(res.data).toEqual({ node: null });
    expect(scopeErrors(res)).toEqual([
      {
        code: "FORBIDDEN",
        path: ["node"],
        message: "The API key lacks the scope this needs: organization:read (to read fields for Organization).",
      },
    ]);
  });

  it("refuses only the objects the key may not read, each at its index", async () => {
    const ids = [encodeId("Project", project.id), encodeId("Organization", t.org.id), encodeId("Environment", environment.id)];
    const res = await twice(NODES, { ids }, projectOnly);
    expect(res.data.nodes).toEqual([{ id: ids[0], name: project.name }, null, { id: ids[2] }]);
    expect(scopeErrors(res)).toEqual([
      {
        code: "FORBIDDEN",
        path: ["nodes", 1],
        message: "The API key lacks the scope this needs: organization:read (to read fields for Organization).",
      },
    ]);
  });

  it("delivers every object to a key holding every scope", async () => {
    const ids = [encodeId("Project", project.id), encodeId("Organization", t.org.id)];
    const res = await twice(NODES, { ids }, t.ownerKey);
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes).toEqual([
      { id: ids[0], name: project.name },
      { id: ids[1], name: t.org.name },
    ]);
  });
});
