// Project mutations: create, update (levels, merge, conversations token),
// delete, change organization, product intents. Every refusal writes nothing.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { SETTINGS } from "../../src/domain/settings/registry.js";
import { helpers, MembershipLevel, orgGid, projectGid, PUBLIC_TOKEN, SECRET_TOKEN, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const admin = await h.userAt(MembershipLevel.ADMIN);
const member = await h.userAt(MembershipLevel.MEMBER);

const FIELDS = `id databaseId name productDescription timezone sessionRecordingOptIn completedSnippetOnboarding apiToken
  secretApiToken secretApiTokenBackup modifiers sessionReplayConfig surveyConfig conversationsEnabled conversationsSettings weekStartDay
  organization { id } environments { totalCount nodes { databaseId isPrimary name } }`;
const CREATE = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { ${FIELDS} } ${USER_ERRORS} } }`;
const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { ${FIELDS} } ${USER_ERRORS} } }`;
const DELETE = `mutation($input: DeleteProjectInput!) { deleteProject(input: $input) { project { databaseId name isPendingDeletion }
  ${USER_ERRORS} } }`;
const MOVE = `mutation($input: ChangeProjectOrganizationInput!) { changeProjectOrganization(input: $input) { project {
  databaseId organization { id } environments { nodes { databaseId organization { id } } } } ${USER_ERRORS} } }`;
const ADD_INTENT = `mutation($input: AddProjectProductIntentInput!) { addProjectProductIntent(input: $input) { project {
  promotedProductIntent productIntents { productType contexts onboardingCompletedAt } } ${USER_ERRORS} } }`;
const COMPLETE = `mutation($input: CompleteProjectProductOnboardingInput!) { completeProjectProductOnboarding(input: $input) { project {
  productIntents { productType contexts onboardingCompletedAt updatedAt } } ${USER_ERRORS} } }`;

const envRow = (id: number) => prisma.environment.findUniqueOrThrow({ where: { id } });
const settingsOf = async (id: number) => (await envRow(id)).settings as Record<string, any>;

describe("createProject", () => {
  it("creates a project with its primary environment (same id) and fresh tokens", async () => {
    const { createProject } = await h.ok(CREATE, {
      input: { organizationId: orgGid(t.org.id), name: "  Created One  ", productDescription: "A shop", timezone: "Asia/Tokyo" },
    });
    expect(createProject.userErrors).toEqual([]);
    const p = createProject.project;
    expect(p).toMatchObject({
      name: "Created One",
      productDescription: "A shop",
      timezone: "Asia/Tokyo",
      organization: { id: orgGid(t.org.id) },
    });
    expect(p.apiToken).toMatch(PUBLIC_TOKEN);
    expect(p.secretApiToken).toMatch(SECRET_TOKEN);
    expect(p.secretApiTokenBackup).toBeNull();
    expect(p.environments).toEqual({ totalCount: 1, nodes: [{ databaseId: p.databaseId, isPrimary: true, name: "Created One" }] });
    const row = await prisma.project.findUniqueOrThrow({ where: { id: p.databaseId } });
    expect(row).toMatchObject({ organizationId: t.org.id, name: "Created One", isPendingDeletion: false });
    const env = await envRow(p.databaseId);
    expect(env).toMatchObject({
      projectId: p.databaseId,
      organizationId: t.org.id,
      apiToken: p.apiToken,
      secretApiToken: p.secretApiToken,
    });
    expect((env.settings as Record<string, unknown>).timezone).toBe("Asia/Tokyo");
    // one activity entry, with field-level changes and no secret in clear
    const entries = await h.activityOf({ projectId: p.databaseId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      activity: "created",
      scope: "Project",
      itemId: String(p.databaseId),
      userId: t.owner.id,
      organizationId: t.org.id,
    });
    const changes = (entries[0].detail as any).changes;
    expect(changes).toContainEqual({ type: "Project", action: "created", field: "name", before: null, after: "Created One" });
    expect(changes).toContainEqual({ type: "Project", action: "created", field: "productDescription", before: null, after: "A shop" });
    expect(changes).toContainEqual(expect.objectContaining({ field: "timezone", before: "UTC", after: "Asia/Tokyo" }));
    expect(JSON.stringify(entries)).not.toContain(p.secretApiToken);
  });

  it("accepts the organization's UUID and lets an admin (level 8) create", async () => {
    const { createProject } = await h.ok(CREATE, { input: { organizationId: t.org.id, name: h.uniqueName() } }, admin.key);
    expect(createProject.userErrors).toEqual([]);
    expect(createProject.project.timezone).toBe("UTC");
  });

  it("refuses a member with FORBIDDEN and writes nothing", async () => {
    const before = await h.everything();
    await h.fails("FORBIDDEN", CREATE, { input: { organizationId: t.org.id, name: "By a member" } }, member.key);
    expect(await h.everything()).toBe(before);
  });

  it("refuses a key without project:write with FORBIDDEN", async () => {
    const key = await t.fixtures.key(t.owner.id, ["project:read", "organization:write"]);
    const before = await h.everything();
    await h.fails("FORBIDDEN", CREATE, { input: { organizationId: t.org.id, name: "Read only" } }, key);
    expect(await h.everything()).toBe(before);
  });

  it("answers NOT_FOUND for an organization the caller is not in", async () => {
    const { org: theirs } = await h.seed.ownerWithOrg();
    const before = await h.everything();
    await h.fails("NOT_FOUND", CREATE, { input: { organizationId: theirs.id, name: "Intruder" } });
    await h.fails("NOT_FOUND", CREATE, { input: { organizationId: "not-an-org", name: "Intruder" } });
    expect(await h.everything()).toBe(before);
  });

  it("refuses a duplicate name, ignoring case, with TAKEN and writes nothing", async () => {
    const name = h.uniqueName("Dup");
    await h.project({}, name);
    const before = await h.everything();
    const payload = await h.refused({ code: "TAKEN", field: "input.name" }, CREATE, "createProject", {
      input: { organizationId: t.org.id, name: name.toUpperCase() },
    });
    expect(payload.project).toBeNull();
    expect(await h.everything()).toBe(before);
  });

  it("allows the same name in another organization and after the old project was deleted", async () => {
    const name = h.uniqueName("Reused");
    const { org: other } = await h.seed.home.owner.createOrg();
    await h.project({}, name, other.id);
    const old = await h.project({}, `${name} old`);
    await prisma.project.update({ where: { id: old.project.id }, data: { isPendingDeletion: true } });
    expect((await h.ok(CREATE, { input: { organizationId: t.org.id, name } })).createProject.userErrors).toEqual([]);
    expect((await h.ok(CREATE, { input: { organizationId: t.org.id, name: `${name} OLD` } })).createProject.userErrors).toEqual([]);
  });

  it("reports every invalid field at once and writes nothing", async () => {
    const before = await h.everything();
    await h.refused(
      [
        { code: "INVALID", field: "input.name" },
        { code: "INVALID", field: "input.productDescription" },
        { code: "INVALID", field: "input.timezone" },
        { code: "INVALID", field: "input.sessionRecordingSampleRate" },
      ],
      CREATE,
      "createProject",
      {
        input: {
          organizationId: t.org.id,
          name: "   ",
          productDescription: "x".repeat(1001),
          timezone: "Mars/Olympus",
          sessionRecordingSampleRate: "2",
        },
      },
    );
    expect(await h.everything()).toBe(before);
  });

  it("refuses a 201-character name", async () => {
    await h.refused({ code: "INVALID", field: "input.name" }, CREATE, "createProject", {
      input: { organizationId: t.org.id, name: "n".repeat(201) },
    });
  });

  it("keeps the conversations token rules at creation: on creates one, writing one is refused", async () => {
    const { createProject } = await h.ok(CREATE, { input: { organizationId: t.org.id, name: h.uniqueName(), conversationsEnabled: true } });
    expect(createProject.userErrors).toEqual([]);
    expect(createProject.project.conversationsSettings.widget_public_token).toMatch(PUBLIC_TOKEN);
    const before = await h.everything();
    await h.refused({ code: "INVALID", field: "input.conversationsSettings.widget_public_token" }, CREATE, "createProject", {
      input: { organizationId: t.org.id, name: h.uniqueName(), conversationsSettings: { widget_public_token: "phc_mine" } },
    });
    expect(await h.everything()).toBe(before);
  });
});

describe("updateProject", () => {
  it("lets a member change member-level settings", async () => {
    const p = await h.project();
    const { updateProject } = await h.ok(
      UPDATE,
      {
        input: {
          id: String(p.project.id),
          sessionRecordingOptIn: true,
          completedSnippetOnboarding: true,
          hasCompletedOnboardingFor: { product_analytics: true },
        },
      },
      member.key,
    );
    expect(updateProject.userErrors).toEqual([]);
    expect(updateProject.project).toMatchObject({ sessionRecordingOptIn: true, completedSnippetOnboarding: true });
    expect(await settingsOf(p.project.id)).toMatchObject({
      sessionRecordingOptIn: true,
      completedSnippetOnboarding: true,
      hasCompletedOnboardingFor: { product_analytics: true },
    });
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(1);
    expect(entries[0].userId).toBe(member.user.id);
  });

  it("lets a member change exactly PostHog's member-level settings, all at once", async () => {
    expect(
      SETTINGS.filter((s) => s.memberWritable)
        .map((s) => s.key)
        .sort(),
    ).toEqual(
      [
        "autocaptureExceptionsOptIn",
        "autocaptureWebVitalsAllowedMetrics",
        "autocaptureWebVitalsOptIn",
        "completedSnippetOnboarding",
        "hasCompletedOnboardingFor",
        "onboardingTasks",
        "primaryDashboard",
        "sessionRecordingOptIn",
        "surveysOptIn",
      ].sort(),
    );
    const p = await h.project();
    const dashboard = await h.prisma.dashboard.create({ data: { environmentId: p.environment.id, name: "Main" } });
    const patch = {
      autocaptureExceptionsOptIn: true,
      autocaptureWebVitalsAllowedMetrics: ["LCP", "CLS"],
      autocaptureWebVitalsOptIn: true,
      completedSnippetOnboarding: true,
      hasCompletedOnboardingFor: { surveys: true },
      onboardingTasks: { ingest_first_event: "completed" },
      primaryDashboard: dashboard.id,
      sessionRecordingOptIn: true,
      surveysOptIn: true,
    };
    const { updateProject } = await h.ok(UPDATE, { input: { id: String(p.project.id), ...patch } }, member.key);
    expect(updateProject.userErrors).toEqual([]);
    expect(await settingsOf(p.project.id)).toEqual(patch);
    const [entry] = await h.activityOf({ projectId: p.project.id });
    expect((entry.detail as any).changes.map((c: any) => c.field).sort()).toEqual(Object.keys(patch).sort());
  });

  it.each([
    ["timezone", { timezone: "Europe/Paris" }],
    ["name", { name: "Renamed by member" }],
    ["productDescription", { productDescription: "by member" }],
    ["an admin field next to a member field", { sessionRecordingOptIn: true, anonymizeIps: true }],
  ])("refuses a member changing %s with FORBIDDEN and writes nothing", async (_what, patch) => {
    const p = await h.project();
    const before = await h.everything();
    const res = await h.fails("FORBIDDEN", UPDATE, { input: { id: String(p.project.id), ...patch } }, member.key);
    expect(res.errors![0].message).toMatch(/admin/i);
    expect(await h.everything()).toBe(before);
  });

  it("lets an admin change admin-level settings, the name and the description", async () => {
    const p = await h.project();
    const name = h.uniqueName("Renamed");
    const { updateProject } = await h.ok(
      UPDATE,
      {
        input: {
          id: projectGid(p.project.id),
          name,
          productDescription: "Described",
          timezone: "America/Sao_Paulo",
          weekStartDay: "MONDAY",
        },
      },
      admin.key,
    );
    expect(updateProject.userErrors).toEqual([]);
    expect(updateProject.project).toMatchObject({
      name,
      productDescription: "Described",
      timezone: "America/Sao_Paulo",
      weekStartDay: "MONDAY",
    });
    expect(await prisma.project.findUniqueOrThrow({ where: { id: p.project.id } })).toMatchObject({
      name,
      productDescription: "Described",
    });
    // the primary environment carries the settings and follows the name
    expect(await envRow(p.project.id)).toMatchObject({ name, settings: { timezone: "America/Sao_Paulo", weekStartDay: 1 } });
  });

  it("writes one activity entry listing each changed field once", async () => {
    const p = await h.project({}, h.uniqueName("Before"));
    const name = h.uniqueName("After");
    await h.ok(UPDATE, { input: { id: String(p.project.id), name, timezone: "Europe/Rome", productDescription: "d" } });
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ activity: "updated", scope: "Project", itemId: String(p.project.id) });
    const changes = (entries[0].detail as any).changes;
    expect(changes.map((c: any) => c.field).sort()).toEqual(["name", "productDescription", "timezone"]);
    expect(changes).toContainEqual({ type: "Project", action: "changed", field: "name", before: p.project.name, after: name });
    expect(changes).toContainEqual({ type: "Project", action: "changed", field: "timezone", before: "UTC", after: "Europe/Rome" });
  });

  it("clears nullable settings with null and the description with null", async () => {
    const p = await h.project({ weekStartDay: 0, businessModel: "b2b" });
    await prisma.project.update({ where: { id: p.project.id }, data: { productDescription: "old" } });
    const { updateProject } = await h.ok(UPDATE, { input: { id: String(p.project.id), weekStartDay: null, productDescription: null } });
    expect(updateProject.project).toMatchObject({ weekStartDay: null, productDescription: null });
    expect((await settingsOf(p.project.id)).weekStartDay).toBeNull();
  });

  it("refuses a duplicate name (ignoring case) with TAKEN and writes nothing, but allows re-casing its own name", async () => {
    const taken = await h.project({}, h.uniqueName("Taken"));
    const p = await h.project({}, h.uniqueName("Mine"));
    const before = await h.everything();
    await h.refused({ code: "TAKEN", field: "input.name" }, UPDATE, "updateProject", {
      input: { id: String(p.project.id), name: taken.project.name.toLowerCase(), timezone: "Europe/Oslo" },
    });
    expect(await h.everything()).toBe(before);
    const { updateProject } = await h.ok(UPDATE, { input: { id: String(p.project.id), name: p.project.name.toUpperCase() } });
    expect(updateProject.project.name).toBe(p.project.name.toUpperCase());
  });

  it("writes nothing when nothing changes", async () => {
    const p = await h.project({ timezone: "Europe/Berlin", modifiers: { debug: true } });
    const before = await h.everything();
    for (const patch of [{}, { timezone: "Europe/Berlin" }, { modifiers: { debug: true } }, { name: p.project.name }, { modifiers: {} }]) {
      const { updateProject } = await h.ok(UPDATE, { input: { id: String(p.project.id), ...patch } });
      expect(updateProject.userErrors).toEqual([]);
      expect(updateProject.project.timezone).toBe("Europe/Berlin");
    }
    expect(await h.activityOf({ projectId: p.project.id })).toEqual([]);
    expect(JSON.parse(await h.everything()).activity).toEqual(JSON.parse(before).activity);
  });

  it("answers NOT_FOUND for an unknown or deleted project", async () => {
    const p = await h.project();
    await prisma.project.update({ where: { id: p.project.id }, data: { isPendingDeletion: true } });
    await h.fails("NOT_FOUND", UPDATE, { input: { id: String(p.project.id), timezone: "Europe/Paris" } });
    await h.fails("NOT_FOUND", UPDATE, { input: { id: "2147483000", timezone: "Europe/Paris" } });
  });
});

describe("merged JSON settings", () => {
  it("merges modifiers, sessionReplayConfig, surveyConfig and conversationsSettings into what is stored", async () => {
    const p = await h.project({
      modifiers: { personsOnEventsMode: "disabled" },
      sessionReplayConfig: { record_canvas: false },
      surveyConfig: { appearance: { color: "red" } },
    });
    const id = String(p.project.id);
    await h.ok(UPDATE, {
      input: {
        id,
        modifiers: { inCohortVia: "leftjoin" },
        sessionReplayConfig: { ai_config: { opt_in: true } },
        surveyConfig: { thanks: "bye" },
      },
    });
    let { project } = await h.ok(`query($id: ID!) { project(id: $id) { modifiers sessionReplayConfig surveyConfig } }`, { id });
    expect(project).toEqual({
      modifiers: { personsOnEventsMode: "disabled", inCohortVia: "leftjoin" },
      sessionReplayConfig: { record_canvas: false, ai_config: { opt_in: true } },
      surveyConfig: { appearance: { color: "red" }, thanks: "bye" },
    });
    // a written key replaces that key only
    await h.ok(UPDATE, {
      input: {
        id,
        modifiers: { personsOnEventsMode: "person_id_no_override_properties_on_events" },
        sessionReplayConfig: { record_canvas: true },
      },
    });
    ({ project } = await h.ok(`query($id: ID!) { project(id: $id) { modifiers sessionReplayConfig } }`, { id }));
    expect(project).toEqual({
      modifiers: { personsOnEventsMode: "person_id_no_override_properties_on_events", inCohortVia: "leftjoin" },
      sessionReplayConfig: { record_canvas: true, ai_config: { opt_in: true } },
    });
    // the activity entry has the whole object before and after
    const last = (await h.activityOf({ projectId: p.project.id })).at(-1)!;
    expect((last.detail as any).changes).toContainEqual({
      type: "Project",
      action: "changed",
      field: "sessionReplayConfig",
      before: { record_canvas: false, ai_config: { opt_in: true } },
      after: { record_canvas: true, ai_config: { opt_in: true } },
    });
    // null clears
    await h.ok(UPDATE, { input: { id, modifiers: null } });
    expect((await settingsOf(p.project.id)).modifiers).toBeNull();
  });

  it("replaces settings that PostHog does not merge (e.g. extraSettings, correlationConfig)", async () => {
    const p = await h.project({ extraSettings: { a: 1 }, correlationConfig: { excluded_person_property_names: ["x"] } });
    await h.ok(UPDATE, {
      input: { id: String(p.project.id), extraSettings: { b: 2 }, correlationConfig: { excluded_event_names: ["y"] } },
    });
    expect(await settingsOf(p.project.id)).toMatchObject({ extraSettings: { b: 2 }, correlationConfig: { excluded_event_names: ["y"] } });
  });

  it("refuses JSON settings of the wrong shape", async () => {
    const p = await h.project();
    const before = await h.everything();
    await h.refused(
      [
        { code: "INVALID", field: "input.modifiers" },
        { code: "INVALID", field: "input.testAccountFilters" },
      ],
      UPDATE,
      "updateProject",
      { input: { id: String(p.project.id), modifiers: [1, 2], testAccountFilters: { not: "a list" } } },
    );
    expect(await h.everything()).toBe(before);
  });
});

describe("conversations", () => {
  it("creates a widget token when turned on, keeps it while on, clears it when turned off", async () => {
    const p = await h.project();
    const id = String(p.project.id);
    const on = (await h.ok(UPDATE, { input: { id, conversationsEnabled: true } })).updateProject.project;
    expect(on.conversationsEnabled).toBe(true);
    const token = on.conversationsSettings.widget_public_token;
    expect(token).toMatch(PUBLIC_TOKEN);
    // other keys merge in and leave the token alone; turning it on again keeps it
    const again = (await h.ok(UPDATE, { input: { id, conversationsEnabled: true, conversationsSettings: { greeting: "Hi" } } }))
      .updateProject.project;
    expect(again.conversationsSettings).toEqual({ widget_public_token: token, greeting: "Hi" });
    const off = (await h.ok(UPDATE, { input: { id, conversationsEnabled: false } })).updateProject.project;
    expect(off.conversationsEnabled).toBe(false);
    expect(off.conversationsSettings.widget_public_token ?? null).toBeNull();
    expect(off.conversationsSettings.greeting).toBe("Hi");
  });

  it("refuses writing widget_public_token directly and writes nothing", async () => {
    const p = await h.project({
      conversationsEnabled: true,
      conversationsSettings: { widget_public_token: "phc_existingexistingexisting" },
    });
    const before = await h.everything();
    await h.refused({ code: "INVALID", field: "input.conversationsSettings.widget_public_token" }, UPDATE, "updateProject", {
      input: { id: String(p.project.id), conversationsSettings: { widget_public_token: "phc_mine" }, timezone: "Europe/Paris" },
    });
    expect(await h.everything()).toBe(before);
  });

  it("writes nothing for turning off what is already off", async () => {
    const p = await h.project({ conversationsEnabled: false });
    await h.ok(UPDATE, { input: { id: String(p.project.id), conversationsEnabled: false } });
    const q = await h.project();
    await h.ok(UPDATE, { input: { id: String(q.project.id), conversationsEnabled: null } });
    expect(await h.activityOf({ projectId: p.project.id })).toEqual([]);
    expect(await h.activityOf({ projectId: q.project.id })).toEqual([]);
  });
});

describe("deleteProject", () => {
  it("marks the project and its environments pending deletion, hides them and logs it", async () => {
    const p = await h.project();
    const env = await h.environment(p.project);
    const { deleteProject } = await h.ok(DELETE, { input: { id: projectGid(p.project.id) } });
    expect(deleteProject).toEqual({ project: { databaseId: p.project.id, name: p.project.name, isPendingDeletion: true }, userErrors: [] });
    expect(await prisma.project.findUniqueOrThrow({ where: { id: p.project.id } })).toMatchObject({ isPendingDeletion: true });
    expect((await prisma.environment.findMany({ where: { projectId: p.project.id } })).every((e) => e.isPendingDeletion)).toBe(true);
    await h.fails("NOT_FOUND", `query($id: ID!) { project(id: $id) { name } }`, { id: String(p.project.id) });
    await h.fails("NOT_FOUND", `query($id: ID!) { environment(id: $id) { name } }`, { id: String(env.id) });
    await h.fails("NOT_FOUND", `query($id: ID!) { node(id: $id) { id } }`, { id: projectGid(p.project.id) });
    const list = await h.ok(`query($id: ID!) { organization(id: $id) { projects(first: 100) { nodes { databaseId } } } }`, {
      id: t.org.id,
    });
    expect(list.organization.projects.nodes.map((n: any) => n.databaseId)).not.toContain(p.project.id);
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ activity: "deleted", scope: "Project", itemId: String(p.project.id), userId: t.owner.id });
  });

  it("answers a second delete with NOT_FOUND and writes nothing", async () => {
    const p = await h.project();
    await h.ok(DELETE, { input: { id: String(p.project.id) } });
    const before = await h.everything();
    await h.fails("NOT_FOUND", DELETE, { input: { id: String(p.project.id) } });
    expect(await h.everything()).toBe(before);
  });

  it("refuses a member with FORBIDDEN and deletes nothing", async () => {
    const p = await h.project();
    const before = await h.everything();
    await h.fails("FORBIDDEN", DELETE, { input: { id: String(p.project.id) } }, member.key);
    expect(await h.everything()).toBe(before);
    expect((await h.ok(DELETE, { input: { id: String(p.project.id) } }, admin.key)).deleteProject.project.isPendingDeletion).toBe(true);
  });
});

// The owner is admin of `target`; `admin` (admin of t.org) is only a member there.
const target = await t.fixtures.organization(undefined, [
  { userId: t.owner.id, level: MembershipLevel.ADMIN },
  { userId: admin.user.id, level: MembershipLevel.MEMBER },
]);

describe("changeProjectOrganization", () => {
  it("moves the project and all its environments when the caller is admin of both", async () => {
    const p = await h.project();
    const env = await h.environment(p.project);
    const { changeProjectOrganization } = await h.ok(MOVE, { input: { id: String(p.project.id), organizationId: orgGid(target.id) } });
    expect(changeProjectOrganization.userErrors).toEqual([]);
    expect(changeProjectOrganization.project.organization.id).toBe(orgGid(target.id));
    expect(changeProjectOrganization.project.environments.nodes).toEqual([
      { databaseId: p.project.id, organization: { id: orgGid(target.id) } },
      { databaseId: env.id, organization: { id: orgGid(target.id) } },
    ]);
    expect((await prisma.project.findUniqueOrThrow({ where: { id: p.project.id } })).organizationId).toBe(target.id);
    expect((await prisma.environment.findMany({ where: { projectId: p.project.id } })).map((e) => e.organizationId)).toEqual([
      target.id,
      target.id,
    ]);
    const lists = await h.ok(
      `query($a: ID!, $b: ID!) { a: organization(id: $a) { projects(first: 100) { nodes { databaseId } } }
        b: organization(id: $b) { projects(first: 100) { nodes { databaseId } } } }`,
      { a: t.org.id, b: target.id },
    );
    expect(lists.a.projects.nodes.map((n: any) => n.databaseId)).not.toContain(p.project.id);
    expect(lists.b.projects.nodes.map((n: any) => n.databaseId)).toEqual([p.project.id]);
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ activity: "changed_organization", scope: "Project", organizationId: target.id });
    expect((entries[0].detail as any).changes).toEqual([
      { type: "Project", action: "changed", field: "organization", before: t.org.id, after: target.id },
    ]);
  });

  it("refuses with FORBIDDEN when the caller is not admin of the target, moving nothing", async () => {
    const p = await h.project();
    await h.environment(p.project);
    const before = await h.everything();
    await h.fails("FORBIDDEN", MOVE, { input: { id: String(p.project.id), organizationId: target.id } }, admin.key);
    expect(await h.everything()).toBe(before);
  });

  it("refuses with FORBIDDEN when the caller is not admin of the source", async () => {
    const p = await h.project();
    const mine = await t.fixtures.organization(undefined, [{ userId: member.user.id, level: MembershipLevel.OWNER }]);
    const memberKey = await t.fixtures.key(member.user.id);
    const before = await h.everything();
    await h.fails("FORBIDDEN", MOVE, { input: { id: String(p.project.id), organizationId: mine.id } }, memberKey);
    expect(await h.everything()).toBe(before);
  });

  it("answers an unknown target, or one the caller is not in, with userError NOT_FOUND", async () => {
    const p = await h.project();
    const { org: theirs } = await h.seed.ownerWithOrg();
    const before = await h.everything();
    for (const organizationId of ["00000000-0000-4000-8000-000000000000", theirs.id, orgGid(theirs.id), "garbage"]) {
      const payload = await h.refused({ code: "NOT_FOUND", field: "input.organizationId" }, MOVE, "changeProjectOrganization", {
        input: { id: String(p.project.id), organizationId },
      });
      expect(payload.project).toBeNull();
    }
    expect(await h.everything()).toBe(before);
  });

  it("refuses moving to the same organization (CONFLICT) or onto a taken name (TAKEN), leaving nothing half-moved", async () => {
    const p = await h.project();
    await h.environment(p.project);
    await h.project({}, p.project.name.toUpperCase(), target.id);
    const before = await h.everything();
    await h.refused({ code: "CONFLICT", field: "input.organizationId" }, MOVE, "changeProjectOrganization", {
      input: { id: String(p.project.id), organizationId: t.org.id },
    });
    await h.refused({ code: "TAKEN", field: "input.organizationId" }, MOVE, "changeProjectOrganization", {
      input: { id: String(p.project.id), organizationId: target.id },
    });
    expect(await h.everything()).toBe(before);
  });
});

describe("product intents", () => {
  const PRIMARY = "onboarding product selected - primary";

  it("gets or creates the intent and counts each context; any member may add one", async () => {
    const p = await h.project();
    const id = String(p.project.id);
    await h.ok(ADD_INTENT, { input: { id, productType: "SESSION_REPLAY", intentContext: PRIMARY } }, member.key);
    await h.ok(ADD_INTENT, { input: { id, productType: "SESSION_REPLAY", intentContext: PRIMARY, metadata: { from: "test" } } });
    const { addProjectProductIntent } = await h.ok(ADD_INTENT, {
      input: { id, productType: "SESSION_REPLAY", intentContext: "quick start product selected" },
    });
    expect(addProjectProductIntent.userErrors).toEqual([]);
    expect(addProjectProductIntent.project.productIntents).toEqual([
      { productType: "session_replay", contexts: { [PRIMARY]: 2, "quick start product selected": 1 }, onboardingCompletedAt: null },
    ]);
    expect(addProjectProductIntent.project.promotedProductIntent).toBe("session_replay");
    expect(await prisma.productIntent.count({ where: { environmentId: p.project.id } })).toBe(1);
    // one entry per call, naming the product
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries.map((e) => e.activity)).toEqual(["product_intent_added", "product_intent_added", "product_intent_added"]);
    expect((entries[1].detail as any).context).toMatchObject({
      product_type: "session_replay",
      intent_context: PRIMARY,
      metadata: { from: "test" },
    });
    expect(entries[0].userId).toBe(member.user.id);
  });

  it("promotes the product most recently chosen as primary", async () => {
    const p = await h.project();
    const id = String(p.project.id);
    await h.ok(ADD_INTENT, { input: { id, productType: "PRODUCT_ANALYTICS", intentContext: PRIMARY } });
    await new Promise((r) => setTimeout(r, 5));
    await h.ok(ADD_INTENT, { input: { id, productType: "FEATURE_FLAGS", intentContext: PRIMARY } });
    await new Promise((r) => setTimeout(r, 5));
    const { addProjectProductIntent } = await h.ok(ADD_INTENT, {
      input: { id, productType: "SURVEYS", intentContext: "onboarding product selected - secondary" },
    });
    expect(addProjectProductIntent.project.promotedProductIntent).toBe("feature_flags");
    await new Promise((r) => setTimeout(r, 5));
    const again = await h.ok(ADD_INTENT, { input: { id, productType: "PRODUCT_ANALYTICS", intentContext: PRIMARY } });
    expect(again.addProjectProductIntent.project.promotedProductIntent).toBe("product_analytics");
  });

  it("refuses a product type that is not one of PostHog's product keys (the ProductKey enum), writing nothing", async () => {
    const p = await h.project();
    const before = await h.everything();
    for (const productType of ["Session Replay", "", "x".repeat(65), "invalid_product", "session_replay"]) {
      const res = await h.fails("BAD_USER_INPUT", ADD_INTENT, { input: { id: String(p.project.id), productType } });
      expect(res.errors![0].message).toMatch(/ProductKey/);
    }
    expect(await h.everything()).toBe(before);
  });

  it("completes onboarding: sets onboardingCompletedAt to now on each completion, creating the intent when needed", async () => {
    const p = await h.project();
    const id = String(p.project.id);
    const start = Date.now();
    const first = (await h.ok(COMPLETE, { input: { id, productType: "EXPERIMENTS" } }, member.key)).completeProjectProductOnboarding;
    expect(first.userErrors).toEqual([]);
    const intent = first.project.productIntents[0];
    expect(intent).toMatchObject({ productType: "experiments", contexts: {} });
    expect(Math.abs(new Date(intent.onboardingCompletedAt).getTime() - start)).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 5));
    const second = (await h.ok(COMPLETE, { input: { id, productType: "EXPERIMENTS" } })).completeProjectProductOnboarding;
    // As PostHog (onboarding_completed_at = now on every completion): the second completion records its own time.
    expect(new Date(second.project.productIntents[0].onboardingCompletedAt).getTime()).toBeGreaterThan(
      new Date(intent.onboardingCompletedAt).getTime(),
    );
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries.map((e) => e.activity)).toEqual(["product_onboarding_completed", "product_onboarding_completed"]);
    // an existing intent keeps its contexts
    await h.ok(ADD_INTENT, { input: { id, productType: "SURVEYS", intentContext: PRIMARY } });
    const third = (await h.ok(COMPLETE, { input: { id, productType: "SURVEYS" } })).completeProjectProductOnboarding;
    expect(third.project.productIntents.find((i: any) => i.productType === "surveys")).toMatchObject({
      contexts: { [PRIMARY]: 1 },
      onboardingCompletedAt: expect.any(String),
    });
  });

  it("needs project:write", async () => {
    const p = await h.project();
    const key = await t.fixtures.key(t.owner.id, ["project:read"]);
    const before = await h.everything();
    await h.fails("FORBIDDEN", ADD_INTENT, { input: { id: String(p.project.id), productType: "SURVEYS" } }, key);
    await h.fails("FORBIDDEN", COMPLETE, { input: { id: String(p.project.id), productType: "SURVEYS" } }, key);
    expect(await h.everything()).toBe(before);
  });
});
