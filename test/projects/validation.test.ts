// Validation of every settings rule on updateProject (and the logs config):
// each invalid value is a userError on its field and nothing is written;
// several invalid fields give several userErrors; valid edge values are
// accepted and normalized as PostHog does.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { type ExpectedUserError, helpers, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const p = await h.project({ timezone: "Europe/Berlin" }, "Validated");
const id = String(p.project.id);

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;
const READ = `query($id: ID!) { project(id: $id) {
  timezone weekStartDay sessionRecordingSampleRate sessionRecordingMinimumDurationMilliseconds sessionRecordingRetentionPeriod
  businessModel baseCurrency appUrls recordingDomains sessionRecordingLinkedFlag personDisplayNameProperties cookielessServerHashMode
  sessionRecordingTriggerMatchTypeConfig slackIncomingWebhook primaryDashboard } }`;
const LOGS = `mutation($input: UpdateProjectLogsConfigInput!) { updateProjectLogsConfig(input: $input) { project { logsConfig {
  logsDistinctIdAttributeKeys logsSessionIdAttributeKeys } } ${USER_ERRORS} } }`;

const envRow = () => prisma.environment.findUniqueOrThrow({ where: { id: p.environment.id } });

/** Asserts the patch is refused with exactly the `expected` userErrors (code and field path) and that nothing was written. */
async function expectInvalid(patch: Record<string, unknown>, expected: ExpectedUserError | ExpectedUserError[]) {
  const before = await h.everything();
  const envBefore = await envRow();
  const payload = await h.refused(expected, UPDATE, "updateProject", { input: { id, ...patch } });
  expect(payload.project).toBeNull();
  expect(await envRow()).toEqual(envBefore);
  expect(await h.everything()).toBe(before);
  return payload.userErrors;
}

async function expectStored(patch: Record<string, unknown>, read: Record<string, unknown>) {
  const { updateProject } = await h.ok(UPDATE, { input: { id, ...patch } });
  expect(updateProject.userErrors).toEqual([]);
  const { project } = await h.ok(READ, { id });
  expect(project).toMatchObject(read);
}

describe("timezone", () => {
  it.each(["Mars/Olympus_Mons", "Not a zone", "", "Europe/", "../etc/passwd", "UTC+25"])("refuses %j", async (timezone) => {
    await expectInvalid({ timezone }, { code: "INVALID", field: "input.timezone" });
  });
  it("refuses null (it has a default, not a null)", async () => {
    const errors = await expectInvalid({ timezone: null }, { code: "REQUIRED", field: "input.timezone" });
    expect(errors).toEqual([{ field: ["input", "timezone"], message: expect.stringMatching(/must not be null/i), code: "REQUIRED" }]);
  });
  it.each(["UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])("accepts %j", async (timezone) => {
    await expectStored({ timezone }, { timezone });
  });
});

describe("weekStartDay", () => {
  it("stores SUNDAY as 0 and MONDAY as 1, and null clears it", async () => {
    await expectStored({ weekStartDay: "SUNDAY" }, { weekStartDay: "SUNDAY" });
    expect(((await envRow()).settings as any).weekStartDay).toBe(0);
    await expectStored({ weekStartDay: "MONDAY" }, { weekStartDay: "MONDAY" });
    expect(((await envRow()).settings as any).weekStartDay).toBe(1);
    await expectStored({ weekStartDay: null }, { weekStartDay: null });
  });
  it.each([["TUESDAY"], [2], ["1"]])("refuses %j as a bad variable value, writing nothing", async (weekStartDay) => {
    const before = await h.everything();
    const res = await t.gql(UPDATE, { input: { id, weekStartDay } });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(await h.everything()).toBe(before);
  });
  it("refuses an unknown enum literal in the document", async () => {
    const res = await t.gql(`mutation { updateProject(input: { id: "${id}", weekStartDay: WEDNESDAY }) { userErrors { code } } }`);
    expect(res.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("sessionRecordingSampleRate", () => {
  it.each(["1.5", "0.123", "-0.1", "abc", "", "1.01", "2", "0,5", "1e-1"])("refuses %j", async (rate) => {
    await expectInvalid({ sessionRecordingSampleRate: rate }, { code: "INVALID", field: "input.sessionRecordingSampleRate" });
  });
  it.each([
    ["0", "0.00"],
    ["1", "1.00"],
    ["1.00", "1.00"],
    ["0.5", "0.50"],
    ["0.05", "0.05"],
    [".25", "0.25"],
    [" 0.10 ", "0.10"],
  ])("accepts %j as %j", async (rate, stored) => {
    await expectStored({ sessionRecordingSampleRate: rate }, { sessionRecordingSampleRate: stored });
  });
  it("clears with null", async () => {
    await expectStored({ sessionRecordingSampleRate: null }, { sessionRecordingSampleRate: null });
  });
});

describe("sessionRecordingMinimumDurationMilliseconds", () => {
  it.each([-1, 30001, 1_000_000])("refuses %j", async (ms) => {
    await expectInvalid(
      { sessionRecordingMinimumDurationMilliseconds: ms },
      { code: "INVALID", field: "input.sessionRecordingMinimumDurationMilliseconds" },
    );
  });
  it.each([0, 1500, 30000])("accepts %j", async (ms) => {
    await expectStored({ sessionRecordingMinimumDurationMilliseconds: ms }, { sessionRecordingMinimumDurationMilliseconds: ms });
  });
  it("refuses a non-integer as a bad variable value", async () => {
    const res = await t.gql(UPDATE, { input: { id, sessionRecordingMinimumDurationMilliseconds: 1.5 } });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("enums: retention period, business model, currency, cookieless mode, trigger match type", () => {
  it("stores PostHog's values and reads them back as enum names", async () => {
    await expectStored(
      {
        sessionRecordingRetentionPeriod: "FIVE_YEARS",
        businessModel: "B2B",
        baseCurrency: "JPY",
        cookielessServerHashMode: "STATELESS",
        sessionRecordingTriggerMatchTypeConfig: "ALL",
      },
      {
        sessionRecordingRetentionPeriod: "FIVE_YEARS",
        businessModel: "B2B",
        baseCurrency: "JPY",
        cookielessServerHashMode: "STATELESS",
        sessionRecordingTriggerMatchTypeConfig: "ALL",
      },
    );
    expect((await envRow()).settings).toMatchObject({
      sessionRecordingRetentionPeriod: "5y",
      businessModel: "b2b",
      baseCurrency: "JPY",
      cookielessServerHashMode: 1,
      sessionRecordingTriggerMatchTypeConfig: "all",
    });
    await expectStored(
      { businessModel: null, cookielessServerHashMode: "DISABLED" },
      { businessModel: null, cookielessServerHashMode: "DISABLED" },
    );
  });

  it.each([
    ["sessionRecordingRetentionPeriod", "30d"],
    ["sessionRecordingRetentionPeriod", "TEN_YEARS"],
    ["businessModel", "b2b"],
    ["businessModel", "B2G"],
    ["baseCurrency", "XYZ"],
    ["baseCurrency", "usd"],
    ["cookielessServerHashMode", 3],
  ])("refuses %s = %j as a bad variable value, writing nothing", async (field, value) => {
    const before = await h.everything();
    const res = await t.gql(UPDATE, { input: { id, [field]: value } });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(await h.everything()).toBe(before);
  });

  it("refuses null for settings that have a default", async () => {
    await expectInvalid({ sessionRecordingRetentionPeriod: null }, { code: "REQUIRED", field: "input.sessionRecordingRetentionPeriod" });
    await expectInvalid({ baseCurrency: null }, { code: "REQUIRED", field: "input.baseCurrency" });
  });
});

describe("URL lists (appUrls, recordingDomains)", () => {
  it.each([
    ["not a URL", ["not a url"]],
    ["a relative path", ["/just/a/path"]],
    ["more than 5 wildcards in the host", ["https://*.*.*.*.*.*.example.com"]],
    ["a URL over 200 characters", [`https://example.com/${"a".repeat(190)}`]],
    ["a non-http scheme", ["ftp://example.com"]],
  ])("refuses %s", async (_what, urls) => {
    await expectInvalid({ appUrls: urls }, { code: "INVALID", field: "input.appUrls.0" });
    await expectInvalid({ recordingDomains: urls }, { code: "INVALID", field: "input.recordingDomains.0" });
  });

  it("points at the offending entry", async () => {
    await expectInvalid({ appUrls: ["https://ok.example.com", "nope"] }, { code: "INVALID", field: "input.appUrls.1" });
  });

  it("drops blank entries and accepts up to 5 wildcards per host, and wildcards in paths", async () => {
    await expectStored(
      { appUrls: ["https://a.example.com", "", "   ", "https://*.*.*.*.*.example.com", "https://b.example.com/*/*/*/*/*/*/x"] },
      { appUrls: ["https://a.example.com", "https://*.*.*.*.*.example.com", "https://b.example.com/*/*/*/*/*/*/x"] },
    );
    await expectStored({ recordingDomains: ["https://*.example.com", ""] }, { recordingDomains: ["https://*.example.com"] });
    await expectStored({ appUrls: [] }, { appUrls: [] });
  });

  it("refuses null for appUrls but clears recordingDomains", async () => {
    await expectInvalid({ appUrls: null }, { code: "REQUIRED", field: "input.appUrls" });
    await expectStored({ recordingDomains: null }, { recordingDomains: null });
  });
});

describe("sessionRecordingLinkedFlag", () => {
  it.each([
    ["without a key", { id: 1 }, "REQUIRED", "input.sessionRecordingLinkedFlag.key"],
    ["without an id", { key: "flag" }, "REQUIRED", "input.sessionRecordingLinkedFlag.id"],
    ["with an unknown key", { id: 1, key: "flag", extra: true }, "INVALID", "input.sessionRecordingLinkedFlag"],
    ["with a string id", { id: "one", key: "flag" }, "INVALID", "input.sessionRecordingLinkedFlag.id"],
    ["with a blank key", { id: 1, key: "" }, "INVALID", "input.sessionRecordingLinkedFlag.key"],
    ["as a list", [1, "flag"], "INVALID", "input.sessionRecordingLinkedFlag"],
    ["as a string", "flag", "INVALID", "input.sessionRecordingLinkedFlag"],
  ] as const)("refuses a flag %s (%j) with %s on %s", async (_what, flag, code, field) => {
    await expectInvalid({ sessionRecordingLinkedFlag: flag }, { code, field });
  });

  it("accepts {id, key}, {id, key, variant} and null", async () => {
    await expectStored({ sessionRecordingLinkedFlag: { id: 7, key: "replay" } }, { sessionRecordingLinkedFlag: { id: 7, key: "replay" } });
    await expectStored(
      { sessionRecordingLinkedFlag: { id: 7, key: "replay", variant: "test" } },
      { sessionRecordingLinkedFlag: { id: 7, key: "replay", variant: "test" } },
    );
    await expectStored({ sessionRecordingLinkedFlag: null }, { sessionRecordingLinkedFlag: null });
  });
});

describe("other fields", () => {
  it("refuses person display name properties over 400 characters", async () => {
    await expectInvalid(
      { personDisplayNameProperties: ["email", "x".repeat(401)] },
      { code: "INVALID", field: "input.personDisplayNameProperties.1" },
    );
    await expectStored(
      { personDisplayNameProperties: ["email", "x".repeat(400)] },
      { personDisplayNameProperties: ["email", "x".repeat(400)] },
    );
  });

  it("refuses a blank or too long name and a too long description", async () => {
    await expectInvalid({ name: "  " }, { code: "INVALID", field: "input.name" });
    await expectInvalid({ name: null }, { code: "REQUIRED", field: "input.name" });
    await expectInvalid({ name: "n".repeat(201) }, { code: "INVALID", field: "input.name" });
    await expectInvalid({ productDescription: "d".repeat(1001) }, { code: "INVALID", field: "input.productDescription" });
  });

  it("refuses a malformed Slack webhook and a non-positive dashboard id", async () => {
    await expectInvalid({ slackIncomingWebhook: "not a url" }, { code: "INVALID", field: "input.slackIncomingWebhook" });
    await expectInvalid({ primaryDashboard: 0 }, { code: "INVALID", field: "input.primaryDashboard" });
  });
});

describe("several invalid fields at once", () => {
  it("reports each, with its own field path, and writes nothing", async () => {
    await expectInvalid(
      {
        timezone: "Nowhere/Land",
        sessionRecordingSampleRate: "1.5",
        sessionRecordingMinimumDurationMilliseconds: 30001,
        appUrls: ["garbage"],
        sessionRecordingLinkedFlag: { key: "x" },
        personDisplayNameProperties: ["p".repeat(401)],
        name: "",
        anonymizeIps: true, // valid: must not be written either
      },
      [
        { code: "INVALID", field: "input.appUrls.0" },
        { code: "INVALID", field: "input.name" },
        { code: "INVALID", field: "input.personDisplayNameProperties.0" },
        { code: "REQUIRED", field: "input.sessionRecordingLinkedFlag.id" },
        { code: "INVALID", field: "input.sessionRecordingMinimumDurationMilliseconds" },
        { code: "INVALID", field: "input.sessionRecordingSampleRate" },
        { code: "INVALID", field: "input.timezone" },
      ],
    );
    expect(((await envRow()).settings as any).anonymizeIps).toBeUndefined();
  });
});

describe("updateProjectLogsConfig", () => {
  const logsOf = async () =>
    (await h.ok(`query($id: ID!) { project(id: $id) { logsConfig { logsDistinctIdAttributeKeys logsSessionIdAttributeKeys } } }`, { id }))
      .project.logsConfig;

  it.each([
    ["an empty list", { logsDistinctIdAttributeKeys: [] }, "input.logsDistinctIdAttributeKeys"],
    ["11 keys", { logsDistinctIdAttributeKeys: Array.from({ length: 11 }, (_, i) => `k${i}`) }, "input.logsDistinctIdAttributeKeys"],
    ["duplicates", { logsSessionIdAttributeKeys: ["a", "a"] }, "input.logsSessionIdAttributeKeys"],
    ["a blank key", { logsSessionIdAttributeKeys: ["a", "  "] }, "input.logsSessionIdAttributeKeys.1"],
    ["a 201-character key", { logsDistinctIdAttributeKeys: ["k".repeat(201)] }, "input.logsDistinctIdAttributeKeys.0"],
  ])("refuses %s and writes nothing", async (_what, input, field) => {
    const before = await h.everything();
    const payload = await h.refused({ code: "INVALID", field }, LOGS, "updateProjectLogsConfig", { input: { id, ...input } });
    expect(payload.project).toBeNull();
    expect(await h.everything()).toBe(before);
  });

  it("refuses an input with neither list", async () => {
    const before = await h.everything();
    await h.refused({ code: "INVALID", field: "input" }, LOGS, "updateProjectLogsConfig", { input: { id } });
    await h.refused({ code: "INVALID", field: "input" }, LOGS, "updateProjectLogsConfig", {
      input: { id, logsDistinctIdAttributeKeys: null },
    });
    expect(await h.everything()).toBe(before);
  });

  it("reports both lists' problems at once", async () => {
    await h.refused(
      [
        { code: "INVALID", field: "input.logsDistinctIdAttributeKeys" },
        { code: "INVALID", field: "input.logsSessionIdAttributeKeys" },
      ],
      LOGS,
      "updateProjectLogsConfig",
      { input: { id, logsDistinctIdAttributeKeys: [], logsSessionIdAttributeKeys: ["x", "x"] } },
    );
  });

  it("changes one list, keeps the other, logs the change, and accepts 10 keys of 200 characters", async () => {
    const count = await prisma.activityLog.count({ where: { projectId: p.project.id } });
    const { updateProjectLogsConfig } = await h.ok(LOGS, { input: { id, logsDistinctIdAttributeKeys: [" userId ", "distinct_id"] } });
    expect(updateProjectLogsConfig.userErrors).toEqual([]);
    expect(updateProjectLogsConfig.project.logsConfig).toEqual({
      logsDistinctIdAttributeKeys: ["userId", "distinct_id"],
      logsSessionIdAttributeKeys: ["posthogSessionId"],
    });
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(count + 1);
    expect((entries.at(-1)!.detail as any).changes).toEqual([
      {
        type: "Project",
        action: "changed",
        field: "logsDistinctIdAttributeKeys",
        before: ["posthogDistinctId"],
        after: ["userId", "distinct_id"],
      },
    ]);
    const ten = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(200, "k"));
    await h.ok(LOGS, { input: { id, logsSessionIdAttributeKeys: ten } });
    expect(await logsOf()).toEqual({ logsDistinctIdAttributeKeys: ["userId", "distinct_id"], logsSessionIdAttributeKeys: ten });
    // the same lists again change nothing and log nothing
    const again = await prisma.activityLog.count({ where: { projectId: p.project.id } });
    await h.ok(LOGS, { input: { id, logsSessionIdAttributeKeys: ten } });
    expect(await prisma.activityLog.count({ where: { projectId: p.project.id } })).toBe(again);
  });
});
