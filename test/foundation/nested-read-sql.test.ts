// The nested read of the benchmark (bench/documents.ts, NESTED_READ) reads only what it selects:
// one statement per level plus authentication, each page statement naming the columns its
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

  it("sends one statement per level plus authentication (levels + 1)", () => {
    // authentication, organizations, projects, environments, annotations, the annotations' authors
    expect(statements).toHaveLength(6);
  });

  it("selects, at each level, only the columns its fields read and the keys", () => {
    const pages = statements.filter((s) => s.includes('AS "__parent"'));
    expect(pages).toHaveLength(4);
    const [organizations, projects, environments, annotations] = pages;
    expect(selectedColumns(organizations)).toEqual(["id", "name"]);
    expect(selectedColumns(projects)).toEqual(["id", "organizationId", "name"]);
    expect(selectedColumns(environments)).toEqual(["id", "projectId", "organizationId", "name"]);
    // The keys that place an annotation (its visibility), the order's columns, then content and the author's key.
    expect(selectedColumns(annotations)).toEqual([
      "id",
      "dateMarker",
      "organizationId",
      "environmentId",
      "scope",
      "content",
      "createdById",
    ]);
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
