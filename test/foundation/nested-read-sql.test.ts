// The nested read of the benchmark (bench/documents.ts, NESTED_READ) reads only what it selects:
// one statement per page level plus authentication (the annotations' authors read with their
// annotations), each page statement naming the columns its
// fields read and the keys the next level joins on (never `t.*`), no primary environment the
// query did not ask for, no count without `totalCount`, and no row beyond a page without
// `pageInfo.hasNextPage`. Pinned here so that a later change cannot silently read more.
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { NESTED_READ } from "../../bench/documents.js";

const t = await setupTestApp();
const seed = initSeed(t);

/** The select list of a page statement's innermost SELECT (the first `SELECT t.` ... `FROM`). */
const selectedColumns = (sql: string): string[] | "*" => {
  const match = /SELECT (t\.\*|t\."[\s\S]*?) FROM "/.exec(sql);
  if (!match) throw new Error(`no page select in: ${sql}`);
  return match[1] === "t.*" ? "*" : [...match[1].matchAll(/t\."(\w+)"/g)].map((m) => m[1]);
};

let statements: string[] = [];
let data: any;

beforeAll(async () => {
  const { project } = await seed.home.createProject("Nested read");
  await t.db.prisma.annotation.createMany({
    data: Array.from({ length: 7 }, (_, i) => ({
      organizationId: t.org.id,
      environmentId: project.id,
      content: `note ${i}`,
      dateMarker: new Date(Date.UTC(2026, 0, 1 + i)),
      createdById: t.owner.id,
      scope: i === 0 ? "organization" : "project",
    })),
  });
  t.db.counter.recording = true;
  const res = await t.gql(NESTED_READ);
  t.db.counter.recording = false;
  expect(res.errors).toBeUndefined();
  data = res.data;
  statements = t.db.counter.statements;
});

describe("the nested read's SQL", () => {
  it("answers the selected values", () => {
    const org = data.viewer.organizations.nodes.find((o: { name: string }) => o.name === t.org.name);
    const project = org.projects.nodes.find((p: { name: string }) => p.name === "Nested read");
    const annotations = project.environments.nodes[0].annotations.nodes;
    expect(annotations.map((a: { content: string }) => a.content)).toEqual(["note 6", "note 5", "note 4", "note 3", "note 2"]);
    expect(annotations[0]).toEqual({ content: "note 6", dateMarker: "2026-01-07T00:00:00.000Z", createdBy: { email: t.owner.email } });
  });

  it("sends one statement per page level plus authentication: the authors come with their annotations", () => {
    // authentication, organizations, projects, environments, annotations (with their authors)
    expect(statements).toHaveLength(5);
    expect(statements.filter((s) => s.includes('FROM "User" WHERE id = ANY'))).toHaveLength(0); // no users-by-id statement
  });

  it("batches every level the same once the document is compiled (its second execution on)", async () => {
    for (let run = 0; run < 2; run += 1) {
      t.db.counter.recording = true;
      t.db.counter.reset();
      const res = await t.gql(NESTED_READ);
      t.db.counter.recording = false;
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual(data);
      expect(t.db.counter.statements).toHaveLength(5);
    }
    expect(t.app.caches.compiledQueries.isCompiled(NESTED_READ)).toBe(true);
  });

  it("reads of each author only the columns createdBy's selection reads, for the pages' rows only", () => {
    const annotations = statements.find((s) => s.includes('"Annotation" t'))!;
    // Joined once to the rows of all pages (not inside each environment's page), with the selected columns only.
    expect(annotations).toContain(`json_build_object('id', ju."id", 'email', ju."email") END AS "createdBy"`);
    expect(annotations).toMatch(/OFFSET 0\) pr\s+LEFT JOIN "User" ju ON ju.id = pr."createdById"/);
    // Ordered by the columns each row carries anyway (the page's parent and place): no ordinal column rides on each row.
    expect(annotations).toMatch(/ORDER BY pr."__parent", pr."__rn"\s*$/);
    expect(annotations).not.toContain("p.ord AS");
  });

  it("selects, at each level, only the columns its fields read and the keys", () => {
    const pages = statements.filter((s) => s.includes('AS "__parent"'));
    expect(pages).toHaveLength(4);
    const [organizations, projects, environments, annotations] = pages;
    expect(selectedColumns(organizations)).toEqual(["id", "name"]);
    expect(selectedColumns(projects)).toEqual(["id", "organizationId", "name"]);
    expect(selectedColumns(environments)).toEqual(["id", "projectId", "organizationId", "name"]);
    // The order's columns (the branches merge on them), then content and the author's key.
    expect(selectedColumns(annotations)).toEqual(["id", "dateMarker", "content", "createdById"]);
  });

  it("reads no primary environment, counts nothing, and reads no row beyond a page (hasNextPage is not selected)", () => {
    const pages = statements.filter((s) => s.includes('AS "__parent"'));
    for (const sql of pages) {
      expect(sql).not.toContain("row_to_json");
      expect(sql).not.toContain("count(*)");
    }
    const res = statements.join("\n");
    expect(res).not.toMatch(/SELECT t\.\*/);
  });

  it("reads each environment's annotations from two index-ordered branches, each with its own LIMIT", () => {
    const annotations = statements.filter((s) => s.includes('"Annotation" t'))[0];
    expect(annotations.match(/ORDER BY t\."dateMarker" DESC NULLS LAST, t\.id DESC LIMIT/g)).toHaveLength(2);
    expect(annotations).toContain("UNION ALL");
  });

  it("reads every field of the User type when the author's selection does not say, through a fragment too", async () => {
    t.db.counter.recording = true;
    t.db.counter.reset();
    const res = await t.gql(`{ viewer { organizations(first: 5) { nodes { projects(first: 5) { nodes { name
      environments(first: 1) { nodes { annotations(first: 1) { nodes { createdBy { ...Who } } } } } } } } } } }
      fragment Who on User { id email uuid hedgehogConfig roleAtOrganization isEmailVerified firstName lastName distinctId databaseId __typename }`);
    t.db.counter.recording = false;
    expect(res.errors).toBeUndefined();
    const annotations = t.db.counter.statements.find((s) => s.includes('"Annotation" t'))!;
    for (const column of ["id", "email", "uuid", "hedgehogConfig", "roleAtOrganization", "isEmailVerified", "distinctId"])
      expect(annotations).toContain(`'${column}', ju."${column}"`);
    expect(t.db.counter.statements.filter((s) => s.includes('FROM "User" WHERE id = ANY'))).toHaveLength(0);
    const project = res.data.viewer.organizations.nodes
      .flatMap((o: any) => o.projects.nodes)
      .find((p: { name: string }) => p.name === "Nested read");
    const author = project.environments.nodes[0].annotations.nodes[0].createdBy;
    const node = await t.gql(
      `query($id: ID!) { node(id: $id) { ...Who } }
      fragment Who on User { id email uuid hedgehogConfig roleAtOrganization isEmailVerified firstName lastName distinctId databaseId __typename }`,
      {
        id: author.id,
      },
    );
    // The joined author answers exactly what the user read by id answers.
    expect(node.errors).toBeUndefined();
    expect(author).toEqual(node.data.node);
  });

  it("answers null for an annotation without an author, and loads authors by id when a selected field does not say what it reads", async () => {
    const { project } = await seed.home.createProject("No author");
    await t.db.prisma.annotation.create({
      data: {
        organizationId: t.org.id,
        environmentId: project.id,
        content: "anonymous",
        dateMarker: new Date(),
        createdById: null,
        scope: "project",
      },
    });
    const query = (extra: string) => `{ viewer { organizations(first: 5) { nodes { projects(first: 10) { nodes { name
      environments(first: 1) { nodes { annotations(first: 1) { nodes { content ${extra} createdBy { email } } } } } } } } } } }`;
    for (const extra of ["", "dashboardName"]) {
      t.db.counter.recording = true;
      t.db.counter.reset();
      const res = await t.gql(query(extra));
      t.db.counter.recording = false;
      expect(res.errors).toBeUndefined();
      const projects = res.data.viewer.organizations.nodes.flatMap((o: any) => o.projects.nodes);
      const anonymous = projects.find((p: { name: string }) => p.name === "No author").environments.nodes[0].annotations.nodes[0];
      expect(anonymous.content).toBe("anonymous");
      expect(anonymous.createdBy).toBeNull();
      const named = projects.find((p: { name: string }) => p.name === "Nested read").environments.nodes[0].annotations.nodes[0];
      expect(named.createdBy).toEqual({ email: t.owner.email });
      const annotations = t.db.counter.statements.find((s) => s.includes('"Annotation" t'))!;
      // dashboardName declares no columns: the page reads t.* and no author; createdBy loads them by id.
      expect(annotations.includes("json_build_object")).toBe(extra === "");
    }
  });

  it("asks for every column again as soon as a selected field does not say what it reads", async () => {
    t.db.counter.recording = true;
    t.db.counter.reset();
    const res = await t.gql(`{ viewer { organizations(first: 1) { nodes { projects(first: 1) { nodes { name timezone } } } } } }`);
    t.db.counter.recording = false;
    expect(res.errors).toBeUndefined();
    const projects = t.db.counter.statements.find((s) => s.includes('"Project" t'))!;
    // timezone is a setting of the primary environment: the project page joins it.
    expect(projects).toContain("row_to_json(pe)");
  });
});
