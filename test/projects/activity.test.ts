// The activity log of projects and environments: one entry per change with
// field-level before/after, newest first, secrets masked, nothing for no-op
// updates; and settingsAsOf rebuilding the settings of any past instant.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { helpers, MembershipLevel, sleep, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const member = await h.userAt(MembershipLevel.MEMBER);
const owner = await prisma.user.findUniqueOrThrow({ where: { id: t.owner.id } });

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;
const UPDATE_ENV = `mutation($input: UpdateEnvironmentInput!) { updateEnvironment(input: $input) { environment { databaseId }
  ${USER_ERRORS} } }`;
const LOGS = `mutation($input: UpdateProjectLogsConfigInput!) { updateProjectLogsConfig(input: $input) { project { databaseId }
  ${USER_ERRORS} } }`;
const ROTATE = `mutation($input: RotateProjectSecretTokenInput!) { rotateProjectSecretToken(input: $input) { project { databaseId }
  ${USER_ERRORS} } }`;
const ACTIVITY = `activity(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  nodes { id activity scope itemId createdAt user { email } detail { name context changes { type action field before after } } } }`;

async function mutate(query: string, input: Record<string, unknown>, key?: string) {
  const data = await h.ok(query, { input }, key);
  const payload = Object.values(data)[0] as { userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
}

describe("Project.activity and Environment.activity", () => {
  it("lists entries newest first, with user, detail and field changes; the project's list includes its environments'", async () => {
    const p = await h.project({}, h.uniqueName("Logged"));
    const env = await h.environment(p.project, "Logged staging");
    await mutate(UPDATE, { id: String(p.project.id), timezone: "Europe/Madrid" });
    await sleep(5);
    await mutate(UPDATE, { id: String(p.project.id), sessionRecordingOptIn: true }, member.key);
    await sleep(5);
    await mutate(UPDATE_ENV, { id: String(env.id), timezone: "Asia/Seoul" });

    const q = `query($id: ID!, $env: ID!, $first: Int, $after: String) { project(id: $id) { ${ACTIVITY} }
      environment(id: $env) { ${ACTIVITY} } }`;
    const data = await h.ok(q, { id: String(p.project.id), env: String(env.id) });
    const nodes = data.project.activity.nodes;
    expect(data.project.activity.totalCount).toBe(3);
    expect(nodes.map((n: any) => [n.scope, n.itemId, n.user.email])).toEqual([
      ["Team", String(env.id), owner.email],
      ["Project", String(p.project.id), member.user.email],
      ["Project", String(p.project.id), owner.email],
    ]);
    const times = nodes.map((n: any) => new Date(n.createdAt).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(nodes[2]).toMatchObject({
      activity: "updated",
      detail: {
        name: p.project.name,
        context: null,
        changes: [{ type: "Project", action: "changed", field: "timezone", before: "UTC", after: "Europe/Madrid" }],
      },
    });
    expect(nodes[1].detail.changes).toEqual([
      { type: "Project", action: "changed", field: "sessionRecordingOptIn", before: false, after: true },
    ]);
    expect(nodes[0].detail).toMatchObject({
      name: "Logged staging",
      changes: [{ type: "Team", action: "changed", field: "timezone", before: "UTC", after: "Asia/Seoul" }],
    });
    // the environment lists only its own
    expect(data.environment.activity.totalCount).toBe(1);
    expect(data.environment.activity.nodes[0].id).toBe(nodes[0].id);
    // the primary environment lists the project's changes (they are its settings)
    const primary = await h.ok(`query($env: ID!, $first: Int, $after: String) { environment(id: $env) { ${ACTIVITY} } }`, {
      env: String(p.project.id),
    });
    expect(primary.environment.activity.nodes.map((n: any) => n.id)).toEqual([nodes[1].id, nodes[2].id]);
  });

  it("pages the activity newest first", async () => {
    const p = await h.project();
    for (const tz of ["Europe/Lisbon", "Europe/Dublin", "Europe/Vienna"]) {
      await mutate(UPDATE, { id: String(p.project.id), timezone: tz });
      await sleep(5);
    }
    const q = `query($id: ID!, $first: Int, $after: String) { project(id: $id) { ${ACTIVITY} } }`;
    const page1 = await h.ok(q, { id: String(p.project.id), first: 2 });
    expect(page1.project.activity.totalCount).toBe(3);
    expect(page1.project.activity.pageInfo.hasNextPage).toBe(true);
    expect(page1.project.activity.nodes.map((n: any) => n.detail.changes[0].after)).toEqual(["Europe/Vienna", "Europe/Dublin"]);
    const page2 = await h.ok(q, { id: String(p.project.id), first: 2, after: page1.project.activity.pageInfo.endCursor });
    expect(page2.project.activity.nodes.map((n: any) => n.detail.changes[0].after)).toEqual(["Europe/Lisbon"]);
    expect(page2.project.activity.pageInfo.hasNextPage).toBe(false);
  });

  it("can be read by a plain member", async () => {
    const p = await h.project();
    await mutate(UPDATE, { id: String(p.project.id), timezone: "Europe/Lisbon" });
    const data = await h.ok(
      `query($id: ID!, $first: Int, $after: String) { project(id: $id) { ${ACTIVITY} } }`,
      { id: String(p.project.id) },
      member.key,
    );
    expect(data.project.activity.totalCount).toBe(1);
  });
});

describe("one entry per change", () => {
  const M = (name: string, input: string) => `mutation($input: ${input}!) { ${name}(input: $input) { ${USER_ERRORS} } }`;

  it("writes exactly one entry for each kind of change, and none for changes of nothing", async () => {
    const p = await h.project();
    const id = String(p.project.id);
    const env = await h.environment(p.project);
    const { org: target } = await h.seed.home.owner.createOrg();
    const steps: [string, string, Record<string, unknown>, number][] = [
      ["updateProject", "UpdateProjectInput", { id, timezone: "Europe/Prague", weekStartDay: "MONDAY" }, 1],
      ["updateProject", "UpdateProjectInput", { id, timezone: "Europe/Prague" }, 0],
      ["updateProject", "UpdateProjectInput", { id }, 0],
      ["resetProjectToken", "ResetProjectTokenInput", { id }, 1],
      ["rotateProjectSecretToken", "RotateProjectSecretTokenInput", { id }, 1],
      ["deleteProjectSecretTokenBackup", "DeleteProjectSecretTokenBackupInput", { id }, 1],
      ["deleteProjectSecretTokenBackup", "DeleteProjectSecretTokenBackupInput", { id }, 0],
      ["generateProjectConversationsPublicToken", "GenerateProjectConversationsPublicTokenInput", { id }, 1],
      ["updateProjectLogsConfig", "UpdateProjectLogsConfigInput", { id, logsSessionIdAttributeKeys: ["sid"] }, 1],
      ["updateProjectLogsConfig", "UpdateProjectLogsConfigInput", { id, logsSessionIdAttributeKeys: ["sid"] }, 0],
      ["addProjectProductIntent", "AddProjectProductIntentInput", { id, productType: "SURVEYS" }, 1],
      ["completeProjectProductOnboarding", "CompleteProjectProductOnboardingInput", { id, productType: "SURVEYS" }, 1],
      ["updateEnvironment", "UpdateEnvironmentInput", { id: String(env.id), experimentRecalculationTime: "03:00" }, 1],
      ["updateEnvironment", "UpdateEnvironmentInput", { id: String(env.id), experimentRecalculationTime: "03:00" }, 0],
      ["resetEnvironmentToken", "ResetEnvironmentTokenInput", { id: String(env.id) }, 1],
      ["rotateEnvironmentSecretToken", "RotateEnvironmentSecretTokenInput", { id: String(env.id) }, 1],
      ["deleteEnvironmentSecretTokenBackup", "DeleteEnvironmentSecretTokenBackupInput", { id: String(env.id) }, 1],
      ["createEnvironment", "CreateEnvironmentInput", { projectId: id, name: "Another" }, 1],
      ["deleteEnvironment", "DeleteEnvironmentInput", { id: String(env.id) }, 1],
      ["changeProjectOrganization", "ChangeProjectOrganizationInput", { id, organizationId: target.id }, 1],
      ["deleteProject", "DeleteProjectInput", { id }, 1],
    ];
    for (const [name, input, vars, expected] of steps) {
      const before = await prisma.activityLog.count();
      const data = await h.ok(M(name, input), { input: vars });
      expect(data[name].userErrors, name).toEqual([]);
      expect(await prisma.activityLog.count(), `${name} ${JSON.stringify(vars)}`).toBe(before + expected);
      if (expected) {
        const [latest] = await prisma.activityLog.findMany({ orderBy: { createdAt: "desc" }, take: 1 });
        expect(latest.userId).toBe(t.owner.id);
        expect(latest.projectId).toBe(p.project.id);
        const changes = (latest.detail as any).changes as { field: string; before: unknown; after: unknown }[];
        for (const c of changes) expect(["id", "uuid", "createdAt", "updatedAt", "createdBy"]).not.toContain(c.field);
        for (const c of changes) expect(JSON.stringify(c.before)).not.toBe(JSON.stringify(c.after));
      }
    }
  });

  it("never logs a secret token in clear", async () => {
    const all = await prisma.environment.findMany({ select: { secretApiToken: true, secretApiTokenBackup: true } });
    const secrets = all.flatMap((e) => [e.secretApiToken, e.secretApiTokenBackup]).filter((s): s is string => !!s);
    const text = JSON.stringify(await prisma.activityLog.findMany({ select: { detail: true, itemId: true } }));
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(text).not.toContain(s.slice(4));
    expect(text).not.toMatch(/phs_[23456789A-HJ-NP-Za-km-z]{10,}/);
  });
});

// ---- settingsAsOf -----------------------------------------------------------------

const SETTINGS = `timezone weekStartDay sessionRecordingSampleRate sessionRecordingOptIn modifiers appUrls baseCurrency
  sessionRecordingRetentionPeriod`;
const SNAPSHOT = `${SETTINGS} logsDistinctIdAttributeKeys logsSessionIdAttributeKeys`;

const p = await h.project({ appUrls: ["https://start.example.com"] }, h.uniqueName("Timeline"));
const other = await h.environment(p.project, "Timeline staging");
const id = String(p.project.id);

/** The project's current settings, shaped as a SettingsSnapshot. */
async function current() {
  const { project } = await h.ok(
    `query($id: ID!) { project(id: $id) { ${SETTINGS} logsConfig { logsDistinctIdAttributeKeys logsSessionIdAttributeKeys } } }`,
    { id },
  );
  const { logsConfig, ...rest } = project;
  return { ...rest, ...logsConfig };
}
async function asOf(at: string, scope?: string[], target = `project(id: $id)`, vars: Record<string, unknown> = { id }) {
  const data = await h.ok(
    `query($id: ID!, $at: DateTime!, $scope: [String!]) { x: ${target} { settingsAsOf(at: $at, scope: $scope) { at ${SNAPSHOT} } } }`,
    { ...vars, at, scope },
  );
  const { at: echoed, ...values } = data.x.settingsAsOf;
  expect(new Date(echoed).getTime()).toBe(new Date(at).getTime());
  return values;
}
const latestEntryTime = async () =>
  (await prisma.activityLog.findFirstOrThrow({ where: { environmentId: p.project.id }, orderBy: { createdAt: "desc" } })).createdAt;

// A sequence of changes, each at its own instant; after each we keep the settings and the entry's timestamp.
const initial = await current();
const states: { at: Date; settings: Record<string, unknown> }[] = [];
const steps: [string, Record<string, unknown>, string?][] = [
  [UPDATE, { id, timezone: "Europe/Paris", weekStartDay: "MONDAY" }],
  [UPDATE, { id, sessionRecordingSampleRate: "0.25", modifiers: { personsOnEventsMode: "disabled" } }],
  [UPDATE, { id, sessionRecordingOptIn: true }, member.key],
  [UPDATE, { id, modifiers: { inCohortVia: "subquery" }, appUrls: ["https://a.example.com", "https://b.example.com"] }],
  [LOGS, { id, logsDistinctIdAttributeKeys: ["uid", "user_id"] }],
  [UPDATE, { id, timezone: "Asia/Tokyo", weekStartDay: null, baseCurrency: "EUR", sessionRecordingRetentionPeriod: "NINETY_DAYS" }],
  [UPDATE_ENV, { id, sessionRecordingSampleRate: "0.75", timezone: "Pacific/Auckland" }], // the primary environment itself
  [UPDATE, { id, modifiers: null, appUrls: [], sessionRecordingSampleRate: null }],
];
for (const [query, input, key] of steps) {
  await sleep(15);
  await mutate(query, input, key);
  states.push({ at: await latestEntryTime(), settings: await current() });
  await sleep(15);
  // changes that must not move the project's settings: a rotation, and the other environment
  await mutate(ROTATE, { id });
  await mutate(UPDATE_ENV, { id: String(other.id), timezone: "America/Chicago", weekStartDay: "SUNDAY" });
}

describe("settingsAsOf", () => {
  it("returns exactly the settings of each instant of the sequence", async () => {
    expect(new Set(states.map((s) => s.at.getTime())).size).toBe(states.length);
    expect(initial).toMatchObject({
      timezone: "UTC",
      appUrls: ["https://start.example.com"],
      logsDistinctIdAttributeKeys: ["posthogDistinctId"],
    });
    for (const [i, state] of states.entries()) {
      expect(await asOf(state.at.toISOString()), `at step ${i + 1}`).toEqual(state.settings);
    }
    // every distinct step really changed something
    for (let i = 1; i < states.length; i += 1) expect(states[i].settings).not.toEqual(states[i - 1].settings);
  });

  it("returns the settings before the first change for an earlier instant, and between changes the earlier state", async () => {
    expect(await asOf(new Date(states[0].at.getTime() - 1).toISOString())).toEqual(initial);
    expect(await asOf("2000-01-01T00:00:00Z")).toEqual(initial);
    for (let i = 0; i + 1 < states.length; i += 1) {
      const mid = new Date((states[i].at.getTime() + states[i + 1].at.getTime()) / 2);
      expect(await asOf(mid.toISOString()), `between steps ${i + 1} and ${i + 2}`).toEqual(states[i].settings);
      expect(await asOf(new Date(states[i + 1].at.getTime() - 1).toISOString())).toEqual(states[i].settings);
    }
  });

  it("returns the current settings for now and the future", async () => {
    const now = await current();
    expect(now).toEqual(states.at(-1)!.settings);
    expect(await asOf(new Date(Date.now() + 60_000).toISOString())).toEqual(now);
    expect(await asOf("2999-01-01T00:00:00+02:00")).toEqual(now);
  });

  it("accepts an instant with an offset", async () => {
    const at = states[2].at;
    const shifted = new Date(at.getTime() + 2 * 3600_000).toISOString().replace("Z", "+02:00");
    expect(await asOf(shifted)).toEqual(states[2].settings);
  });

  it("limits to the scope, by GraphQL or PostHog name, ignoring unknown names", async () => {
    const at = states[4].at.toISOString();
    const full = states[4].settings;
    const scoped = await asOf(at, [
      "timezone",
      "week_start_day",
      "sessionRecordingSampleRate",
      "logs_distinct_id_attribute_keys",
      "no_such_setting",
      "secret_api_token",
    ]);
    expect(scoped).toEqual({
      timezone: full.timezone,
      weekStartDay: full.weekStartDay,
      sessionRecordingSampleRate: full.sessionRecordingSampleRate,
      logsDistinctIdAttributeKeys: full.logsDistinctIdAttributeKeys,
      sessionRecordingOptIn: null,
      modifiers: null,
      appUrls: null,
      baseCurrency: null,
      sessionRecordingRetentionPeriod: null,
      logsSessionIdAttributeKeys: null,
    });
    expect(scoped.timezone).toBe("Europe/Paris");
    expect(scoped.logsDistinctIdAttributeKeys).toEqual(["uid", "user_id"]);
    const unknownOnly = await asOf(at, ["nope", "apiToken"]);
    expect(Object.values(unknownOnly).every((v) => v === null)).toBe(true);
    // an empty scope means every setting
    expect(await asOf(at, [])).toEqual(full);
  });

  it("rebuilds a further environment from its own entries only", async () => {
    const q = `environment(id: $id)`;
    const envId = String(other.id);
    expect(await asOf(new Date(states[0].at.getTime() - 1).toISOString(), ["timezone", "weekStartDay"], q, { id: envId })).toMatchObject({
      timezone: "UTC",
      weekStartDay: null,
    });
    expect(await asOf(new Date().toISOString(), ["timezone", "weekStartDay"], q, { id: envId })).toMatchObject({
      timezone: "America/Chicago",
      weekStartDay: "SUNDAY",
    });
  });

  it("refuses a malformed instant and requires one", async () => {
    const bad = await t.gql(`query($id: ID!) { project(id: $id) { settingsAsOf(at: "yesterday") { timezone } } }`, { id });
    expect(bad.errors?.[0].extensions?.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
    const badVar = await t.gql(`query($id: ID!, $at: DateTime!) { project(id: $id) { settingsAsOf(at: $at) { timezone } } }`, {
      id,
      at: "2025-13-45T00:00:00Z",
    });
    expect(badVar.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const missing = await t.gql(`query($id: ID!) { project(id: $id) { settingsAsOf { timezone } } }`, { id });
    expect(missing.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});
