// Environment mutations: create, update (incl. the environment-only
// experimentRecalculationTime), delete (never the primary one), product
// intents, token actions and logs config — the environment versions of the
// project actions, each with its level rules and its activity entry.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { maskToken } from "../../src/auth/tokens.js";
import {
  environmentGid,
  helpers,
  MASKED_SECRET,
  MembershipLevel,
  projectGid,
  PUBLIC_TOKEN,
  SECRET_TOKEN,
  USER_ERRORS,
} from "../projects/support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const admin = await h.userAt(MembershipLevel.ADMIN);
const member = await h.userAt(MembershipLevel.MEMBER);

const ENV = `databaseId name projectId isPrimary apiToken secretApiToken secretApiTokenBackup timezone sessionRecordingOptIn
  experimentRecalculationTime modifiers conversationsEnabled conversationsSettings promotedProductIntent
  productIntents { productType contexts onboardingCompletedAt }
  logsConfig { logsDistinctIdAttributeKeys logsSessionIdAttributeKeys } project { databaseId }`;
const CREATE = `mutation($input: CreateEnvironmentInput!) { createEnvironment(input: $input) { environment { ${ENV} } ${USER_ERRORS} } }`;
const UPDATE = `mutation($input: UpdateEnvironmentInput!) { updateEnvironment(input: $input) { environment { ${ENV} } ${USER_ERRORS} } }`;
const DELETE = `mutation($input: DeleteEnvironmentInput!) { deleteEnvironment(input: $input) { environment { databaseId name }
  ${USER_ERRORS} } }`;
const RESET = `mutation($input: ResetEnvironmentTokenInput!) { resetEnvironmentToken(input: $input) { environment { ${ENV} }
  ${USER_ERRORS} } }`;
const ROTATE = `mutation($input: RotateEnvironmentSecretTokenInput!) { rotateEnvironmentSecretToken(input: $input) { environment {
  ${ENV} } ${USER_ERRORS} } }`;
const DELETE_BACKUP = `mutation($input: DeleteEnvironmentSecretTokenBackupInput!) { deleteEnvironmentSecretTokenBackup(input: $input) {
  environment { ${ENV} } ${USER_ERRORS} } }`;
const CONVERSATIONS = `mutation($input: GenerateEnvironmentConversationsPublicTokenInput!) {
  generateEnvironmentConversationsPublicToken(input: $input) { environment { ${ENV} } ${USER_ERRORS} } }`;
const ADD_INTENT = `mutation($input: AddEnvironmentProductIntentInput!) { addEnvironmentProductIntent(input: $input) { environment {
  ${ENV} } ${USER_ERRORS} } }`;
const COMPLETE = `mutation($input: CompleteEnvironmentProductOnboardingInput!) { completeEnvironmentProductOnboarding(input: $input) {
  environment { ${ENV} } ${USER_ERRORS} } }`;
const LOGS = `mutation($input: UpdateEnvironmentLogsConfigInput!) { updateEnvironmentLogsConfig(input: $input) { environment { ${ENV} }
  ${USER_ERRORS} } }`;

const envRow = (id: number) => prisma.environment.findUniqueOrThrow({ where: { id } });
const changesOf = (entry: { detail: unknown }) =>
  (entry.detail as { changes: { type: string; action: string; field: string; before: unknown; after: unknown }[] }).changes;

/** A project with a further environment. */
async function projectWithEnv(settings: Record<string, unknown> = {}) {
  const p = await h.project();
  const env = await h.environment(p.project);
  if (Object.keys(settings).length) await prisma.environment.update({ where: { id: env.id }, data: { settings: settings as object } });
  return { ...p, env };
}

describe("createEnvironment", () => {
  it("creates an environment of the project with fresh tokens and its own settings, logged once as Team", async () => {
    const p = await h.project({ timezone: "Europe/Berlin" });
    const { createEnvironment } = await h.ok(CREATE, {
      input: { projectId: projectGid(p.project.id), name: " Staging ", timezone: "Asia/Dubai", experimentRecalculationTime: "02:30" },
    });
    expect(createEnvironment.userErrors).toEqual([]);
    const e = createEnvironment.environment;
    expect(e).toMatchObject({
      name: "Staging",
      projectId: p.project.id,
      isPrimary: false,
      timezone: "Asia/Dubai",
      experimentRecalculationTime: "02:30",
      project: { databaseId: p.project.id },
    });
    expect(e.databaseId).not.toBe(p.project.id);
    expect(e.apiToken).toMatch(PUBLIC_TOKEN);
    expect(e.secretApiToken).toMatch(SECRET_TOKEN);
    expect(e.apiToken).not.toBe(p.environment.apiToken);
    expect(e.secretApiTokenBackup).toBeNull();
    expect(await envRow(e.databaseId)).toMatchObject({ projectId: p.project.id, organizationId: t.org.id, apiToken: e.apiToken });
    // the project's own settings are untouched
    expect(
      (await h.ok(`query($id: ID!) { project(id: $id) { timezone environments { totalCount } } }`, { id: String(p.project.id) })).project,
    ).toEqual({ timezone: "Europe/Berlin", environments: { totalCount: 2 } });
    const entries = await h.activityOf({ environmentId: e.databaseId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      activity: "created",
      scope: "Team",
      itemId: String(e.databaseId),
      projectId: p.project.id,
      userId: t.owner.id,
    });
    const changes = changesOf(entries[0]);
    expect(changes).toContainEqual(expect.objectContaining({ field: "name", after: "Staging" }));
    expect(changes).toContainEqual(expect.objectContaining({ field: "timezone", before: "UTC", after: "Asia/Dubai" }));
    const secret = changes.find((c) => c.field === "secretApiToken")!;
    expect(secret.after).toBe(maskToken(e.secretApiToken));
    expect(secret.after).toMatch(MASKED_SECRET);
    expect(JSON.stringify(entries)).not.toContain(e.secretApiToken);
  });

  it("lets an admin create and refuses a member with FORBIDDEN, writing nothing", async () => {
    const p = await h.project();
    expect(
      (await h.ok(CREATE, { input: { projectId: String(p.project.id), name: "By admin" } }, admin.key)).createEnvironment.userErrors,
    ).toEqual([]);
    const before = await h.everything();
    await h.fails("FORBIDDEN", CREATE, { input: { projectId: String(p.project.id), name: "By member" } }, member.key);
    expect(await h.everything()).toBe(before);
  });

  it("reports every invalid field at once and writes nothing", async () => {
    const p = await h.project();
    const before = await h.everything();
    await h.refused(
      [
        { code: "INVALID", field: "input.conversationsSettings.widget_public_token" },
        { code: "INVALID", field: "input.experimentRecalculationTime" },
        { code: "INVALID", field: "input.name" },
        { code: "INVALID", field: "input.timezone" },
      ],
      CREATE,
      "createEnvironment",
      {
        input: {
          projectId: String(p.project.id),
          name: "",
          timezone: "Nope/Nope",
          experimentRecalculationTime: "25:00",
          conversationsSettings: { widget_public_token: "phc_x" },
        },
      },
    );
    expect(await h.everything()).toBe(before);
  });

  it("gives a widget token when created with conversations on", async () => {
    const p = await h.project();
    const { createEnvironment } = await h.ok(CREATE, {
      input: { projectId: String(p.project.id), name: "Support", conversationsEnabled: true },
    });
    expect(createEnvironment.environment.conversationsSettings.widget_public_token).toMatch(PUBLIC_TOKEN);
  });

  it("answers NOT_FOUND for a deleted or unknown project", async () => {
    const p = await h.project();
    await prisma.project.update({ where: { id: p.project.id }, data: { isPendingDeletion: true } });
    const before = await h.everything();
    await h.fails("NOT_FOUND", CREATE, { input: { projectId: String(p.project.id), name: "Ghost" } });
    await h.fails("NOT_FOUND", CREATE, { input: { projectId: environmentGid(p.project.id), name: "Ghost" } });
    expect(await h.everything()).toBe(before);
  });
});

describe("updateEnvironment", () => {
  it("changes the environment's own settings, not the project's, logged as Team", async () => {
    const p = await projectWithEnv();
    const { updateEnvironment } = await h.ok(
      UPDATE,
      { input: { id: environmentGid(p.env.id), timezone: "Europe/Warsaw", experimentRecalculationTime: "23:59:59", name: "Renamed env" } },
      admin.key,
    );
    expect(updateEnvironment.userErrors).toEqual([]);
    expect(updateEnvironment.environment).toMatchObject({
      name: "Renamed env",
      timezone: "Europe/Warsaw",
      experimentRecalculationTime: "23:59:59",
    });
    expect(((await envRow(p.env.id)).settings as any).experimentRecalculationTime).toBe("23:59:59");
    expect(((await envRow(p.project.id)).settings as any).timezone).toBeUndefined();
    expect((await prisma.project.findUniqueOrThrow({ where: { id: p.project.id } })).name).toBe(p.project.name);
    const entries = await h.activityOf({ environmentId: p.env.id });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ activity: "updated", scope: "Team", itemId: String(p.env.id), userId: admin.user.id });
    expect(changesOf(entries[0]).map((c) => [c.type, c.field])).toEqual([
      ["Team", "name"],
      ["Team", "timezone"],
      ["Team", "experimentRecalculationTime"],
    ]);
  });

  it("changes the project's settings when it is the primary environment", async () => {
    const p = await h.project();
    await h.ok(UPDATE, { input: { id: String(p.project.id), timezone: "Africa/Lagos" } });
    expect((await h.ok(`query($id: ID!) { project(id: $id) { timezone } }`, { id: String(p.project.id) })).project.timezone).toBe(
      "Africa/Lagos",
    );
  });

  it.each(["24:00", "4:30", "noon", "12:60", "12:00:60", ""])("refuses experimentRecalculationTime %j", async (time) => {
    const p = await projectWithEnv();
    const before = await h.everything();
    await h.refused({ code: "INVALID", field: "input.experimentRecalculationTime" }, UPDATE, "updateEnvironment", {
      input: { id: String(p.env.id), experimentRecalculationTime: time },
    });
    expect(await h.everything()).toBe(before);
  });

  it("accepts HH:MM and HH:MM:SS and clears with null", async () => {
    const p = await projectWithEnv();
    for (const time of ["00:00", "09:05", "23:59:59", null]) {
      const { updateEnvironment } = await h.ok(UPDATE, { input: { id: String(p.env.id), experimentRecalculationTime: time } });
      expect(updateEnvironment.environment.experimentRecalculationTime).toBe(time);
    }
  });

  it("is not a field of projects", async () => {
    const p = await h.project();
    const res = await t.gql(`mutation($input: UpdateProjectInput!) { updateProject(input: $input) { ${USER_ERRORS} } }`, {
      input: { id: String(p.project.id), experimentRecalculationTime: "01:00" },
    });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("lets a member change member-level settings but refuses admin ones with FORBIDDEN, writing nothing", async () => {
    const p = await projectWithEnv();
    const { updateEnvironment } = await h.ok(
      UPDATE,
      { input: { id: String(p.env.id), sessionRecordingOptIn: true, surveysOptIn: true } },
      member.key,
    );
    expect(updateEnvironment.userErrors).toEqual([]);
    expect(updateEnvironment.environment.sessionRecordingOptIn).toBe(true);
    for (const patch of [
      { timezone: "Europe/Paris" },
      { name: "Member's" },
      { experimentRecalculationTime: "01:00" },
      { surveysOptIn: false, anonymizeIps: true },
    ]) {
      const before = await h.everything();
      await h.fails("FORBIDDEN", UPDATE, { input: { id: String(p.env.id), ...patch } }, member.key);
      expect(await h.everything()).toBe(before);
    }
  });

  it("merges modifiers, and writes nothing when nothing changes", async () => {
    const p = await projectWithEnv({ modifiers: { personsJoinMode: "inner" } });
    await h.ok(UPDATE, { input: { id: String(p.env.id), modifiers: { debug: true } } });
    expect(((await envRow(p.env.id)).settings as any).modifiers).toEqual({ personsJoinMode: "inner", debug: true });
    const count = await prisma.activityLog.count();
    await h.ok(UPDATE, { input: { id: String(p.env.id), modifiers: { debug: true } } });
    await h.ok(UPDATE, { input: { id: String(p.env.id), name: p.env.name } });
    await h.ok(UPDATE, { input: { id: String(p.env.id) } });
    expect(await prisma.activityLog.count()).toBe(count);
  });

  it("reports several invalid fields at once and writes nothing", async () => {
    const p = await projectWithEnv();
    const before = await h.everything();
    await h.refused(
      [
        { code: "INVALID", field: "input.timezone" },
        { code: "INVALID", field: "input.sessionRecordingSampleRate" },
        { code: "INVALID", field: "input.appUrls.0" },
        { code: "INVALID", field: "input.experimentRecalculationTime" },
        { code: "INVALID", field: "input.name" },
      ],
      UPDATE,
      "updateEnvironment",
      {
        input: {
          id: String(p.env.id),
          timezone: "x",
          sessionRecordingSampleRate: "5",
          appUrls: ["no"],
          experimentRecalculationTime: "99:99",
          name: "  ",
        },
      },
    );
    expect(await h.everything()).toBe(before);
  });

  it("keeps the conversations rules", async () => {
    const p = await projectWithEnv();
    const on = (await h.ok(UPDATE, { input: { id: String(p.env.id), conversationsEnabled: true } })).updateEnvironment.environment;
    expect(on.conversationsSettings.widget_public_token).toMatch(PUBLIC_TOKEN);
    const off = (await h.ok(UPDATE, { input: { id: String(p.env.id), conversationsEnabled: false } })).updateEnvironment.environment;
    expect(off.conversationsSettings.widget_public_token).toBeNull();
    const before = await h.everything();
    await h.refused({ code: "INVALID", field: "input.conversationsSettings.widget_public_token" }, UPDATE, "updateEnvironment", {
      input: { id: String(p.env.id), conversationsSettings: { widget_public_token: "phc_x" } },
    });
    expect(await h.everything()).toBe(before);
  });
});

describe("deleteEnvironment", () => {
  it("marks a further environment pending deletion and hides it; deleting again is NOT_FOUND", async () => {
    const p = await projectWithEnv();
    const { deleteEnvironment } = await h.ok(DELETE, { input: { id: environmentGid(p.env.id) } });
    expect(deleteEnvironment).toEqual({ environment: { databaseId: p.env.id, name: p.env.name }, userErrors: [] });
    expect((await envRow(p.env.id)).isPendingDeletion).toBe(true);
    await h.fails("NOT_FOUND", `query($id: ID!) { environment(id: $id) { name } }`, { id: String(p.env.id) });
    await h.fails("NOT_FOUND", `query($id: ID!) { node(id: $id) { id } }`, { id: environmentGid(p.env.id) });
    const list = await h.ok(`query($id: ID!) { project(id: $id) { environments { totalCount nodes { databaseId } } } }`, {
      id: String(p.project.id),
    });
    expect(list.project.environments).toEqual({ totalCount: 1, nodes: [{ databaseId: p.project.id }] });
    const entries = await h.activityOf({ environmentId: p.env.id });
    expect(entries.map((e) => [e.activity, e.scope, e.itemId])).toEqual([["deleted", "Team", String(p.env.id)]]);
    const before = await h.everything();
    await h.fails("NOT_FOUND", DELETE, { input: { id: String(p.env.id) } });
    expect(await h.everything()).toBe(before);
  });

  it("refuses the primary environment with userError CONFLICT, writing nothing", async () => {
    const p = await h.project();
    const before = await h.everything();
    const payload = await h.refused({ code: "CONFLICT", field: "input.id" }, DELETE, "deleteEnvironment", {
      input: { id: String(p.project.id) },
    });
    expect(payload).toEqual({
      environment: null,
      userErrors: [{ field: ["input", "id"], message: expect.stringMatching(/primary/), code: "CONFLICT" }],
    });
    expect(await h.everything()).toBe(before);
  });

  it("refuses a member with FORBIDDEN", async () => {
    const p = await projectWithEnv();
    const before = await h.everything();
    await h.fails("FORBIDDEN", DELETE, { input: { id: String(p.env.id) } }, member.key);
    expect(await h.everything()).toBe(before);
  });
});

describe("environment product intents", () => {
  it("counts contexts per environment, promotes the primary choice, and completes onboarding", async () => {
    const p = await projectWithEnv();
    const id = String(p.env.id);
    await h.ok(
      ADD_INTENT,
      { input: { id, productType: "ERROR_TRACKING", intentContext: "onboarding product selected - primary" } },
      member.key,
    );
    const added = (
      await h.ok(ADD_INTENT, { input: { id, productType: "ERROR_TRACKING", intentContext: "onboarding product selected - primary" } })
    ).addEnvironmentProductIntent;
    expect(added.environment.productIntents).toEqual([
      { productType: "error_tracking", contexts: { "onboarding product selected - primary": 2 }, onboardingCompletedAt: null },
    ]);
    expect(added.environment.promotedProductIntent).toBe("error_tracking");
    const done = (await h.ok(COMPLETE, { input: { id, productType: "ERROR_TRACKING" } }, member.key)).completeEnvironmentProductOnboarding;
    expect(done.environment.productIntents[0].onboardingCompletedAt).toEqual(expect.any(String));
    // the project's primary environment has none
    expect(
      (
        await h.ok(`query($id: ID!) { project(id: $id) { productIntents { productType } promotedProductIntent } }`, {
          id: String(p.project.id),
        })
      ).project,
    ).toEqual({ productIntents: [], promotedProductIntent: null });
    const entries = await h.activityOf({ environmentId: p.env.id });
    expect(entries.map((e) => [e.activity, e.scope])).toEqual([
      ["product_intent_added", "Team"],
      ["product_intent_added", "Team"],
      ["product_onboarding_completed", "Team"],
    ]);
  });

  it("refuses a bad product type (not a ProductKey), writing nothing", async () => {
    const p = await projectWithEnv();
    const before = await h.everything();
    await h.fails("BAD_USER_INPUT", ADD_INTENT, { input: { id: String(p.env.id), productType: "Not A Key" } });
    await h.fails("BAD_USER_INPUT", COMPLETE, { input: { id: String(p.env.id), productType: "" } });
    await h.fails("BAD_USER_INPUT", COMPLETE, { input: { id: String(p.env.id), productType: "invalid_product" } });
    expect(await h.everything()).toBe(before);
  });
});

describe("environment tokens", () => {
  it("resets the public token, rotates the secret into the backup, deletes the backup; secrets logged masked", async () => {
    const p = await projectWithEnv();
    const id = String(p.env.id);
    const reset = (await h.ok(RESET, { input: { id } })).resetEnvironmentToken.environment;
    expect(reset.apiToken).toMatch(PUBLIC_TOKEN);
    expect(reset.apiToken).not.toBe(p.env.apiToken);
    expect(await prisma.environment.count({ where: { apiToken: p.env.apiToken } })).toBe(0);
    // the project's token is untouched
    expect((await envRow(p.project.id)).apiToken).toBe(p.environment.apiToken);

    const first = p.env.secretApiToken!;
    const r1 = (await h.ok(ROTATE, { input: { id } })).rotateEnvironmentSecretToken.environment;
    expect(r1.secretApiTokenBackup).toBe(first);
    const r2 = (await h.ok(ROTATE, { input: { id } })).rotateEnvironmentSecretToken.environment;
    expect(r2.secretApiTokenBackup).toBe(r1.secretApiToken);
    expect(r2.secretApiToken).toMatch(SECRET_TOKEN);
    expect(await prisma.environment.count({ where: { OR: [{ secretApiToken: first }, { secretApiTokenBackup: first }] } })).toBe(0);

    const cleared = (await h.ok(DELETE_BACKUP, { input: { id } })).deleteEnvironmentSecretTokenBackup;
    expect(cleared.userErrors).toEqual([]);
    expect(cleared.environment.secretApiTokenBackup).toBeNull();
    const again = (await h.ok(DELETE_BACKUP, { input: { id } })).deleteEnvironmentSecretTokenBackup;
    expect(again.userErrors).toEqual([]);

    const entries = await h.activityOf({ environmentId: p.env.id });
    expect(entries).toHaveLength(4); // reset, rotate, rotate, delete backup (the second delete changed nothing)
    expect(entries.every((e) => e.scope === "Team" && e.itemId === id)).toBe(true);
    expect(changesOf(entries[1])).toEqual([
      { type: "Team", action: "changed", field: "secretApiToken", before: maskToken(first), after: maskToken(r1.secretApiToken) },
      { type: "Team", action: "changed", field: "secretApiTokenBackup", before: null, after: maskToken(first) },
    ]);
    expect(changesOf(entries[3])).toEqual([
      { type: "Team", action: "changed", field: "secretApiTokenBackup", before: maskToken(r1.secretApiToken), after: null },
    ]);
    const text = JSON.stringify(entries);
    for (const s of [first, r1.secretApiToken, r2.secretApiToken]) expect(text).not.toContain(s);
  });

  it("generates a conversations widget token", async () => {
    const p = await projectWithEnv();
    const g = (await h.ok(CONVERSATIONS, { input: { id: String(p.env.id) } })).generateEnvironmentConversationsPublicToken;
    expect(g.userErrors).toEqual([]);
    expect(g.environment.conversationsSettings.widget_public_token).toMatch(PUBLIC_TOKEN);
  });

  it.each([
    ["resetEnvironmentToken", RESET],
    ["rotateEnvironmentSecretToken", ROTATE],
    ["deleteEnvironmentSecretTokenBackup", DELETE_BACKUP],
    ["generateEnvironmentConversationsPublicToken", CONVERSATIONS],
  ])("%s refuses a member with FORBIDDEN, writing nothing", async (_name, mutation) => {
    const p = await projectWithEnv();
    const before = await h.everything();
    await h.fails("FORBIDDEN", mutation, { input: { id: String(p.env.id) } }, member.key);
    expect(await h.everything()).toBe(before);
  });
});

describe("updateEnvironmentLogsConfig", () => {
  it("validates, changes the environment's lists only, and is for admins", async () => {
    const p = await projectWithEnv();
    const id = String(p.env.id);
    const before = await h.everything();
    await h.refused(
      [
        { code: "INVALID", field: "input.logsDistinctIdAttributeKeys" },
        { code: "INVALID", field: "input.logsSessionIdAttributeKeys" },
      ],
      LOGS,
      "updateEnvironmentLogsConfig",
      { input: { id, logsDistinctIdAttributeKeys: [], logsSessionIdAttributeKeys: ["a", "a"] } },
    );
    // Neither list given: the input as a whole is refused.
    await h.refused({ code: "INVALID", field: "input" }, LOGS, "updateEnvironmentLogsConfig", { input: { id } });
    await h.fails("FORBIDDEN", LOGS, { input: { id, logsDistinctIdAttributeKeys: ["x"] } }, member.key);
    expect(await h.everything()).toBe(before);
    const ok = (await h.ok(LOGS, { input: { id, logsSessionIdAttributeKeys: ["sid"] } }, admin.key)).updateEnvironmentLogsConfig;
    expect(ok.environment.logsConfig).toEqual({ logsDistinctIdAttributeKeys: ["posthogDistinctId"], logsSessionIdAttributeKeys: ["sid"] });
    expect(
      (await h.ok(`query($id: ID!) { project(id: $id) { logsConfig { logsSessionIdAttributeKeys } } }`, { id: String(p.project.id) }))
        .project.logsConfig.logsSessionIdAttributeKeys,
    ).toEqual(["posthogSessionId"]);
    const entries = await h.activityOf({ environmentId: p.env.id });
    expect(entries).toHaveLength(1);
    expect(changesOf(entries[0])).toEqual([
      { type: "Team", action: "changed", field: "logsSessionIdAttributeKeys", before: ["posthogSessionId"], after: ["sid"] },
    ]);
  });
});

describe("reading an environment", () => {
  it("has the environment-only fields, PostHog's defaults, and its own secrets for admins only", async () => {
    const p = await projectWithEnv();
    const q = `query($id: ID!) { environment(id: $id) { ${ENV} isGeneratingDemoData eventIngestionRestrictions { restrictionType } } }`;
    const { environment } = await h.ok(q, { id: String(p.env.id) });
    expect(environment).toMatchObject({
      databaseId: p.env.id,
      isPrimary: false,
      timezone: "UTC",
      experimentRecalculationTime: null,
      secretApiToken: p.env.secretApiToken,
      isGeneratingDemoData: false,
      eventIngestionRestrictions: [],
      logsConfig: { logsDistinctIdAttributeKeys: ["posthogDistinctId"], logsSessionIdAttributeKeys: ["posthogSessionId"] },
    });
    expect((await h.ok(q, { id: String(p.env.id) }, member.key)).environment.secretApiToken).toBeNull();
  });
});
