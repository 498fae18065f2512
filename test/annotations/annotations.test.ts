import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { helpers } from "../projects/support.js";
import { encodeId } from "../../src/domain/ids.js";
import { insertProject } from "../../src/domain/projects/store.js";
import type { Annotation, Prisma } from "../../src/generated/prisma/client.js";

const t = await setupTestApp();
const prisma = t.db.prisma;
const { ok } = helpers(t);
const seed = initSeed(t);

const owner = seed.home.owner.user;

// A plain member (level 1) of the test organization: members read and write annotations.
const { user: member, key: memberKey } = await seed.home.member();

// Two projects of the test organization.
const projA = (await seed.home.createProject("Annotations A")).project;
const projB = (await seed.home.createProject("Annotations B")).project;
const stagingA = await seed.home.createEnvironment(projA, "Staging A");

// Another organization the owner does not belong to, with a project.
const {
  project: projX,
  owner: { key: strangerKey },
} = await seed.ownerWithProject("Elsewhere");

const dashboardA = await prisma.dashboard.create({ data: { environmentId: projA.id, name: "Dash A" } });
const insightA = await prisma.insight.create({
  data: { environmentId: projA.id, shortId: `ia${process.pid}`, name: "Insight A", derivedName: "Derived A" },
});
const insightB = await prisma.insight.create({ data: { environmentId: projB.id, shortId: `ib${process.pid}`, name: "Insight B" } });
const dashboardB = await prisma.dashboard.create({ data: { environmentId: projB.id, name: "Dash B" } });

const gid = (id: number) => encodeId("Annotation", id);
const projectGid = (id: number) => encodeId("Project", id);
const envGid = (id: number) => encodeId("Environment", id);

function make(env: { id: number; organizationId: string }, data: Partial<Prisma.AnnotationUncheckedCreateInput> = {}): Promise<Annotation> {
  return prisma.annotation.create({
    data: { organizationId: env.organizationId, environmentId: env.id, createdById: t.owner.id, ...data },
  });
}

/** A project of a fresh organization of the owner (so its lists hold only what the test made), or of `orgId`. */
let n = 0;
const next = () => {
  n += 1;
  return n;
};
async function freshProject(orgId?: string) {
  const org = orgId ?? (await seed.home.owner.createOrg()).org.id;
  return (await insertProject(prisma, org, `Fresh ${process.pid}-${next()}`)).project;
}

const counts = async () => ({ annotations: await prisma.annotation.count(), activity: await prisma.activityLog.count() });

const FIELDS = `id databaseId content dateMarker creationType scope dashboardItem dashboardId dashboardName insightShortId insightName
  insightDerivedName createdBy { email } createdAt updatedAt deleted environment { databaseId } project { databaseId }`;
const LIST = `query($id: ID!, $search: String, $scope: AnnotationScope, $dateFrom: DateTime, $dateTo: DateTime) {
  project(id: $id) { annotations(first: 50, search: $search, scope: $scope, dateFrom: $dateFrom, dateTo: $dateTo) {
    totalCount nodes { databaseId content } } } }`;
const ENV_LIST = `query($id: ID!) { environment(id: $id) { annotations(first: 50) { totalCount nodes { databaseId content } } } }`;
const GET = `query($id: ID!) { annotation(id: $id) { ${FIELDS} } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on Annotation { content } } }`;
const CREATE = `mutation($input: CreateAnnotationInput!) { createAnnotation(input: $input) { annotation { ${FIELDS} }
  userErrors { field message code } } }`;
const UPDATE = `mutation($input: UpdateAnnotationInput!) { updateAnnotation(input: $input) { annotation { ${FIELDS} }
  userErrors { field message code } } }`;
const DELETE = `mutation($input: DeleteAnnotationInput!) { deleteAnnotation(input: $input) { annotation { databaseId deleted }
  userErrors { field message code } } }`;
const RESTORE = `mutation($input: RestoreAnnotationInput!) { restoreAnnotation(input: $input) { annotation { databaseId deleted content }
  userErrors { field message code } } }`;

async function listContents(projectId: number, filters: Record<string, unknown> = {}, key?: string): Promise<string[]> {
  const data = await ok(LIST, { id: String(projectId), ...filters }, key);
  expect(data.project.annotations.totalCount).toBe(data.project.annotations.nodes.length);
  return data.project.annotations.nodes.map((a: { content: string }) => a.content);
}

describe("reading annotations", () => {
  it("lists newest dateMarker first, those without one last, ties by newest id; deleted ones hidden", async () => {
    const p = await freshProject();
    await make(p, { content: "march", dateMarker: new Date("2026-03-01T00:00:00Z") });
    await make(p, { content: "undated" });
    await make(p, { content: "may", dateMarker: new Date("2026-05-01T00:00:00Z") });
    await make(p, { content: "april-1", dateMarker: new Date("2026-04-01T00:00:00Z") });
    await make(p, { content: "april-2", dateMarker: new Date("2026-04-01T00:00:00Z") });
    await make(p, { content: "gone", dateMarker: new Date("2026-06-01T00:00:00Z"), deleted: true });
    expect(await listContents(p.id)).toEqual(["may", "april-2", "april-1", "march", "undated"]);
  });

  it("pages with first/after and counts the whole list", async () => {
    const p = await freshProject();
    for (let i = 1; i <= 5; i += 1) await make(p, { content: `page ${i}`, dateMarker: new Date(`2026-01-0${i}T00:00:00Z`) });
    const q = `query($id: ID!, $after: String) { project(id: $id) { annotations(first: 2, after: $after) { totalCount pageInfo {
      hasNextPage endCursor } nodes { content } } } }`;
    const first = (await ok(q, { id: String(p.id) })).project.annotations;
    expect(first.totalCount).toBe(5);
    expect(first.nodes.map((a: { content: string }) => a.content)).toEqual(["page 5", "page 4"]);
    const second = (await ok(q, { id: String(p.id), after: first.pageInfo.endCursor })).project.annotations;
    expect(second.nodes.map((a: { content: string }) => a.content)).toEqual(["page 3", "page 2"]);
  });

  it("searches content ignoring case, ANDs whitespace-separated terms and escapes LIKE wildcards", async () => {
    const p = await freshProject();
    await make(p, { content: "Deployed the NEW Pricing page", dateMarker: new Date("2026-02-03T00:00:00Z") });
    await make(p, { content: "new onboarding flow", dateMarker: new Date("2026-02-02T00:00:00Z") });
    await make(p, { content: "50% off campaign", dateMarker: new Date("2026-02-01T00:00:00Z") });
    await make(p, { content: "500 users_signed up", dateMarker: new Date("2026-01-31T00:00:00Z") });
    await make(p, { content: null, dateMarker: new Date("2026-01-30T00:00:00Z") });
    expect(await listContents(p.id, { search: "new" })).toEqual(["Deployed the NEW Pricing page", "new onboarding flow"]);
    expect(await listContents(p.id, { search: "  pricing   NEW " })).toEqual(["Deployed the NEW Pricing page"]);
    expect(await listContents(p.id, { search: "new campaign" })).toEqual([]);
    expect(await listContents(p.id, { search: "50%" })).toEqual(["50% off campaign"]);
    expect(await listContents(p.id, { search: "s_s" })).toEqual(["500 users_signed up"]);
    expect(await listContents(p.id, { search: "%" })).toEqual(["50% off campaign"]);
    expect(await listContents(p.id, { search: "" })).toHaveLength(5);
  });

  it("filters by scope and by dateFrom / dateTo (inclusive, on dateMarker)", async () => {
    const p = await freshProject();
    await make(p, { content: "jan", dateMarker: new Date("2026-01-15T00:00:00Z"), scope: "project" });
    await make(p, { content: "feb", dateMarker: new Date("2026-02-15T00:00:00Z"), scope: "dashboard" });
    await make(p, { content: "mar", dateMarker: new Date("2026-03-15T00:00:00Z") });
    await make(p, { content: "none" });
    expect(await listContents(p.id, { scope: "PROJECT" })).toEqual(["jan"]);
    expect(await listContents(p.id, { scope: "DASHBOARD_ITEM" })).toEqual(["mar", "none"]);
    expect(await listContents(p.id, { dateFrom: "2026-02-15T00:00:00Z" })).toEqual(["mar", "feb"]);
    expect(await listContents(p.id, { dateTo: "2026-02-15T00:00:00.000Z" })).toEqual(["feb", "jan"]);
    expect(await listContents(p.id, { dateFrom: "2026-02-01T00:00:00Z", dateTo: "2026-02-28T00:00:00Z" })).toEqual(["feb"]);
    expect(await listContents(p.id, { dateFrom: "2026-02-01T00:00:00Z", scope: "PROJECT" })).toEqual([]);
  });

  it("refuses a search longer than 200 characters", async () => {
    const res = await t.gql(LIST, { id: String(projA.id), search: "x".repeat(201) });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("lists an organization's ORGANIZATION-scoped annotations in its other projects, not in other organizations", async () => {
    const p1 = await freshProject(t.org.id);
    const p2 = await freshProject(t.org.id);
    const tag = `tag${p1.id}q`;
    const orgWide = await make(p1, { content: `org-wide ${tag}`, scope: "organization", dateMarker: new Date("2030-01-01T00:00:00Z") });
    const own = await make(p1, { content: `own ${tag}`, scope: "project", dateMarker: new Date("2029-01-01T00:00:00Z") });
    await make(p1, { content: `deleted org-wide ${tag}`, scope: "organization", deleted: true });
    const foreignOrgWide = await make(projX, { content: `foreign org-wide ${tag}`, scope: "organization" });

    expect(await listContents(p1.id, { search: tag })).toEqual([`org-wide ${tag}`, `own ${tag}`]);
    expect(await listContents(p2.id, { search: tag })).toEqual([`org-wide ${tag}`]);
    expect(await listContents(p2.id, { search: tag, scope: "ORGANIZATION" })).toEqual([`org-wide ${tag}`]);
    // Another environment of the same organization lists it too.
    const envData = await ok(ENV_LIST, { id: envGid(stagingA.id) });
    const inStaging = envData.environment.annotations.nodes.map((a: { databaseId: number }) => a.databaseId);
    expect(inStaging).toContain(orgWide.id);
    expect(inStaging).not.toContain(own.id);
    expect(inStaging).not.toContain(foreignOrgWide.id);
    // Another organization's projects do not, and theirs list their own organization-wide ones.
    const other = await ok(LIST, { id: String(projX.id), search: tag }, strangerKey);
    expect(other.project.annotations.nodes.map((a: { databaseId: number }) => a.databaseId)).toEqual([foreignOrgWide.id]);
    // A key limited to p2 sees it in p2's list and by id (any member of the organization), but not its environment.
    const limited = await seed.home.scopedKey(["annotation:read", "project:read"], { projects: [p2.id] });
    expect(await listContents(p2.id, { search: tag }, limited)).toEqual([`org-wide ${tag}`]);
    const got = await ok(GET, { id: gid(orgWide.id) }, limited);
    expect(got.annotation).toMatchObject({ content: `org-wide ${tag}`, scope: "ORGANIZATION", environment: null, project: null });
    expect((await t.gql(GET, { id: gid(own.id) }, { key: limited })).errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect((await t.gql(LIST, { id: String(p1.id) }, { key: limited })).errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("reads one annotation by global id, by integer id and through node(id:), with dashboard and insight names", async () => {
    const a = await make(projA, {
      content: "Pinned",
      dateMarker: new Date("2026-07-01T12:00:00Z"),
      creationType: "GIT",
      dashboardItemId: insightA.id,
      dashboardId: dashboardA.id,
    });
    for (const [id, key] of [
      [gid(a.id), t.ownerKey],
      [String(a.id), memberKey],
    ] as const) {
      const data = await ok(GET, { id }, key);
      expect(data.annotation).toEqual({
        id: gid(a.id),
        databaseId: a.id,
        content: "Pinned",
        dateMarker: "2026-07-01T12:00:00.000Z",
        creationType: "GIT",
        scope: "DASHBOARD_ITEM",
        dashboardItem: insightA.id,
        dashboardId: dashboardA.id,
        dashboardName: "Dash A",
        insightShortId: insightA.shortId,
        insightName: "Insight A",
        insightDerivedName: "Derived A",
        createdBy: { email: owner.email },
        createdAt: a.createdAt.toISOString(),
        updatedAt: a.updatedAt.toISOString(),
        deleted: false,
        environment: { databaseId: projA.id },
        project: { databaseId: projA.id },
      });
    }
    const node = await ok(NODE, { id: gid(a.id) });
    expect(node.node).toEqual({ id: gid(a.id), content: "Pinned" });
    const nodes = await ok(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Annotation { databaseId } } }`, { ids: [gid(a.id)] });
    expect(nodes.nodes).toEqual([{ databaseId: a.id }]);
  });

  it("answers NOT_FOUND for a deleted, malformed, unknown or another organization's annotation", async () => {
    const deleted = await make(projA, { content: "deleted", deleted: true });
    const foreign = await make(projX, { content: "foreign", scope: "organization" });
    for (const id of [
      gid(deleted.id),
      String(deleted.id),
      gid(foreign.id),
      String(foreign.id),
      "nope",
      "2147483647",
      encodeId("Project", projA.id),
    ]) {
      const res = await t.gql(GET, { id });
      expect(res.errors?.[0].extensions?.code, id).toBe("NOT_FOUND");
      expect(res.data?.annotation ?? null).toBeNull();
    }
    for (const id of [gid(deleted.id), gid(foreign.id)]) {
      const node = await t.gql(NODE, { id });
      expect(node.errors?.[0].extensions?.code).toBe("NOT_FOUND");
      expect(node.data?.node ?? null).toBeNull();
    }
    // The stranger sees their own.
    expect((await ok(GET, { id: gid(foreign.id) }, strangerKey)).annotation.content).toBe("foreign");
  });

  it("answers FORBIDDEN when the key lacks annotation:read", async () => {
    const a = await make(projA, { content: "secret" });
    const key = await seed.home.scopedKey(["project:read", "organization:read"]);
    for (const [query, variables] of [
      [GET, { id: gid(a.id) }],
      [NODE, { id: gid(a.id) }],
      [LIST, { id: String(projA.id) }],
      [ENV_LIST, { id: String(projA.id) }],
    ] as const) {
      const res = await t.gql(query, variables, { key });
      expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
  });
});

describe("createAnnotation", () => {
  it("creates an annotation in a project's primary environment with defaults, and logs it", async () => {
    const before = await counts();
    const data = await ok(CREATE, { input: { environmentId: projectGid(projA.id), content: "Hello", dateMarker: "2026-08-01T10:00:00Z" } });
    expect(data.createAnnotation.userErrors).toEqual([]);
    const a = data.createAnnotation.annotation;
    expect(a).toMatchObject({
      content: "Hello",
      dateMarker: "2026-08-01T10:00:00.000Z",
      creationType: "USR",
      scope: "DASHBOARD_ITEM",
      dashboardItem: null,
      dashboardName: null,
      insightName: null,
      createdBy: { email: owner.email },
      deleted: false,
      environment: { databaseId: projA.id },
      project: { databaseId: projA.id },
    });
    expect(await counts()).toEqual({ annotations: before.annotations + 1, activity: before.activity + 1 });
    const stored = await prisma.annotation.findUniqueOrThrow({ where: { id: a.databaseId } });
    expect(stored).toMatchObject({
      organizationId: t.org.id,
      environmentId: projA.id,
      scope: "dashboard_item",
      creationType: "USR",
      createdById: t.owner.id,
    });
    const entry = await prisma.activityLog.findFirstOrThrow({ where: { scope: "Annotation", itemId: String(a.databaseId) } });
    expect(entry).toMatchObject({
      activity: "created",
      organizationId: t.org.id,
      projectId: projA.id,
      environmentId: projA.id,
      userId: t.owner.id,
    });
    expect((entry.detail as any).changes).toEqual(
      expect.arrayContaining([
        { type: "Annotation", action: "created", field: "content", before: null, after: "Hello" },
        { type: "Annotation", action: "created", field: "dateMarker", before: null, after: "2026-08-01T10:00:00.000Z" },
      ]),
    );
  });

  it("creates one in another environment (by its global id) with an insight and dashboard of it, as a plain member", async () => {
    const dash = await prisma.dashboard.create({ data: { environmentId: stagingA.id, name: "Staging dash" } });
    const insight = await prisma.insight.create({
      data: { environmentId: stagingA.id, shortId: `st${process.pid}`, name: null, derivedName: "Staging derived" },
    });
    const data = await ok(
      CREATE,
      {
        input: {
          environmentId: envGid(stagingA.id),
          content: "Staging note",
          creationType: "GIT",
          scope: "DASHBOARD",
          dashboardItem: insight.id,
          dashboardId: dash.id,
        },
      },
      memberKey,
    );
    expect(data.createAnnotation.annotation).toMatchObject({
      creationType: "GIT",
      scope: "DASHBOARD",
      dashboardItem: insight.id,
      dashboardId: dash.id,
      dashboardName: "Staging dash",
      insightShortId: insight.shortId,
      insightName: null,
      insightDerivedName: "Staging derived",
      createdBy: { email: member.email },
      environment: { databaseId: stagingA.id },
      project: { databaseId: projA.id },
    });
    const entry = await prisma.activityLog.findFirstOrThrow({
      where: { scope: "Annotation", itemId: String(data.createAnnotation.annotation.databaseId) },
    });
    expect(entry).toMatchObject({ activity: "created", projectId: projA.id, environmentId: stagingA.id, userId: member.id });
    // Listed with the environment, not with the project's primary environment.
    const envList = await ok(ENV_LIST, { id: String(stagingA.id) });
    expect(envList.environment.annotations.nodes.map((a: { content: string }) => a.content)).toContain("Staging note");
    expect(await listContents(projA.id, { search: "Staging note" })).toEqual([]);
  });

  it("accepts an integer id and creates ORGANIZATION-scoped annotations", async () => {
    const data = await ok(CREATE, { input: { environmentId: String(projB.id), content: "Org launch", scope: "ORGANIZATION" } });
    expect(data.createAnnotation.annotation).toMatchObject({ scope: "ORGANIZATION", environment: { databaseId: projB.id } });
    expect(await listContents(projA.id, { search: "org launch" })).toEqual(["Org launch"]);
  });

  it("reports every invalid field at once and writes nothing", async () => {
    const before = await counts();
    const res = await ok(CREATE, {
      input: {
        environmentId: String(projA.id),
        content: "x".repeat(8193),
        scope: "RECORDING",
        dashboardItem: insightB.id,
        dashboardId: dashboardB.id,
      },
    });
    expect(res.createAnnotation.annotation).toBeNull();
    const errors = res.createAnnotation.userErrors;
    expect(errors.map((e: { field: string[] }) => e.field.join(".")).sort()).toEqual([
      "input.content",
      "input.dashboardId",
      "input.dashboardItem",
      "input.scope",
    ]);
    expect(errors.find((e: { field: string[] }) => e.field[1] === "dashboardItem").code).toBe("NOT_FOUND");
    expect(errors.find((e: { field: string[] }) => e.field[1] === "dashboardId").code).toBe("NOT_FOUND");
    expect(errors.find((e: { field: string[] }) => e.field[1] === "content").code).toBe("INVALID");
    expect(errors.find((e: { field: string[] }) => e.field[1] === "scope").message).toMatch(/recording/i);
    expect(await counts()).toEqual(before);
  });

  it("refuses each bad field alone, writing nothing", async () => {
    for (const [input, field, code] of [
      [{ content: "y".repeat(8193) }, "content", "INVALID"],
      [{ scope: "RECORDING" }, "scope", "INVALID"],
      [{ dashboardItem: insightB.id }, "dashboardItem", "NOT_FOUND"],
      [{ dashboardItem: 2147483000 }, "dashboardItem", "NOT_FOUND"],
      [{ dashboardId: dashboardB.id }, "dashboardId", "NOT_FOUND"],
    ] as const) {
      const before = await counts();
      const res = await ok(CREATE, { input: { environmentId: String(projA.id), ...input } });
      expect(res.createAnnotation.userErrors, field).toEqual([{ field: ["input", field], message: expect.any(String), code }]);
      expect(await counts()).toEqual(before);
    }
    // Exactly 8192 characters is fine.
    const okRes = await ok(CREATE, { input: { environmentId: String(projA.id), content: "z".repeat(8192) } });
    expect(okRes.createAnnotation.annotation.content).toHaveLength(8192);
  });

  it("answers a wrongly typed dateMarker with a GraphQL error, writing nothing", async () => {
    const before = await counts();
    for (const dateMarker of ["not a date", 12345, "2026-13-45"]) {
      const res = await t.gql(CREATE, { input: { environmentId: String(projA.id), content: "bad date", dateMarker } });
      expect(res.errors?.[0].extensions?.code, String(dateMarker)).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
      expect(res.data?.createAnnotation ?? null).toBeNull();
    }
    const inline = await t.gql(
      `mutation { createAnnotation(input: { environmentId: "${projA.id}", dateMarker: 5 }) { annotation { id } } }`,
    );
    expect(inline.errors?.[0].extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(await counts()).toEqual(before);
  });

  it("answers NOT_FOUND for another organization's environment, and FORBIDDEN without annotation:write", async () => {
    const before = await counts();
    for (const environmentId of [String(projX.id), projectGid(projX.id), "nope", encodeId("Role", projA.id)]) {
      const res = await t.gql(CREATE, { input: { environmentId, content: "nope" } });
      expect(res.errors?.[0].extensions?.code, environmentId).toBe("NOT_FOUND");
    }
    const readOnly = await seed.home.scopedKey(["annotation:read", "project:read"]);
    const res = await t.gql(CREATE, { input: { environmentId: String(projA.id), content: "nope" } }, { key: readOnly });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await counts()).toEqual(before);
  });
});

describe("updateAnnotation", () => {
  it("changes fields, clears nullable ones with null and logs one entry", async () => {
    const a = await make(projA, { content: "Before", dateMarker: new Date("2026-01-01T00:00:00Z"), dashboardId: dashboardA.id });
    const before = await counts();
    const data = await ok(
      UPDATE,
      { input: { id: gid(a.id), content: "After", scope: "PROJECT", dashboardId: null, dashboardItem: insightA.id, creationType: "GIT" } },
      memberKey,
    );
    expect(data.updateAnnotation.userErrors).toEqual([]);
    expect(data.updateAnnotation.annotation).toMatchObject({
      content: "After",
      scope: "PROJECT",
      creationType: "GIT",
      dashboardId: null,
      dashboardName: null,
      dashboardItem: insightA.id,
      insightName: "Insight A",
      dateMarker: "2026-01-01T00:00:00.000Z",
      createdBy: { email: owner.email },
    });
    expect(await counts()).toEqual({ annotations: before.annotations, activity: before.activity + 1 });
    const entry = await prisma.activityLog.findFirstOrThrow({ where: { scope: "Annotation", itemId: String(a.id), activity: "updated" } });
    expect(entry).toMatchObject({ organizationId: t.org.id, projectId: projA.id, environmentId: projA.id, userId: member.id });
    expect((entry.detail as any).changes).toEqual([
      { type: "Annotation", action: "changed", field: "content", before: "Before", after: "After" },
      { type: "Annotation", action: "changed", field: "creationType", before: "USR", after: "GIT" },
      { type: "Annotation", action: "changed", field: "scope", before: "dashboard_item", after: "project" },
      { type: "Annotation", action: "changed", field: "dashboardItem", before: null, after: insightA.id },
      { type: "Annotation", action: "changed", field: "dashboardId", before: dashboardA.id, after: null },
    ]);

    const cleared = await ok(UPDATE, { input: { id: String(a.id), content: null, dateMarker: null } });
    expect(cleared.updateAnnotation.annotation).toMatchObject({ content: null, dateMarker: null, scope: "PROJECT" });
  });

  it("writes nothing when nothing changes", async () => {
    const a = await make(projA, { content: "Same", scope: "project" });
    const before = await counts();
    const data = await ok(UPDATE, { input: { id: gid(a.id), content: "Same", scope: "PROJECT" } });
    expect(data.updateAnnotation.annotation).toMatchObject({ content: "Same", updatedAt: a.updatedAt.toISOString() });
    const empty = await ok(UPDATE, { input: { id: gid(a.id) } });
    expect(empty.updateAnnotation.userErrors).toEqual([]);
    expect(await counts()).toEqual(before);
    expect((await prisma.annotation.findUniqueOrThrow({ where: { id: a.id } })).updatedAt).toEqual(a.updatedAt);
  });

  it("refuses bad input, all fields at once, and writes nothing", async () => {
    const a = await make(projA, { content: "Keep me" });
    const before = await counts();
    const res = await ok(UPDATE, {
      input: { id: gid(a.id), content: "q".repeat(9000), scope: "RECORDING", creationType: null, dashboardItem: insightB.id },
    });
    expect(res.updateAnnotation.annotation).toBeNull();
    expect(res.updateAnnotation.userErrors.map((e: { field: string[]; code: string }) => `${e.field.join(".")}:${e.code}`).sort()).toEqual([
      "input.content:INVALID",
      "input.creationType:INVALID",
      "input.dashboardItem:NOT_FOUND",
      "input.scope:INVALID",
    ]);
    const bad = await t.gql(UPDATE, { input: { id: gid(a.id), dateMarker: "yesterday" } });
    expect(bad.errors?.[0].extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(await counts()).toEqual(before);
    expect(await prisma.annotation.findUniqueOrThrow({ where: { id: a.id } })).toEqual(a);
  });

  it("answers NOT_FOUND for another organization's or a deleted annotation", async () => {
    const foreign = await make(projX, { content: "foreign" });
    const deleted = await make(projA, { content: "deleted", deleted: true });
    const before = await counts();
    for (const id of [gid(foreign.id), String(foreign.id), gid(deleted.id)]) {
      const res = await t.gql(UPDATE, { input: { id, content: "hijack" } });
      expect(res.errors?.[0].extensions?.code, id).toBe("NOT_FOUND");
    }
    expect(await counts()).toEqual(before);
    expect((await prisma.annotation.findUniqueOrThrow({ where: { id: foreign.id } })).content).toBe("foreign");
  });
});

describe("deleteAnnotation and restoreAnnotation", () => {
  it("soft-deletes (hidden everywhere after), refuses a second delete, restores, and logs each", async () => {
    const p = await freshProject(t.org.id);
    const a = await make(p, { content: "Doomed", scope: "organization" });
    const before = await counts();
    const del = await ok(DELETE, { input: { id: gid(a.id) } }, memberKey);
    expect(del.deleteAnnotation).toEqual({ annotation: { databaseId: a.id, deleted: true }, userErrors: [] });
    expect(await counts()).toEqual({ annotations: before.annotations, activity: before.activity + 1 });
    expect((await prisma.annotation.findUniqueOrThrow({ where: { id: a.id } })).deleted).toBe(true);

    expect(await listContents(p.id)).not.toContain("Doomed");
    expect(await listContents(projA.id, { search: "Doomed" })).toEqual([]);
    expect((await t.gql(GET, { id: gid(a.id) })).errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect((await t.gql(NODE, { id: gid(a.id) })).errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect((await t.gql(UPDATE, { input: { id: gid(a.id), content: "x" } })).errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const again = await t.gql(DELETE, { input: { id: gid(a.id) } });
    expect(again.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await counts()).toEqual({ annotations: before.annotations, activity: before.activity + 1 });

    const restored = await ok(RESTORE, { input: { id: String(a.id) } });
    expect(restored.restoreAnnotation).toEqual({ annotation: { databaseId: a.id, deleted: false, content: "Doomed" }, userErrors: [] });
    expect(await listContents(p.id)).toContain("Doomed");
    expect(await counts()).toEqual({ annotations: before.annotations, activity: before.activity + 2 });
    // Restoring one that is not deleted changes nothing.
    const noop = await ok(RESTORE, { input: { id: gid(a.id) } });
    expect(noop.restoreAnnotation.annotation.deleted).toBe(false);
    expect(await counts()).toEqual({ annotations: before.annotations, activity: before.activity + 2 });

    const entries = await prisma.activityLog.findMany({
      where: { scope: "Annotation", itemId: String(a.id) },
      orderBy: { createdAt: "asc" },
    });
    expect(entries.map((e) => e.activity)).toEqual(["deleted", "restored"]);
    for (const entry of entries) expect(entry).toMatchObject({ organizationId: t.org.id, projectId: p.id, environmentId: p.id });
    expect((entries[0].detail as any).changes).toEqual([
      { type: "Annotation", action: "changed", field: "deleted", before: false, after: true },
    ]);
  });

  it("answers NOT_FOUND for another organization's annotation, deleted or not", async () => {
    const foreign = await make(projX, { content: "foreign" });
    const foreignDeleted = await make(projX, { content: "foreign deleted", deleted: true });
    const before = await counts();
    for (const id of [gid(foreign.id), String(foreign.id)]) {
      expect((await t.gql(DELETE, { input: { id } })).errors?.[0].extensions?.code).toBe("NOT_FOUND");
    }
    expect((await t.gql(RESTORE, { input: { id: gid(foreignDeleted.id) } })).errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await counts()).toEqual(before);
    expect((await prisma.annotation.findUniqueOrThrow({ where: { id: foreign.id } })).deleted).toBe(false);
  });

  it("answers FORBIDDEN without annotation:write", async () => {
    const a = await make(projA, { content: "protected" });
    const key = await seed.home.scopedKey(["annotation:read"]);
    for (const [query, input] of [
      [DELETE, { id: gid(a.id) }],
      [RESTORE, { id: gid(a.id) }],
      [UPDATE, { id: gid(a.id), content: "x" }],
    ] as const) {
      expect((await t.gql(query, { input }, { key })).errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
  });
});

describe("N+1", () => {
  const QUERY = `{ viewer { organizations(first: 10) { nodes { projects(first: 10) { nodes { annotations(first: 5) { nodes {
    content createdBy { email } dashboardName insightName } } } } } } } }`;

  /** A user in `orgCount` organizations of `projectCount` projects, each with annotations pointing at a dashboard and an insight. */
  async function userWith(orgCount: number, projectCount: number): Promise<string> {
    const viewer = await seed.createOwner();
    for (let o = 0; o < orgCount; o += 1) {
      const org = await viewer.createOrg();
      for (let p = 0; p < projectCount; p += 1) {
        const { project } = await org.createProject(`N1 ${o}-${p}`);
        const author = await t.fixtures.user();
        const dashboard = await prisma.dashboard.create({ data: { environmentId: project.id, name: `Dash ${o}-${p}` } });
        const insight = await prisma.insight.create({
          data: { environmentId: project.id, shortId: `n1${process.pid}${next()}`, name: `Insight ${o}-${p}` },
        });
        for (let i = 0; i < 3; i += 1) {
          await make(project, {
            content: `n1 ${o}-${p}-${i}`,
            createdById: i === 0 ? viewer.user.id : author.id,
            dashboardId: dashboard.id,
            dashboardItemId: insight.id,
            dateMarker: new Date(Date.UTC(2026, 0, i + 1)),
          });
        }
        if (p === 0)
          await make(project, {
            content: `n1 org-wide ${o}`,
            scope: "organization",
            createdById: author.id,
            dashboardId: dashboard.id,
            dashboardItemId: insight.id,
          });
      }
    }
    return viewer.key;
  }

  async function run(key: string, orgs: number, projects: number) {
    const res = await t.gql(QUERY, undefined, { key });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const orgNodes = res.data.viewer.organizations.nodes;
    expect(orgNodes).toHaveLength(orgs);
    for (const org of orgNodes) {
      expect(org.projects.nodes).toHaveLength(projects);
      for (const project of org.projects.nodes) {
        expect(project.annotations.nodes).toHaveLength(4);
        for (const a of project.annotations.nodes) {
          expect(a.createdBy.email).toMatch(/@example\.com$/);
          expect(a.dashboardName).toMatch(/^Dash /);
          expect(a.insightName).toMatch(/^Insight /);
        }
      }
    }
    return res.sql;
  }

  it("costs the same number of statements for 1 project, 5 projects and 3 organizations of 5 projects", async () => {
    const [oneProject, fiveProjects, threeOrgs] = [await userWith(1, 1), await userWith(1, 5), await userWith(3, 5)];
    const one = await run(oneProject, 1, 1);
    // authentication, organizations, projects, annotations, users, dashboards, insights
    expect(one).toBe(7);
    expect(await run(fiveProjects, 1, 5)).toBe(one);
    expect(await run(threeOrgs, 3, 5)).toBe(one);
  });
});
