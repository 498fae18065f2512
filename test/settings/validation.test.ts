// The JSON settings PostHog validates, through the real HTTP handler: each
// case restates one of PostHog's own (posthog/api/test/test_team.py). A
// refused value is a userError on its path and nothing is written (the rows
// compared before and after); several invalid fields are reported at once.
// Also: sessionReplayConfig merges one level deep, and primaryDashboard must
// be a dashboard of the same environment.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { helpers, MembershipLevel, USER_ERRORS } from "../projects/support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;
const UPDATE_ENV = `mutation($input: UpdateEnvironmentInput!) { updateEnvironment(input: $input) {
  environment { databaseId sessionReplayConfig primaryDashboard } ${USER_ERRORS} } }`;

const p = await h.project({}, "Settings validation");
const id = String(p.project.id);

const stored = async (envId = p.environment.id) =>
  (await prisma.environment.findUniqueOrThrow({ where: { id: envId } })).settings as Record<string, unknown>;

/** Everything a settings update could write, dashboards included. */
const snapshot = async () => `${await h.everything()}${JSON.stringify(await prisma.dashboard.findMany({ orderBy: { id: "asc" } }))}`;

/** Runs a mutation whose payload must carry userErrors (and no object); returns the payload. */
async function refusedPayload(mutation: string, field: string, variables: Record<string, unknown>) {
  const payload = (await h.ok(mutation, variables))[field];
  expect(payload.userErrors.length, JSON.stringify(payload)).toBeGreaterThan(0);
  expect(payload.project ?? payload.environment ?? null).toBeNull();
  return payload;
}

/** The patch is refused; answers "field.path" → code of each userError, and proves nothing was written. */
async function refusedPaths(patch: Record<string, unknown>, target = id, mutation = UPDATE, field = "updateProject") {
  const before = await snapshot();
  const payload = await refusedPayload(mutation, field, { input: { id: target, ...patch } });
  for (const e of payload.userErrors) expect(e.message.length, JSON.stringify(e)).toBeGreaterThan(0);
  expect(await snapshot()).toBe(before);
  return payload.userErrors.map((e: { field: string[] }) => e.field.slice(1).join("."));
}

/** The patch is accepted; answers the stored settings. */
async function accepted(patch: Record<string, unknown>, target = id) {
  const { updateProject } = await h.ok(UPDATE, { input: { id: target, ...patch } });
  expect(updateProject.userErrors).toEqual([]);
  return stored();
}

describe("autocaptureExceptionsErrorsToIgnore (test_configure_exception_autocapture_event_dropping)", () => {
  it("refuses an object and a list of non-strings, with the path of each bad entry", async () => {
    expect(await refusedPaths({ autocaptureExceptionsErrorsToIgnore: { wat: "am i" } })).toEqual(["autocaptureExceptionsErrorsToIgnore"]);
    expect(await refusedPaths({ autocaptureExceptionsErrorsToIgnore: [1, false] })).toEqual([
      "autocaptureExceptionsErrorsToIgnore.0",
      "autocaptureExceptionsErrorsToIgnore.1",
    ]);
  });

  it("refuses a list longer than 300 characters as JSON (only_allows_simple_config)", async () => {
    expect(await refusedPaths({ autocaptureExceptionsErrorsToIgnore: ["abc".repeat(300)] })).toEqual([
      "autocaptureExceptionsErrorsToIgnore",
    ]);
    // The limit is on the whole list, as PostHog counts it (json.dumps): two 150-character entries are too many together.
    expect(await refusedPaths({ autocaptureExceptionsErrorsToIgnore: ["a".repeat(150), "b".repeat(150)] })).toEqual([
      "autocaptureExceptionsErrorsToIgnore",
    ]);
  });

  it("stores a list of strings", async () => {
    expect((await accepted({ autocaptureExceptionsErrorsToIgnore: ["wat am i"] })).autocaptureExceptionsErrorsToIgnore).toEqual([
      "wat am i",
    ]);
  });
});

describe("modifiers (test_modifiers_*)", () => {
  it.each([1, 60, 120, 1.5, null])("accepts bounceRateDurationSeconds %j", async (value) => {
    expect(((await accepted({ modifiers: { bounceRateDurationSeconds: value } })).modifiers as any).bounceRateDurationSeconds).toBe(value);
  });

  it.each([-1, 0, 121, 999999999, "not-a-number", { nested: "object" }])("refuses bounceRateDurationSeconds %j", async (value) => {
    expect(await refusedPaths({ modifiers: { bounceRateDurationSeconds: value } })).toEqual(["modifiers.bounceRateDurationSeconds"]);
  });

  it("refuses unknown keys, and values of the wrong type or outside a key's choices", async () => {
    expect(await refusedPaths({ modifiers: { unknownField: true } })).toEqual(["modifiers.unknownField"]);
    expect((await refusedPaths({ modifiers: { personsOnEventsMode: "sometimes", debug: "yes", inCohortVia: 3 } })).sort()).toEqual([
      "modifiers.debug",
      "modifiers.inCohortVia",
      "modifiers.personsOnEventsMode",
    ]);
    expect(
      await refusedPaths({ modifiers: { customChannelTypeRules: [{ id: "r", channel_type: "Direct", combiner: "XOR", items: [] }] } }),
    ).toEqual(["modifiers.customChannelTypeRules.0.combiner"]);
  });

  it("merges what is sent into what is stored (test_modifiers_are_merged_on_patch)", async () => {
    const q = await h.project({});
    const qid = String(q.project.id);
    const rule = { id: "test", channel_type: "Direct", combiner: "AND", items: [] };
    const read = async () => (await stored(q.environment.id)).modifiers;
    await accepted({ modifiers: { personsOnEventsMode: "person_id_override_properties_on_events" } }, qid);
    await accepted({ modifiers: { customChannelTypeRules: [rule] } }, qid);
    expect(await read()).toEqual({ personsOnEventsMode: "person_id_override_properties_on_events", customChannelTypeRules: [rule] });
    await accepted({ modifiers: { personsOnEventsMode: "person_id_override_properties_joined" } }, qid);
    expect(await read()).toEqual({ personsOnEventsMode: "person_id_override_properties_joined", customChannelTypeRules: [rule] });
  });
});

describe("sessionReplayConfig", () => {
  const replay = async (value: unknown, target: string) => {
    await accepted({ sessionReplayConfig: value }, target);
    return (await prisma.environment.findUniqueOrThrow({ where: { id: Number(target) } })).settings as any;
  };

  it("sets and unsets it, and keeps top-level keys not sent (test_can_set_replay_configs_without_providing_them_all)", async () => {
    const q = String((await h.project({})).project.id);
    expect((await replay({ record_canvas: true }, q)).sessionReplayConfig).toEqual({ record_canvas: true });
    expect((await replay(null, q)).sessionReplayConfig).toBeNull();
    expect((await replay({ ai_config: { opt_in: true } }, q)).sessionReplayConfig).toEqual({ ai_config: { opt_in: true } });
    expect((await replay({ record_canvas: true }, q)).sessionReplayConfig).toEqual({ record_canvas: true, ai_config: { opt_in: true } });
  });

  it("merges an object sent into the stored object one level deep (…_one_level_deep)", async () => {
    const q = String((await h.project({})).project.id);
    await replay({ ai_config: { opt_in: true } }, q);
    expect((await replay({ ai_config: { included_event_properties: ["something"] } }, q)).sessionReplayConfig).toEqual({
      ai_config: { opt_in: true, included_event_properties: ["something"] },
    });
    expect((await replay({ ai_config: { opt_in: null, included_event_properties: ["something"] } }, q)).sessionReplayConfig).toEqual({
      ai_config: { opt_in: null, included_event_properties: ["something"] },
    });
    // ... but not deeper: a list (or any non-object) replaces.
    expect((await replay({ ai_config: { included_event_properties: ["and another"] } }, q)).sessionReplayConfig).toEqual({
      ai_config: { opt_in: null, included_event_properties: ["and another"] },
    });
  });

  it("replaces a key whose stored or sent value is not an object (…_even_when_either_side_is_none)", async () => {
    const q = String((await h.project({})).project.id);
    await replay({ record_canvas: true, ai_config: { opt_in: true } }, q);
    expect((await replay({ record_canvas: null }, q)).sessionReplayConfig).toEqual({ record_canvas: null, ai_config: { opt_in: true } });
    expect((await replay(null, q)).sessionReplayConfig).toBeNull();
    expect((await replay({ ai_config: null }, q)).sessionReplayConfig).toEqual({ ai_config: null });
    expect((await replay({ ai_config: { opt_in: true } }, q)).sessionReplayConfig).toEqual({ ai_config: { opt_in: true } });
    expect((await replay({ ai_config: null }, q)).sessionReplayConfig).toEqual({ ai_config: null });
  });

  it("merges the same way on an environment, and logs the merged value", async () => {
    const q = await h.project({});
    const env = await h.environment(q.project);
    await prisma.environment.update({
      where: { id: env.id },
      data: { settings: { sessionReplayConfig: { ai_config: { opt_in: true } } } },
    });
    const { updateEnvironment } = await h.ok(UPDATE_ENV, {
      input: { id: String(env.id), sessionReplayConfig: { ai_config: { excluded_events: ["$pageview"] } } },
    });
    expect(updateEnvironment.environment.sessionReplayConfig).toEqual({ ai_config: { opt_in: true, excluded_events: ["$pageview"] } });
    const [entry] = await h.activityOf({ environmentId: env.id });
    expect((entry.detail as any).changes).toEqual([
      expect.objectContaining({
        field: "sessionReplayConfig",
        before: { ai_config: { opt_in: true } },
        after: { ai_config: { opt_in: true, excluded_events: ["$pageview"] } },
      }),
    ]);
  });

  it("refuses unknown keys and an ai_config that is not an object of the known keys (test_invalid_session_replay_config_ai_config)", async () => {
    expect(await refusedPaths({ sessionReplayConfig: { record_canvas: true, canvas_fps: 4 } })).toEqual(["sessionReplayConfig.canvas_fps"]);
    expect(await refusedPaths({ sessionReplayConfig: { ai_config: "Marple bridge" } })).toEqual(["sessionReplayConfig.ai_config"]);
    expect(await refusedPaths({ sessionReplayConfig: { ai_config: "-1" } })).toEqual(["sessionReplayConfig.ai_config"]);
    expect(await refusedPaths({ sessionReplayConfig: { ai_config: { key: "something" } } })).toEqual(["sessionReplayConfig.ai_config.key"]);
  });

  it("keeps a merged value within the JSON size limit", async () => {
    const q = String((await h.project({})).project.id);
    const half = "x".repeat(40_000);
    await accepted({ sessionReplayConfig: { ai_config: { preferred_events: [half] } } }, q);
    expect(await refusedPaths({ sessionReplayConfig: { ai_config: { excluded_events: [half] } } }, q)).toEqual(["sessionReplayConfig"]);
  });
});

describe("sessionRecordingNetworkPayloadCaptureConfig and sessionRecordingMaskingConfig", () => {
  it("sets one key, then the other (replacing), then unsets (test_can_set_and_unset_…_network_payload_capture_config)", async () => {
    const key = "sessionRecordingNetworkPayloadCaptureConfig";
    expect((await accepted({ [key]: { recordHeaders: true } }))[key]).toEqual({ recordHeaders: true });
    expect((await accepted({ [key]: { recordBody: false } }))[key]).toEqual({ recordBody: false });
    expect((await accepted({ [key]: null }))[key]).toBeNull();
  });

  it.each([["Marple bridge"], ["-1"], [{ key: "something" }]])("refuses network payload capture %j", async (value) => {
    const paths = await refusedPaths({ sessionRecordingNetworkPayloadCaptureConfig: value });
    expect(paths[0]).toMatch(/^sessionRecordingNetworkPayloadCaptureConfig/);
  });

  it("accepts only maskAllInputs (boolean), maskTextSelector and blockSelector (strings) as masking", async () => {
    expect(
      (await accepted({ sessionRecordingMaskingConfig: { maskAllInputs: true, maskTextSelector: "*" } })).sessionRecordingMaskingConfig,
    ).toEqual({
      maskAllInputs: true,
      maskTextSelector: "*",
    });
    expect(
      (await refusedPaths({ sessionRecordingMaskingConfig: { maskAllInputs: "yes", blockSelector: 1, maskImages: true } })).sort(),
    ).toEqual([
      "sessionRecordingMaskingConfig.blockSelector",
      "sessionRecordingMaskingConfig.maskAllInputs",
      "sessionRecordingMaskingConfig.maskImages",
    ]);
  });
});

describe("sessionRecordingLinkedFlag (test_invalid_/test_valid_session_recording_linked_flag)", () => {
  it.each([
    ["Marple bridge"],
    [1],
    [{ key: "something" }],
    [{ id: 1 }],
    [{ variant: "1" }],
    [{ key: "one", variant: "1" }],
    [{ wat: "wat" }],
    [{ id: "abc", key: "flag-key" }],
    [{ id: 12.5, key: "flag-key" }],
    [{ id: null, key: null }],
    [{ id: true, key: "flag-key" }],
  ])("refuses %j", async (value) => {
    expect((await refusedPaths({ sessionRecordingLinkedFlag: value }))[0]).toMatch(/^sessionRecordingLinkedFlag/);
  });

  it("normalizes a numeric string id to an integer, variant included", async () => {
    expect(
      (await accepted({ sessionRecordingLinkedFlag: { id: "123", key: "flag-key", variant: "test" } })).sessionRecordingLinkedFlag,
    ).toEqual({
      id: 123,
      key: "flag-key",
      variant: "test",
    });
  });
});

describe("sessionRecordingTriggerGroups (test_session_recording_trigger_groups_*)", () => {
  const group = (g: Record<string, unknown>) => ({
    version: 2,
    groups: [{ id: "test", sampleRate: 0.5, conditions: { matchType: "any" }, ...g }],
  });
  const event = (e: unknown) => group({ conditions: { matchType: "any", events: [e] } });

  it.each([
    ["missing_version", { groups: [] }, "sessionRecordingTriggerGroups.version"],
    ["invalid_version", { version: 1, groups: [] }, "sessionRecordingTriggerGroups.version"],
    ["missing_groups", { version: 2 }, "sessionRecordingTriggerGroups.groups"],
    ["invalid_sample_rate_above_one", group({ sampleRate: 1.5 }), "sessionRecordingTriggerGroups.groups.0.sampleRate"],
    ["negative_sample_rate", group({ sampleRate: -0.1 }), "sessionRecordingTriggerGroups.groups.0.sampleRate"],
    ["invalid_match_type", group({ conditions: { matchType: "invalid" } }), "sessionRecordingTriggerGroups.groups.0.conditions.matchType"],
    [
      "invalid_regex",
      group({ conditions: { matchType: "any", urls: [{ url: "[invalid(regex", matching: "regex" }] } }),
      "sessionRecordingTriggerGroups.groups.0.conditions.urls.0.url",
    ],
    ["invalid_min_duration_negative", group({ minDurationMs: -100 }), "sessionRecordingTriggerGroups.groups.0.minDurationMs"],
    ["invalid_min_duration_too_large", group({ minDurationMs: 40000 }), "sessionRecordingTriggerGroups.groups.0.minDurationMs"],
    ["invalid_min_duration_boolean", group({ minDurationMs: true }), "sessionRecordingTriggerGroups.groups.0.minDurationMs"],
    ["event_object_missing_name", event({ properties: [] }), "sessionRecordingTriggerGroups.groups.0.conditions.events.0.name"],
    ["event_invalid_type", event(123), "sessionRecordingTriggerGroups.groups.0.conditions.events.0"],
    [
      "event_property_missing_type",
      event({ name: "purchase", properties: [{ key: "amount", operator: "gt", value: 100 }] }),
      "sessionRecordingTriggerGroups.groups.0.conditions.events.0.properties.0.type",
    ],
    [
      "event_property_invalid_type",
      event({ name: "purchase", properties: [{ key: "amount", type: "hogql", operator: "gt", value: 100 }] }),
      "sessionRecordingTriggerGroups.groups.0.conditions.events.0.properties.0.type",
    ],
    [
      "event_property_missing_key",
      event({ name: "purchase", properties: [{ type: "event", operator: "exact", value: "foo" }] }),
      "sessionRecordingTriggerGroups.groups.0.conditions.events.0.properties.0.key",
    ],
    [
      "event_property_invalid_operator",
      event({ name: "purchase", properties: [{ key: "amount", type: "event", operator: "banana", value: 100 }] }),
      "sessionRecordingTriggerGroups.groups.0.conditions.events.0.properties.0.operator",
    ],
    [
      "group_level_property_invalid_operator",
      group({
        conditions: {
          matchType: "any",
          events: [{ name: "error" }],
          properties: [{ key: "country", type: "person", operator: "banana", value: "US" }],
        },
      }),
      "sessionRecordingTriggerGroups.groups.0.conditions.properties.0.operator",
    ],
  ])("refuses %s", async (_name, value, path) => {
    expect(await refusedPaths({ sessionRecordingTriggerGroups: value })).toEqual([path]);
  });

  it("accepts a complex valid configuration as given, and null clears it", async () => {
    const groups = {
      version: 2,
      groups: [
        {
          id: "errors",
          name: "Error Tracking",
          sampleRate: 1.0,
          minDurationMs: 0,
          conditions: { matchType: "any", events: ["error", "crash"], urls: [{ url: "/checkout.*", matching: "regex" }] },
        },
        {
          id: "feature-flag",
          sampleRate: 0.5,
          minDurationMs: 10000,
          conditions: { matchType: "all", flag: { key: "variant-test", variant: "control" } },
        },
        { id: "simple-flag", sampleRate: 0.3, conditions: { matchType: "any", flag: "simple-feature-flag" } },
        {
          id: "rich-events",
          sampleRate: 1,
          conditions: {
            matchType: "all",
            events: ["simple_event", { name: "purchase", properties: [{ key: "amount", type: "event", operator: "gt", value: 100 }] }],
            properties: [{ key: "$current_url", type: "event", operator: "icontains", value: ["checkout.acme.com"] }],
          },
        },
      ],
    };
    expect((await accepted({ sessionRecordingTriggerGroups: groups })).sessionRecordingTriggerGroups).toEqual(groups);
    expect((await accepted({ sessionRecordingTriggerGroups: null })).sessionRecordingTriggerGroups).toBeNull();
  });
});

describe("testAccountFilters (test_validate_test_account_filters_*)", () => {
  it.each([
    ["missing_key", [{ type: "person", operator: "exact", value: "posthog.com" }], "testAccountFilters.0.key"],
    ["invalid_type", [{ key: "email", type: "not_a_type", operator: "exact", value: "posthog.com" }], "testAccountFilters.0.type"],
    [
      "invalid_operator",
      [{ key: "email", type: "person", operator: "not_an_operator", value: "posthog.com" }],
      "testAccountFilters.0.operator",
    ],
    ["invalid_cohort_value", [{ key: "id", type: "cohort", operator: "in", value: "not-a-cohort-id" }], "testAccountFilters.0.value"],
  ])("refuses %s", async (_name, value, path) => {
    expect(await refusedPaths({ testAccountFilters: value })).toEqual([path]);
  });

  it("accepts an is_set filter without a value, and an event filter without type or operator (test_filter_permission)", async () => {
    const filters = [
      { key: "email", type: "person", operator: "is_set" },
      { key: "$current_url", value: "test" },
      { key: "id", type: "cohort", value: 8814, operator: "not_in" },
    ];
    expect((await accepted({ testAccountFilters: filters })).testAccountFilters).toEqual(filters);
  });
});

describe("pathCleaningFilters (validate_path_cleaning_filters)", () => {
  it("accepts rules whose regex compiles and whose alias refers to existing groups", async () => {
    const rules = [
      { alias: "x", regex: "/x/.*" },
      { alias: "/user/\\1", regex: "/user/(\\d+)" },
    ];
    expect((await accepted({ pathCleaningFilters: rules })).pathCleaningFilters).toEqual(rules);
  });

  it("refuses a rule without a regex, a regex that does not compile and an alias referring to a missing group, all at once", async () => {
    const paths = await refusedPaths({
      pathCleaningFilters: [{ alias: "a" }, { alias: "b", regex: "([unclosed" }, { alias: "\\2", regex: "/(x)/" }],
    });
    expect(paths.sort()).toEqual(["pathCleaningFilters.0.regex", "pathCleaningFilters.1.regex", "pathCleaningFilters.2.alias"]);
  });
});

describe("conversationsSettings (validate_conversations_settings)", () => {
  it("drops null entries of widget_domains (test_conversations_settings_filters_null_widget_domains)", async () => {
    const settings = await accepted({ conversationsSettings: { widget_domains: ["https://example.com", null, "https://test.com", null] } });
    expect((settings.conversationsSettings as any).widget_domains).toEqual(["https://example.com", "https://test.com"]);
  });

  it.each([[123], [{ nested: "value" }], [["https://example.com"]], [true], ["https://*.*.*.*.*.*.example.com"]])(
    "refuses the widget domain %j (test_rejects_non_string_widget_domain, too many wildcards)",
    async (entry) => {
      expect(await refusedPaths({ conversationsSettings: { widget_domains: [entry] } })).toEqual([
        "conversationsSettings.widget_domains.0",
      ]);
    },
  );

  it("refuses keys managed by the integrations, and checks the Slack and AI fields", async () => {
    const paths = await refusedPaths({
      conversationsSettings: {
        slack_bot_token: "xoxb",
        slack_bot_icon_url: "http://insecure.example.com/icon.png",
        slack_bot_display_name: "x".repeat(201),
        ai_resolution_channels: ["widget", "pigeon"],
      },
    });
    expect(paths.sort()).toEqual([
      "conversationsSettings.ai_resolution_channels",
      "conversationsSettings.slack_bot_display_name",
      "conversationsSettings.slack_bot_icon_url",
      "conversationsSettings.slack_bot_token",
    ]);
  });
});

describe("logsSettings", () => {
  it.each([7, 15, 20, 45, 90, 100])("refuses retention_days %j (test_logs_settings_retention_invalid_values_rejected)", async (days) => {
    expect(await refusedPaths({ logsSettings: { retention_days: days } })).toEqual(["logsSettings.retention_days"]);
  });

  it("accepts 14 and 30 days and other keys", async () => {
    expect((await accepted({ logsSettings: { retention_days: 14, json_parse_logs: true } })).logsSettings).toEqual({
      retention_days: 14,
      json_parse_logs: true,
    });
  });
});

describe("the analytics configs", () => {
  it("refuses unknown keys and values outside PostHog's ranges, each on its path", async () => {
    const paths = await refusedPaths({
      revenueAnalyticsConfig: { base_currency: "XXX", events: [{ eventName: "purchase" }], filter_test_accounts: "no" },
      marketingAnalyticsConfig: { attribution_window_days: 91, attribution_mode: "linear", surprise: 1 },
      customerAnalyticsConfig: { account_group_type_index: 5 },
      workflowsConfig: { email_tracking_consent_mode: "sometimes" },
    });
    expect(paths.sort()).toEqual([
      "customerAnalyticsConfig.account_group_type_index",
      "marketingAnalyticsConfig.attribution_mode",
      "marketingAnalyticsConfig.attribution_window_days",
      "marketingAnalyticsConfig.surprise",
      "revenueAnalyticsConfig.base_currency",
      "revenueAnalyticsConfig.events.0.revenueProperty",
      "revenueAnalyticsConfig.filter_test_accounts",
      "workflowsConfig.email_tracking_consent_mode",
    ]);
  });

  it("accepts the values it reads back (the defaults round-trip)", async () => {
    const q = String((await h.project({})).project.id);
    const { project } = await h.ok(
      `query($id: ID!) { project(id: $id) { revenueAnalyticsConfig marketingAnalyticsConfig customerAnalyticsConfig workflowsConfig } }`,
      { id: q },
    );
    await accepted({ ...project }, q);
  });
});

describe("every invalid field at once", () => {
  it("reports each bad JSON setting with its path, alongside the other settings' errors", async () => {
    const paths = await refusedPaths({
      modifiers: { bounceRateDurationSeconds: 0 },
      sessionReplayConfig: { wat: 1 },
      autocaptureExceptionsErrorsToIgnore: [1],
      testAccountFilters: [{ type: "person", operator: "exact", value: "x" }],
      timezone: "Mars/Base",
    });
    expect(paths.sort()).toEqual([
      "autocaptureExceptionsErrorsToIgnore.0",
      "modifiers.bounceRateDurationSeconds",
      "sessionReplayConfig.wat",
      "testAccountFilters.0.key",
      "timezone",
    ]);
  });
});

const other = await h.project({});
const own = await prisma.dashboard.create({ data: { environmentId: p.environment.id, name: "Own" } });
const foreign = await prisma.dashboard.create({ data: { environmentId: other.environment.id, name: "Foreign" } });

describe("primaryDashboard (test_update_primary_dashboard, test_cant_set_primary_dashboard_to_another_teams_dashboard)", () => {
  it("sets a dashboard of the same project, and any member may", async () => {
    const member = await h.userAt(MembershipLevel.MEMBER);
    const { updateProject } = await h.ok(UPDATE, { input: { id, primaryDashboard: own.id } }, member.key);
    expect(updateProject.userErrors).toEqual([]);
    expect((await stored()).primaryDashboard).toBe(own.id);
    expect((await accepted({ primaryDashboard: null })).primaryDashboard).toBeNull();
  });

  it("refuses another project's dashboard and one that does not exist, as NOT_FOUND on the field", async () => {
    for (const dashboard of [foreign.id, 999_999]) {
      const before = await snapshot();
      const payload = await refusedPayload(UPDATE, "updateProject", { input: { id, primaryDashboard: dashboard } });
      expect(payload.userErrors).toEqual([{ field: ["input", "primaryDashboard"], message: expect.any(String), code: "NOT_FOUND" }]);
      expect(await snapshot()).toBe(before);
    }
  });

  it("refuses, on an environment, a dashboard of another environment of the same project", async () => {
    const env = await h.environment(p.project);
    const paths = await refusedPaths({ primaryDashboard: own.id }, String(env.id), UPDATE_ENV, "updateEnvironment");
    expect(paths).toEqual(["primaryDashboard"]);
    const mine = await prisma.dashboard.create({ data: { environmentId: env.id, name: "Env's" } });
    const { updateEnvironment } = await h.ok(UPDATE_ENV, { input: { id: String(env.id), primaryDashboard: mine.id } });
    expect(updateEnvironment.environment.primaryDashboard).toBe(mine.id);
  });

  it("is refused on creation (no dashboard of the new project can exist yet), and nothing is created", async () => {
    const CREATE = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;
    const CREATE_ENV = `mutation($input: CreateEnvironmentInput!) { createEnvironment(input: $input) {
      environment { databaseId } ${USER_ERRORS} } }`;
    const runs = [
      [CREATE, "createProject", { organizationId: t.org.id, name: "With a dashboard", primaryDashboard: own.id }],
      [CREATE_ENV, "createEnvironment", { projectId: id, name: "With a dashboard", primaryDashboard: own.id }],
    ] as const;
    for (const [mutation, field, input] of runs) {
      const before = await snapshot();
      const payload = (await h.ok(mutation, { input }))[field];
      expect(payload.userErrors).toEqual([
        { field: ["input", "primaryDashboard"], message: expect.stringContaining("on creation"), code: "INVALID" },
      ]);
      expect(await snapshot()).toBe(before);
    }
  });
});
