// The shapes of the JSON settings PostHog checks, with no database: each
// schema of src/domain/settings/json-shapes.ts with PostHog's cases and the
// paths of its problems, the regular-expression rules, Python's JSON length,
// and the one-level-deep merge of sessionReplayConfig.
import { describe, expect, it } from "vitest";
import {
  conversationsSettingsSchema,
  customerAnalyticsConfigSchema,
  errorsToIgnoreSchema,
  maskingConfigSchema,
  modifiersSchema,
  pathCleaningFiltersSchema,
  pythonJsonLength,
  revenueAnalyticsConfigSchema,
  sessionReplayConfigSchema,
  testAccountFiltersSchema,
  triggerGroupsSchema,
} from "../../../src/domain/settings/json-shapes.js";
import { aliasBackreferences, pythonRegexProblem, re2Pattern } from "../../../src/domain/settings/patterns.js";
import { applySettingsPatch, mergeSettingObject } from "../../../src/domain/settings/patch.js";
import { linkedFlagSchema } from "../../../src/domain/settings/registry.js";
import { settingsCreateShape, settingsPatchShape } from "../../../src/domain/settings/validation.js";
import { z as zod } from "zod";

/** The paths of a value's problems ("" for the value itself), or [] when it is valid. */
const problems = (schema: zod.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join("."));
};

describe("pythonJsonLength", () => {
  it.each([
    [[], "[]"],
    [["a"], '["a"]'],
    [["a", "b"], '["a", "b"]'],
    [['q"', "back\\slash", "tab\t"], '["q\\"", "back\\\\slash", "tab\\t"]'],
  ])("counts %j as Python's json.dumps does (%s)", (list, dumped) => {
    expect(pythonJsonLength(list)).toBe(dumped.length);
  });

  it("counts non-ASCII characters as \\uXXXX escapes (ensure_ascii), two for a character outside the BMP", () => {
    expect(pythonJsonLength(["é"])).toBe(2 + 6 + 2);
    expect(pythonJsonLength(["😀"])).toBe(2 + 12 + 2);
    expect(pythonJsonLength(["\u0001"])).toBe(2 + 6 + 2);
  });
});

describe("errorsToIgnoreSchema (autocapture_exceptions_errors_to_ignore)", () => {
  it("takes a list of strings up to 300 characters as JSON", () => {
    expect(problems(errorsToIgnoreSchema, ["wat am i"])).toEqual([]);
    expect(problems(errorsToIgnoreSchema, ["x".repeat(296)])).toEqual([]); // 300 exactly
    expect(problems(errorsToIgnoreSchema, ["x".repeat(297)])).toEqual([""]);
  });

  it("refuses anything else, naming each bad entry", () => {
    expect(problems(errorsToIgnoreSchema, { wat: "am i" })).toEqual([""]);
    expect(problems(errorsToIgnoreSchema, [1, "ok", false])).toEqual(["0", "2"]);
  });
});

describe("modifiersSchema (HogQLQueryModifiers)", () => {
  it.each([1, 60, 120, 1.5, null])("accepts bounceRateDurationSeconds %j", (value) => {
    expect(problems(modifiersSchema, { bounceRateDurationSeconds: value })).toEqual([]);
  });

  it.each([-1, 0, 121, 999999999, "not-a-number", { nested: "object" }, true])("refuses bounceRateDurationSeconds %j", (value) => {
    expect(problems(modifiersSchema, { bounceRateDurationSeconds: value })).toEqual(["bounceRateDurationSeconds"]);
  });

  it("accepts every known key with a value of its type, and null for each", () => {
    const value = {
      personsOnEventsMode: "person_id_override_properties_joined",
      inCohortVia: "leftjoin_conjoined",
      materializationMode: "legacy_null_as_null",
      sessionTableVersion: "v3",
      propertyGroupsMode: "optimized",
      debug: true,
      useWebAnalyticsPreAggregatedTables: false,
      customChannelTypeRules: [
        { id: "r", channel_type: "Paid", combiner: "OR", items: [{ id: "i", key: "utm_source", op: "exact", value: ["google"] }] },
      ],
      dataWarehouseEventsModifiers: [{ table_name: "t", timestamp_field: "ts", distinct_id_field: "d", id_field: "id" }],
      forceClickhouseDataSkippingIndexes: ["idx"],
    };
    expect(problems(modifiersSchema, value)).toEqual([]);
    expect(modifiersSchema.parse(value)).toEqual(value);
    expect(problems(modifiersSchema, Object.fromEntries(Object.keys(value).map((k) => [k, null])))).toEqual([]);
  });

  it("refuses unknown keys, wrong types and values outside a key's choices, each on its path", () => {
    expect(problems(modifiersSchema, { unknownField: true, personsJoinMode: "outer", timings: "yes" }).sort()).toEqual([
      "personsJoinMode",
      "timings",
      "unknownField",
    ]);
    expect(
      problems(modifiersSchema, {
        customChannelTypeRules: [{ id: "r", channel_type: "x", combiner: "AND", items: [{ id: "i", key: "utm_x", op: "exact" }] }],
      }),
    ).toEqual(["customChannelTypeRules.0.items.0.key"]);
    expect(problems(modifiersSchema, [1, 2])).toEqual([""]);
  });
});

describe("sessionReplayConfigSchema", () => {
  it("takes record_canvas (any value) and ai_config (null or an object of its keys)", () => {
    expect(
      problems(sessionReplayConfigSchema, { record_canvas: true, ai_config: { opt_in: true, excluded_events: ["$pageview"] } }),
    ).toEqual([]);
    expect(problems(sessionReplayConfigSchema, { ai_config: null })).toEqual([]);
  });

  it.each([
    [{ canvas_fps: 4 }, ["canvas_fps"]],
    [{ ai_config: "Marple bridge" }, ["ai_config"]],
    [{ ai_config: { key: "something", opt_in: true } }, ["ai_config.key"]],
    ["Marple bridge", [""]],
  ])("refuses %j", (value, paths) => {
    expect(problems(sessionReplayConfigSchema, value)).toEqual(paths);
  });
});

describe("maskingConfigSchema", () => {
  it("takes only its three keys, with their types", () => {
    expect(problems(maskingConfigSchema, { maskAllInputs: false, maskTextSelector: ".secret", blockSelector: "img" })).toEqual([]);
    expect(problems(maskingConfigSchema, { maskAllInputs: null }).length).toBe(1);
    expect(problems(maskingConfigSchema, { maskImages: true })).toEqual(["maskImages"]);
  });
});

describe("linkedFlagSchema", () => {
  it("normalizes a numeric string id and refuses other ids", () => {
    expect(linkedFlagSchema.parse({ id: "123", key: "flag-key" })).toEqual({ id: 123, key: "flag-key" });
    for (const id of ["abc", 12.5, null, true]) expect(linkedFlagSchema.safeParse({ id, key: "flag-key" }).success).toBe(false);
  });
});

describe("triggerGroupsSchema", () => {
  const base = { id: "g", sampleRate: 0.5, conditions: { matchType: "any" } };
  it("reports every problem of every group at once", () => {
    const value = {
      version: 2,
      groups: [
        { ...base, sampleRate: 2, minDurationMs: 1.5 },
        { id: "h", conditions: { matchType: "all", urls: [{ url: "(", matching: "glob" }], flag: 3 } },
      ],
      fallbackSampleRate: -1,
    };
    expect(problems(triggerGroupsSchema, value).sort()).toEqual([
      "fallbackSampleRate",
      "groups.0.minDurationMs",
      "groups.0.sampleRate",
      "groups.1.conditions.flag",
      "groups.1.conditions.urls.0.matching",
      "groups.1.conditions.urls.0.url",
      "groups.1.sampleRate",
    ]);
  });

  it("accepts Python regex syntax in URLs and a flag given by key or as an object", () => {
    const value = {
      version: 2,
      groups: [
        { ...base, conditions: { matchType: "any", urls: [{ url: "/(?P<id>\\d+)/(?P=id)", matching: "regex" }], flag: "key" } },
        { ...base, conditions: { matchType: "any", flag: { id: 1, key: "k", variant: "v" } } },
      ],
    };
    expect(problems(triggerGroupsSchema, value)).toEqual([]);
  });
});

describe("testAccountFiltersSchema (AnyPropertyFilter)", () => {
  it.each([
    [[{ key: "email", type: "person", operator: "is_set" }]],
    [[{ key: "$current_url", value: "test" }]],
    [[{ key: "id", type: "cohort", value: 8814, operator: "not_in" }]],
    [[{ type: "cohort", value: 3 }]],
    [[{ key: "tag_name", type: "element", operator: "exact", value: ["a", "button"] }]],
    [[{ key: "1", type: "flag", value: "variant" }]],
    [[{ key: "properties.$os = 'Mac'", type: "hogql" }]],
    [[{ key: "industry", type: "group", group_type_index: 0, operator: "exact", value: "tech" }]],
    [[{}]],
    [[]],
  ])("accepts %j", (value) => {
    expect(problems(testAccountFiltersSchema, value)).toEqual([]);
  });

  it.each([
    [[{ type: "person", operator: "exact", value: "posthog.com" }], ["0.key"]],
    [[{ key: "email", type: "not_a_type", operator: "exact" }], ["0.type"]],
    [[{ key: "email", type: "person", operator: "not_an_operator" }], ["0.operator"]],
    [[{ key: "email", type: "person", value: "x" }], ["0.operator"]],
    [[{ key: "id", type: "cohort", operator: "in", value: "not-a-cohort-id" }], ["0.value"]],
    [[{ key: "email", type: "person", operator: "exact", value: { a: 1 }, negation: true }], ["0.negation", "0.value"]],
    [[{ key: "x", type: "hogql", operator: "exact" }], ["0.operator"]],
    [[{ key: "size", type: "element", operator: "exact" }], ["0.key"]],
    [["email"], ["0"]],
    [{ not: "a list" }, [""]],
  ])("refuses %j", (value, paths) => {
    expect(problems(testAccountFiltersSchema, value).sort()).toEqual(paths);
  });
});

describe("regular expressions", () => {
  it("compiles re2 patterns (PostHog's path cleaning) and counts their groups", () => {
    expect(re2Pattern("/x/.*")).toEqual({ groups: 0 });
    expect(re2Pattern("/user/(\\d+)/(?P<tab>\\w+)/(?:x)")).toEqual({ groups: 2 });
    expect(re2Pattern("(?i)/Users/(\\d+)")).toEqual({ groups: 1 });
    expect(re2Pattern("[(?=]x")).toEqual({ groups: 0 });
  });

  it.each(["([unclosed", "(?=lookahead)", "(?<!behind)x", "(a)\\1"])("refuses %j under re2", (source) => {
    expect(re2Pattern(source)).toHaveProperty("problem");
  });

  it("reads the groups an alias refers to, a doubled backslash being literal", () => {
    expect(aliasBackreferences("/user/\\1/\\2")).toEqual([1, 2]);
    expect(aliasBackreferences("\\\\1 \\0")).toEqual([0]);
  });

  it("compiles Python patterns (trigger URLs)", () => {
    expect(pythonRegexProblem("/checkout.*")).toBeNull();
    expect(pythonRegexProblem("[invalid(regex")).not.toBeNull();
  });
});

describe("pathCleaningFiltersSchema", () => {
  it("accepts rules with compiling regexes and aliases within their groups, and rules without an alias", () => {
    expect(
      problems(pathCleaningFiltersSchema, [{ alias: "/u/\\1", regex: "/u/(\\d+)" }, { regex: "/x" }, { alias: "\\\\2", regex: "x" }]),
    ).toEqual([]);
  });

  it("refuses a missing or empty regex, one that does not compile, and an alias beyond the groups", () => {
    expect(
      problems(pathCleaningFiltersSchema, [{ alias: "a" }, { regex: "" }, { regex: "(" }, { alias: "\\2", regex: "(x)" }, "rule"]).sort(),
    ).toEqual(["0.regex", "1.regex", "2.regex", "3.alias", "4"]);
  });
});

describe("conversationsSettingsSchema", () => {
  it("drops blank widget domains, cleans Slack channel ids and AI reply modes as PostHog does", () => {
    expect(
      conversationsSettingsSchema.parse({
        widget_domains: ["https://a.example", null, "", "https://*.b.example"],
        slack_channel_ids: ["C1", "", "C1", 7, "C2"],
        slack_bot_display_name: "  Support  ",
        ai_reply_modes: { widget: { how_to: "bot_reply", diagnostic: "bot_reply", billing: "bot_reply" }, fax: { how_to: "bot_reply" } },
        greeting: "Hi",
      }),
    ).toEqual({
      widget_domains: ["https://a.example", "https://*.b.example"],
      slack_channel_ids: ["C1", "C2"],
      slack_bot_display_name: "Support",
      ai_reply_modes: { widget: { how_to: "bot_reply", diagnostic: "private_note" } },
      greeting: "Hi",
    });
  });

  it("refuses the widget token, integration-managed keys and malformed Slack and AI fields", () => {
    expect(
      problems(conversationsSettingsSchema, {
        widget_public_token: "phc_x",
        teams_channels: [],
        slack_notify_on_join: "yes",
        slack_alert_channel_id: 5,
        ai_reply_modes: "all",
        widget_domains: "https://a.example",
      }).sort(),
    ).toEqual([
      "ai_reply_modes",
      "slack_alert_channel_id",
      "slack_notify_on_join",
      "teams_channels",
      "widget_domains",
      "widget_public_token",
    ]);
  });
});

describe("the analytics configs", () => {
  it("checks revenue events (RevenueAnalyticsEventItem) and the customer account group type index", () => {
    const event = {
      eventName: "purchase",
      revenueProperty: "amount",
      revenueCurrencyProperty: { static: "EUR" },
      currencyAwareDecimal: true,
    };
    expect(
      problems(revenueAnalyticsConfigSchema, { base_currency: "EUR", events: [event], goals: [], filter_test_accounts: true }),
    ).toEqual([]);
    expect(
      problems(revenueAnalyticsConfigSchema, { events: [{ ...event, revenueCurrencyProperty: { static: "EURO" }, extra: 1 }] }).sort(),
    ).toEqual(["events.0.extra", "events.0.revenueCurrencyProperty.static"]);
    expect(problems(customerAnalyticsConfigSchema, { account_group_type_index: 4, activity_event: { event: "$pageview" } })).toEqual([]);
    expect(problems(customerAnalyticsConfigSchema, { account_group_type_index: -1 })).toEqual(["account_group_type_index"]);
  });
});

describe("mergeSettingObject and the sessionReplayConfig merge", () => {
  it.each([
    ["keys: sent keys win, unsent kept, objects replaced", { a: { x: 1 }, b: 1 }, { a: { y: 2 } }, "keys", { a: { y: 2 }, b: 1 }],
    ["nested: an object under a key merges one level", { a: { x: 1 }, b: 1 }, { a: { y: 2 } }, "nested", { a: { x: 1, y: 2 }, b: 1 }],
    ["nested: not deeper", { a: { x: { p: 1 } } }, { a: { x: { q: 2 } } }, "nested", { a: { x: { q: 2 } } }],
    ["nested: null under a key replaces", { a: { x: 1 } }, { a: null }, "nested", { a: null }],
    ["nested: an object over a stored null replaces", { a: null }, { a: { x: 1 } }, "nested", { a: { x: 1 } }],
    ["nested: a list replaces", { a: [1] }, { a: [2] }, "nested", { a: [2] }],
    ["nothing stored: the sent object", null, { a: 1 }, "nested", { a: 1 }],
  ] as const)("%s", (_what, stored, sent, depth, expected) => {
    expect(mergeSettingObject(stored, sent, depth)).toEqual(expected);
  });

  it("merges sessionReplayConfig one level deep and modifiers by top-level key; null clears either", () => {
    const stored = { sessionReplayConfig: { ai_config: { opt_in: true } }, modifiers: { customChannelTypeRules: [] } };
    expect(
      applySettingsPatch(stored, { sessionReplayConfig: { ai_config: { included_event_properties: ["x"] } } }).sessionReplayConfig,
    ).toEqual({
      ai_config: { opt_in: true, included_event_properties: ["x"] },
    });
    expect(applySettingsPatch(stored, { modifiers: { debug: true } }).modifiers).toEqual({ customChannelTypeRules: [], debug: true });
    expect(applySettingsPatch(stored, { sessionReplayConfig: null }).sessionReplayConfig).toBeNull();
  });
});

describe("settingsCreateShape", () => {
  it("refuses a primaryDashboard on creation (PostHog: cannot be set on project creation), where an update takes one", () => {
    expect(problems(zod.object(settingsCreateShape), { primaryDashboard: 3 })).toEqual(["primaryDashboard"]);
    expect(problems(zod.object(settingsCreateShape), { primaryDashboard: null, timezone: "UTC" })).toEqual([]);
    expect(problems(zod.object(settingsPatchShape), { primaryDashboard: 3 })).toEqual([]);
  });
});
