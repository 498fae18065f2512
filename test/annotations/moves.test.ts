// Moving an annotation between environments, projects and scopes of its
// organization with updateAnnotation, restating PostHog's tests
// (products/annotations/backend/api/test/test_annotation.py:
// test_downgrading_scope_from_org_to_project_uses_team_id_from_api,
// test_updating_annotation, test_updating_annotation_with_*_from_different_team_returns_400):
// PostHog's update sets the annotation's team to the one the request names;
// here the target is `environmentId`, checked as createAnnotation checks it,
// with the caller allowed to write where the annotation is and where it goes.
// Also the restore rule: restoring an annotation that is not deleted succeeds
// and changes nothing.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { encodeId } from "../../src/domain/ids.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { insertEnvironment } from "../../src/domain/environments/store.js";
import type { Annotation, Prisma } from "../../src/generated/prisma/client.js";

const t = await setupTestApp();
const prisma = t.db.prisma;

const member = await t.fixtures.user();
await prisma.organizationMembership.create({ data: { organizationId: t.org.id, userId: member.id, level: MembershipLevel.MEMBER } });
const memberKey = await t.fixtures.key(member.id);

// Another organization the owner belongs to too, and one the owner does not.
const secondOrg = await t.fixtures.organization(undefined, [{ userId: t.owner.id, level: MembershipLevel.OWNER }]);
const stranger = await t.fixtures.user();
const strangersOrg = await t.fixtures.organization(undefined, [{ userId: stranger.id, level: MembershipLevel.OWNER }]);

let n = 0;
async function project(orgId: string = t.org.id) {
  n += 1;
  return (await insertProject(prisma, orgId, `Moves ${process.pid}-${n}`)).project;
}

function make(env: { id: number; organizationId: string }, data: Partial<Prisma.AnnotationUncheckedCreateInput> = {}): Promise<Annotation> {
  return prisma.annotation.create({
    data: { organizationId: env.organizationId, environmentId: env.id, createdById: t.owner.id, ...data },
  });
}

const gid = (id: number) => encodeId("Annotation", id);
const projectGid = (id: number) => encodeId("Project", id);
const envGid = (id: number) => encodeId("Environment", id);
const row = (id: number) => prisma.annotation.findUniqueOrThrow({ where: { id } });
const counts = async () => ({ annotations: await prisma.annotation.count(), activity: await prisma.activityLog.count() });

const FIELDS = `databaseId content scope dateMarker dashboardItem dashboardId dashboardName insightName updatedAt deleted
  environment { databaseId } project { databaseId }`;
const UPDATE = `mutation($input: UpdateAnnotationInput!) { updateAnnotation(input: $input) { annotation { ${FIELDS} }
  userErrors { field message code } } }`;
const RESTORE = `mutation($input: RestoreAnnotationInput!) { restoreAnnotation(input: $input) { annotation { ${FIELDS} }
  userErrors { field message code } } }`;
const LIST = `query($id: ID!, $search: String) { environment(id: $id) { annotations(first: 50, search: $search) {
  nodes { databaseId } } } }`;
const GET = `query($id: ID!) { annotation(id: $id) { databaseId scope environment { databaseId } project { databaseId } } }`;

async function update(input: Record<string, unknown>, key?: string) {
  const res = await t.gql(UPDATE, { input }, key ? { key } : undefined);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.updateAnnotation as { annotation: any; userErrors: { field: string[]; message: string; code: string }[] };
}

async function listed(envId: number, search: string, key?: string): Promise<number[]> {
  const res = await t.gql(LIST, { id: envGid(envId), search }, key ? { key } : undefined);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.environment.annotations.nodes.map((a: { databaseId: number }) => a.databaseId);
}

describe("moving an annotation", () => {
  it("downgrades an ORGANIZATION annotation to PROJECT in the project named (test_downgrading_scope_..._uses_team_id_from_api)", async () => {
    const [a, b] = [await project(), await project()];
    const tag = `downgrade${a.id}`;
    const anno = await make(a, { content: `hello world! ${tag}`, scope: "organization" });
    const before = await counts();

    const { annotation, userErrors } = await update({ id: gid(anno.id), environmentId: projectGid(b.id), scope: "PROJECT" }, memberKey);
    expect(userErrors).toEqual([]);
    expect(annotation).toMatchObject({ scope: "PROJECT", environment: { databaseId: b.id }, project: { databaseId: b.id } });
    expect(await row(anno.id)).toMatchObject({ scope: "project", environmentId: b.id, organizationId: t.org.id });
    // It belongs to b now: listed there, no longer in a (it is not organization-wide any more).
    expect(await listed(b.id, tag)).toEqual([anno.id]);
    expect(await listed(a.id, tag)).toEqual([]);

    // One activity entry, in the environment it moved to, recording the move.
    expect(await counts()).toEqual({ annotations: before.annotations, activity: before.activity + 1 });
    const entry = await prisma.activityLog.findFirstOrThrow({
      where: { scope: "Annotation", itemId: String(anno.id), activity: "updated" },
    });
    expect(entry).toMatchObject({ organizationId: t.org.id, projectId: b.id, environmentId: b.id, userId: member.id });
    expect((entry.detail as any).changes).toEqual([
      { type: "Annotation", action: "changed", field: "environment", before: a.id, after: b.id },
      { type: "Annotation", action: "changed", field: "project", before: a.id, after: b.id },
      { type: "Annotation", action: "changed", field: "scope", before: "organization", after: "project" },
    ]);
  });

  it("changes content and upgrades the scope in place (test_updating_annotation)", async () => {
    const [a, b] = [await project(), await project()];
    const anno = await make(a, { content: "hello world!" });
    const { annotation } = await update({ id: String(anno.id), content: "Updated text", scope: "ORGANIZATION" });
    expect(annotation).toMatchObject({
      content: "Updated text",
      scope: "ORGANIZATION",
      dateMarker: null,
      environment: { databaseId: a.id },
    });
    // Organization-wide now: listed with every project of the organization.
    expect(await listed(b.id, "Updated text")).toContain(anno.id);
  });

  it("moves to another environment of the same project, keeping its scope; the project is unchanged in the entry", async () => {
    const a = await project();
    const staging = await insertEnvironment(prisma, a, "Moves staging");
    const anno = await make(a, { content: "to staging", scope: "project" });
    const { annotation, userErrors } = await update({ id: gid(anno.id), environmentId: envGid(staging.id) });
    expect(userErrors).toEqual([]);
    expect(annotation).toMatchObject({ scope: "PROJECT", environment: { databaseId: staging.id }, project: { databaseId: a.id } });
    const entry = await prisma.activityLog.findFirstOrThrow({
      where: { scope: "Annotation", itemId: String(anno.id), activity: "updated" },
    });
    expect(entry).toMatchObject({ projectId: a.id, environmentId: staging.id });
    expect((entry.detail as any).changes).toEqual([
      { type: "Annotation", action: "changed", field: "environment", before: a.id, after: staging.id },
    ]);
  });

  it("keeps an ORGANIZATION annotation organization-wide when it moves", async () => {
    const [a, b, c] = [await project(), await project(), await project()];
    const tag = `orgwide${a.id}`;
    const anno = await make(a, { content: tag, scope: "organization" });
    const { annotation } = await update({ id: gid(anno.id), environmentId: String(b.id) });
    expect(annotation).toMatchObject({ scope: "ORGANIZATION", environment: { databaseId: b.id } });
    for (const p of [a, b, c]) expect(await listed(p.id, tag), String(p.id)).toEqual([anno.id]);
    // A key limited to c reads it (organization-wide), not its environment.
    const limited = await t.fixtures.key(t.owner.id, ["annotation:read", "project:read"], { scopedTeams: [c.id] });
    const got = await t.gql(GET, { id: gid(anno.id) }, { key: limited });
    expect(got.data.annotation).toEqual({ databaseId: anno.id, scope: "ORGANIZATION", environment: null, project: null });
  });

  it("writes nothing when the target is where it already is", async () => {
    const a = await project();
    const anno = await make(a, { content: "stay", scope: "project" });
    const before = await counts();
    const { annotation, userErrors } = await update({ id: gid(anno.id), environmentId: projectGid(a.id), scope: "PROJECT" });
    expect(userErrors).toEqual([]);
    expect(annotation.updatedAt).toBe(anno.updatedAt.toISOString());
    expect(await counts()).toEqual(before);
  });
});

describe("the scope rules of creation apply to a move", () => {
  it("takes an insight and a dashboard of the target environment", async () => {
    const [a, b] = [await project(), await project()];
    const insight = await prisma.insight.create({
      data: { environmentId: b.id, shortId: `mv${process.pid}${b.id}`, name: "Target insight" },
    });
    const dashboard = await prisma.dashboard.create({ data: { environmentId: b.id, name: "Target dash" } });
    const anno = await make(a, { content: "pinned" });
    const { annotation, userErrors } = await update({
      id: gid(anno.id),
      environmentId: String(b.id),
      scope: "DASHBOARD",
      dashboardItem: insight.id,
      dashboardId: dashboard.id,
    });
    expect(userErrors).toEqual([]);
    expect(annotation).toMatchObject({
      scope: "DASHBOARD",
      dashboardItem: insight.id,
      insightName: "Target insight",
      dashboardId: dashboard.id,
      dashboardName: "Target dash",
      environment: { databaseId: b.id },
    });
  });

  it("refuses an insight or dashboard of the environment it leaves, given or kept, and RECORDING; writes nothing", async () => {
    const [a, b] = [await project(), await project()];
    const insight = await prisma.insight.create({
      data: { environmentId: a.id, shortId: `mva${process.pid}${a.id}`, name: "Source insight" },
    });
    const dashboard = await prisma.dashboard.create({ data: { environmentId: a.id, name: "Source dash" } });
    const anno = await make(a, { content: "pinned at home", dashboardItemId: insight.id, dashboardId: dashboard.id });
    const before = await counts();

    // Given: the same NOT_FOUND as on creation (PostHog: "Dashboard not found." / does_not_exist).
    const given = await update({ id: gid(anno.id), environmentId: String(b.id), dashboardItem: insight.id, dashboardId: dashboard.id });
    expect(given.annotation).toBeNull();
    expect(given.userErrors.map((e) => `${e.field.join(".")}:${e.code}`).sort()).toEqual([
      "input.dashboardId:NOT_FOUND",
      "input.dashboardItem:NOT_FOUND",
    ]);
    // Kept (not given): they would point into the environment it leaves.
    const kept = await update({ id: gid(anno.id), environmentId: String(b.id) });
    expect(kept.userErrors.map((e) => `${e.field.join(".")}:${e.code}`).sort()).toEqual([
      "input.dashboardId:CONFLICT",
      "input.dashboardItem:CONFLICT",
    ]);
    expect(kept.userErrors[0].message).toMatch(/null/);
    // RECORDING, as on creation.
    const recording = await update({
      id: gid(anno.id),
      environmentId: String(b.id),
      scope: "RECORDING",
      dashboardItem: null,
      dashboardId: null,
    });
    expect(recording.userErrors).toEqual([{ field: ["input", "scope"], message: expect.stringMatching(/recording/i), code: "INVALID" }]);
    expect(await counts()).toEqual(before);
    expect(await row(anno.id)).toEqual(anno);

    // Cleared: it moves.
    const cleared = await update({ id: gid(anno.id), environmentId: String(b.id), dashboardItem: null, dashboardId: null });
    expect(cleared.userErrors).toEqual([]);
    expect(cleared.annotation).toMatchObject({ dashboardItem: null, dashboardId: null, environment: { databaseId: b.id } });
  });

  it("reports a bad target with every other invalid field at once", async () => {
    const a = await project();
    const anno = await make(a, { content: "keep" });
    const before = await counts();
    const res = await update({ id: gid(anno.id), environmentId: "2147483000", content: "x".repeat(8193), scope: "RECORDING" });
    expect(res.userErrors.map((e) => `${e.field.join(".")}:${e.code}`).sort()).toEqual([
      "input.content:INVALID",
      "input.environmentId:NOT_FOUND",
      "input.scope:INVALID",
    ]);
    expect(await counts()).toEqual(before);
  });
});

describe("where an annotation may move", () => {
  it("only within its organization: another organization of the caller is refused, an unseen one is NOT_FOUND", async () => {
    const a = await project();
    const elsewhere = await project(secondOrg.id);
    const strangers = await project(strangersOrg.id);
    const anno = await make(a, { content: "home", scope: "organization" });
    const before = await counts();
    const other = await update({ id: gid(anno.id), environmentId: projectGid(elsewhere.id) });
    expect(other.userErrors).toEqual([
      { field: ["input", "environmentId"], message: expect.stringMatching(/organization/), code: "INVALID" },
    ]);
    for (const environmentId of [projectGid(strangers.id), String(strangers.id), "nope", "2147483647", encodeId("Role", a.id)]) {
      const res = await update({ id: gid(anno.id), environmentId });
      expect(res.userErrors, environmentId).toEqual([
        { field: ["input", "environmentId"], message: expect.any(String), code: "NOT_FOUND" },
      ]);
    }
    const nulled = await update({ id: gid(anno.id), environmentId: null });
    expect(nulled.userErrors).toEqual([{ field: ["input", "environmentId"], message: expect.any(String), code: "REQUIRED" }]);
    expect(await counts()).toEqual(before);
    expect(await row(anno.id)).toEqual(anno);
  });

  it("never into an environment pending deletion", async () => {
    const a = await project();
    const doomed = await project();
    await prisma.environment.update({ where: { id: doomed.id }, data: { isPendingDeletion: true } });
    const anno = await make(a, { content: "not there" });
    const res = await update({ id: gid(anno.id), environmentId: String(doomed.id) });
    expect(res.userErrors).toEqual([{ field: ["input", "environmentId"], message: expect.any(String), code: "NOT_FOUND" }]);
    expect((await row(anno.id)).environmentId).toBe(a.id);
  });

  it("with a key limited to projects: into a project it reaches, from wherever it may write the annotation", async () => {
    const [a, b, c] = [await project(), await project(), await project()];
    const limited = await t.fixtures.key(t.owner.id, ["annotation:read", "annotation:write", "project:read"], { scopedTeams: [b.id] });
    const orgWide = await make(a, { content: "org-wide in a", scope: "organization" });
    const before = await counts();

    // Not into c, which the key does not reach.
    const toC = await update({ id: gid(orgWide.id), environmentId: String(c.id) }, limited);
    expect(toC.userErrors).toEqual([{ field: ["input", "environmentId"], message: expect.any(String), code: "NOT_FOUND" }]);
    // Not narrowed in place: a PROJECT annotation of a would be out of the key's reach.
    const narrowed = await update({ id: gid(orgWide.id), scope: "PROJECT" }, limited);
    expect(narrowed.userErrors).toEqual([{ field: ["input", "scope"], message: expect.stringMatching(/environmentId/), code: "INVALID" }]);
    expect(await counts()).toEqual(before);

    // Into b, as PostHog's PATCH through b's URL does: the annotation is organization-wide, so the key may change it.
    const toB = await update({ id: gid(orgWide.id), environmentId: String(b.id), scope: "PROJECT" }, limited);
    expect(toB.userErrors).toEqual([]);
    expect(toB.annotation).toMatchObject({ scope: "PROJECT", environment: { databaseId: b.id } });

    // A project-scoped annotation of a is not the key's to move at all.
    const own = await make(a, { content: "a only", scope: "project" });
    const res = await t.gql(UPDATE, { input: { id: gid(own.id), environmentId: String(b.id) } }, { key: limited });
    expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect((await row(own.id)).environmentId).toBe(a.id);
  });

  it("needs annotation:write", async () => {
    const [a, b] = [await project(), await project()];
    const anno = await make(a, { content: "read only" });
    const key = await t.fixtures.key(t.owner.id, ["annotation:read", "project:read"]);
    const res = await t.gql(UPDATE, { input: { id: gid(anno.id), environmentId: String(b.id) } }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect((await row(anno.id)).environmentId).toBe(a.id);
  });
});

describe("restoreAnnotation", () => {
  it("on an annotation that is not deleted succeeds and changes nothing, as its description says", async () => {
    const a = await project();
    const anno = await make(a, { content: "alive" });
    const before = await counts();
    const res = await t.gql(RESTORE, { input: { id: gid(anno.id) } }, { key: memberKey });
    expect(res.errors).toBeUndefined();
    expect(res.data.restoreAnnotation).toMatchObject({
      userErrors: [],
      annotation: { databaseId: anno.id, deleted: false, content: "alive" },
    });
    expect(res.data.restoreAnnotation.annotation.updatedAt).toBe(anno.updatedAt.toISOString());
    expect(await counts()).toEqual(before);
    expect(await row(anno.id)).toEqual(anno);

    const doc = await t.gql(`{ __type(name: "Mutation") { fields { name description } } }`);
    const field = doc.data.__type.fields.find((f: { name: string }) => f.name === "restoreAnnotation");
    expect(field.description).toMatch(/not deleted succeeds and changes nothing/);
  });
});
