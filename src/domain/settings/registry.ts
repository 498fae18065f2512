// Every setting of an environment (PostHog's team), in one table: its
// GraphQL name, type, default, who may write it, how it is validated and how
// it is written. The Project and Environment types, their update inputs, the
// validation, the activity diff and settingsAsOf are all derived from it, so
// a setting is added in exactly one place.
import { z } from "zod";
import { CURRENCY_CODES } from "./currencies.js";
import {
  conversationsSettingsSchema,
  customerAnalyticsConfigSchema,
  errorsToIgnoreSchema,
  logsSettingsSchema,
  marketingAnalyticsConfigSchema,
  maskingConfigSchema,
  modifiersSchema,
  networkPayloadCaptureSchema,
  pathCleaningFiltersSchema,
  revenueAnalyticsConfigSchema,
  sessionReplayConfigSchema,
  testAccountFiltersSchema,
  triggerGroupsSchema,
  workflowsConfigSchema,
} from "./json-shapes.js";

export type SettingKind = "boolean" | "int" | "string" | "stringList" | "json" | "enum";

export interface EnumSpec {
  /** GraphQL enum type name. */
  name: string;
  description: string;
  /** GraphQL value name → PostHog's stored value, with a description. */
  values: Record<string, { value: string | number; description: string }>;
}

export interface SettingDef {
  /** camelCase GraphQL field name; also the key in Environment.settings. */
  key: string;
  /** PostHog's snake_case name (accepted by settingsAsOf's scope). */
  posthog: string;
  kind: SettingKind;
  enumSpec?: EnumSpec;
  nullable: boolean;
  default: unknown;
  description: string;
  /** Validates (and normalizes) a written value; null is checked against `nullable` first. */
  schema: z.ZodType;
  /** Writable by any member; otherwise admins only (level ≥ 8). */
  memberWritable?: boolean;
  /**
   * JSON objects merged into the stored value instead of replacing it: "keys"
   * merges the sent top-level keys (unsent ones kept); "nested" also merges a
   * sent object into a stored object under the same key, one level deep.
   */
  merge?: "keys" | "nested";
  /** Only on Environment (not on Project). */
  environmentOnly?: boolean;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type Opts = Partial<Pick<SettingDef, "nullable" | "default" | "memberWritable" | "merge" | "environmentOnly" | "schema">>;

function def(kind: SettingKind, key: string, description: string, schema: z.ZodType, opts: Opts = {}): SettingDef {
  return {
    key,
    posthog: snake(key),
    kind,
    nullable: opts.nullable ?? true,
    default: opts.default ?? null,
    description,
    schema: opts.schema ?? schema,
    memberWritable: opts.memberWritable,
    merge: opts.merge,
    environmentOnly: opts.environmentOnly,
  };
}

const bool = (key: string, description: string, opts: Opts = {}) => def("boolean", key, description, z.boolean(), opts);
const json = (key: string, description: string, opts: Opts = {}) => def("json", key, description, z.json(), opts);
const jsonObject = (key: string, description: string, opts: Opts = {}) =>
  def("json", key, description, z.record(z.string(), z.json(), { error: "Must be a JSON object." }), opts);
const jsonList = (key: string, description: string, opts: Opts = {}) =>
  def("json", key, description, z.array(z.json(), { error: "Must be a JSON array." }), opts);

function enumDef(key: string, description: string, spec: EnumSpec, opts: Opts = {}): SettingDef {
  const allowed = Object.values(spec.values).map((v) => v.value);
  const schema = z.custom((v) => allowed.some((value) => value === v), {
    message: `Must be one of ${Object.keys(spec.values).join(", ")}.`,
  });
  return { ...def("enum", key, description, schema, opts), enumSpec: spec };
}

// ---- value rules -------------------------------------------------------------

/** An IANA time zone name, as Intl knows them (plus UTC). */
export const timezoneSchema = z.string().refine(
  (tz) => {
    if (tz === "UTC") return true;
    if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(tz)) return false;
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "Must be an IANA time zone name, e.g. Europe/Berlin." },
);

/** PostHog's URL list rule: ≤200 chars each, blanks dropped, ≤5 `*` wildcards per host, must parse. */
export const urlListSchema = z
  .array(z.string().max(200, "Each URL must be at most 200 characters."))
  .transform((list) => list.map((s) => s.trim()).filter((s) => s.length > 0))
  .superRefine((list, ctx) => {
    list.forEach((entry, index) => {
      let url: URL;
      try {
        url = new URL(entry.replace(/\*/g, "wildcard"));
      } catch {
        ctx.addIssue({ code: "custom", path: [index], message: `${JSON.stringify(entry)} is not a valid URL.` });
        return;
      }
      const host = entry.slice(entry.indexOf("//") + 2).split("/")[0];
      if ((host.match(/\*/g) ?? []).length > 5) {
        ctx.addIssue({ code: "custom", path: [index], message: `${JSON.stringify(entry)} has more than 5 wildcards in its host.` });
      }
      if (!/^https?:$/.test(url.protocol)) {
        ctx.addIssue({ code: "custom", path: [index], message: `${JSON.stringify(entry)} must be an http(s) URL.` });
      }
    });
  });

/** A decimal between 0 and 1 with at most two places, kept as PostHog's string ("0.10"). */
export const sampleRateSchema = z
  .string()
  .trim()
  .regex(/^(0(\.\d{1,2})?|1(\.0{1,2})?|\.\d{1,2})$/, 'Must be a decimal from 0 to 1 with at most two decimal places, e.g. "0.25".')
  .transform((s) => Number(s).toFixed(2));

/** {id, key} or {id, key, variant}; a numeric string id is normalized to an integer, as PostHog does. */
export const linkedFlagSchema = z.strictObject(
  {
    id: z.preprocess(
      (id) => (typeof id === "string" && /^-?\d+$/.test(id) ? Number(id) : id),
      z.number({ error: "Must provide an integer 'id'." }).int("Must provide an integer 'id'."),
    ),
    key: z.string().min(1).max(400),
    variant: z.string().max(400).nullable().optional(),
  },
  { error: "Must be {id, key} or {id, key, variant}." },
);

/** A logs attribute-key list: 1–10 unique, non-blank strings of ≤200 characters. */
export const logsKeyListSchema = z
  .array(z.string().trim().min(1, "Keys must not be blank.").max(200, "Keys must be at most 200 characters."))
  .min(1, "Give at least one key.")
  .max(10, "Give at most 10 keys.")
  .refine((keys) => new Set(keys).size === keys.length, "Keys must be unique.");

export const LOGS_DEFAULTS = {
  logsDistinctIdAttributeKeys: ["posthogDistinctId"],
  logsSessionIdAttributeKeys: ["posthogSessionId"],
};

// ---- the settings ------------------------------------------------------------

const WEEK_START: EnumSpec = {
  name: "WeekStartDay",
  description: "The first day of the week in date filters.",
  values: {
    SUNDAY: { value: 0, description: "Weeks start on Sunday (PostHog's 0)." },
    MONDAY: { value: 1, description: "Weeks start on Monday (PostHog's 1)." },
  },
};
const RETENTION: EnumSpec = {
  name: "SessionRecordingRetentionPeriod",
  description: "How long session recordings are kept.",
  values: {
    THIRTY_DAYS: { value: "30d", description: "30 days (PostHog's `30d`)." },
    NINETY_DAYS: { value: "90d", description: "90 days (PostHog's `90d`)." },
    ONE_YEAR: { value: "1y", description: "One year (PostHog's `1y`)." },
    FIVE_YEARS: { value: "5y", description: "Five years (PostHog's `5y`)." },
  },
};
const BUSINESS_MODEL: EnumSpec = {
  name: "BusinessModel",
  description: "Whom the product sells to.",
  values: {
    B2B: { value: "b2b", description: "Business to business." },
    B2C: { value: "b2c", description: "Business to consumer." },
    OTHER: { value: "other", description: "Something else." },
  },
};
const MATCH_TYPE: EnumSpec = {
  name: "SessionRecordingTriggerMatchType",
  description: "Whether all or any of the recording triggers must match.",
  values: {
    ALL: { value: "all", description: "Every trigger must match." },
    ANY: { value: "any", description: "One matching trigger is enough." },
  },
};
const COOKIELESS: EnumSpec = {
  name: "CookielessServerHashMode",
  description: "How cookieless tracking hashes visitors on the server.",
  values: {
    DISABLED: { value: 0, description: "Cookieless tracking is off (PostHog's 0)." },
    STATELESS: { value: 1, description: "Stateless hashing (PostHog's 1)." },
    STATEFUL: { value: 2, description: "Stateful hashing (PostHog's 2)." },
  },
};
const CURRENCY: EnumSpec = {
  name: "CurrencyCode",
  description: "An ISO 4217 currency code.",
  values: Object.fromEntries(CURRENCY_CODES.map((c) => [c, { value: c, description: `The ISO 4217 currency ${c}.` }])),
};

export const SETTINGS: SettingDef[] = [
  def(
    "stringList",
    "appUrls",
    "URLs of the sites and apps that send events (toolbar, heatmaps). Blank entries are dropped; at most 5 `*` wildcards per host.",
    urlListSchema,
    { nullable: false, default: [] },
  ),
  def("string", "slackIncomingWebhook", "Slack incoming-webhook URL for action notifications.", z.string().url().max(500)),
  bool("anonymizeIps", "Whether client IP addresses are discarded at ingestion.", { nullable: false, default: false }),
  bool("completedSnippetOnboarding", "Whether the snippet-installation onboarding was completed. Any member may set it.", {
    nullable: false,
    default: false,
    memberWritable: true,
  }),
  jsonList(
    "testAccountFilters",
    "Property filters that identify internal and test accounts: a list of PostHog property filters ({key, type, operator, value}).",
    { nullable: false, default: [], schema: testAccountFiltersSchema },
  ),
  bool("testAccountFiltersDefaultChecked", "Whether new insights filter out test accounts by default."),
  jsonList(
    "pathCleaningFilters",
    "Rules {regex, alias} that normalize URL paths in path analyses: each regex must compile under re2, and the alias may refer only to its groups (\\1).",
    { schema: pathCleaningFiltersSchema },
  ),
  bool("isDemo", "Whether this holds generated demo data.", { nullable: false, default: false }),
  def("string", "timezone", "The IANA time zone dates are shown and bucketed in (default UTC).", timezoneSchema, {
    nullable: false,
    default: "UTC",
  }),
  jsonList(
    "dataAttributes",
    "HTML data attributes the toolbar uses to identify elements. A JSON list; its entries are not checked (PostHog accepts any JSON here).",
    { nullable: false, default: ["data-attr"] },
  ),
  def(
    "stringList",
    "personDisplayNameProperties",
    "Person properties used, in order, as a person's display name (each ≤400 characters).",
    z.array(z.string().min(1).max(400, "Each property must be at most 400 characters.")),
  ),
  jsonObject(
    "correlationConfig",
    "Properties and events excluded from correlation analyses. A JSON object; its keys are not checked (PostHog accepts any JSON here).",
  ),
  bool("autocaptureOptOut", "Whether autocapture is turned off."),
  bool("autocaptureExceptionsOptIn", "Whether exceptions are captured automatically. Any member may set it.", { memberWritable: true }),
  bool("autocaptureWebVitalsOptIn", "Whether web vitals are captured automatically. Any member may set it.", { memberWritable: true }),
  json(
    "autocaptureWebVitalsAllowedMetrics",
    'Which web vitals are captured (e.g. ["LCP", "CLS"]). Any JSON (PostHog does not check it). Any member may set it.',
    { memberWritable: true },
  ),
  json(
    "autocaptureExceptionsErrorsToIgnore",
    "Exception messages to ignore when capturing automatically: a list of strings, at most 300 characters as JSON altogether.",
    { schema: errorsToIgnoreSchema },
  ),
  bool("captureConsoleLogOptIn", "Whether console logs are captured with recordings."),
  bool("capturePerformanceOptIn", "Whether network performance is captured with recordings."),
  bool("sessionRecordingOptIn", "Whether session recording is on. Any member may set it.", {
    nullable: false,
    default: false,
    memberWritable: true,
  }),
  def(
    "string",
    "sessionRecordingSampleRate",
    'Share of sessions recorded: a decimal string from "0.00" to "1.00" (two places).',
    sampleRateSchema,
  ),
  def(
    "int",
    "sessionRecordingMinimumDurationMilliseconds",
    "Recordings shorter than this (0–30000 ms) are discarded.",
    z.number().int().min(0, "Must be at least 0.").max(30000, "Must be at most 30000 (30 s)."),
  ),
  def("json", "sessionRecordingLinkedFlag", "The feature flag that gates recording: {id, key} or {id, key, variant}.", linkedFlagSchema),
  jsonObject(
    "sessionRecordingNetworkPayloadCaptureConfig",
    "Whether request/response headers and bodies are captured: an object with only the keys recordHeaders and recordBody.",
    { schema: networkPayloadCaptureSchema },
  ),
  jsonObject(
    "sessionRecordingMaskingConfig",
    "What recordings mask: {maskAllInputs (boolean), maskTextSelector, blockSelector (CSS selectors)}, no other keys.",
    { schema: maskingConfigSchema },
  ),
  jsonList(
    "sessionRecordingUrlTriggerConfig",
    "URL patterns that start a recording. A JSON list; its entries are not checked (PostHog accepts any JSON entries).",
  ),
  jsonList(
    "sessionRecordingUrlBlocklistConfig",
    "URL patterns that pause a recording. A JSON list; its entries are not checked (PostHog accepts any JSON entries).",
  ),
  def("stringList", "sessionRecordingEventTriggerConfig", "Event names that start a recording.", z.array(z.string().min(1).max(400))),
  enumDef("sessionRecordingTriggerMatchTypeConfig", "Whether all or any recording triggers must match.", MATCH_TYPE),
  json(
    "sessionRecordingTriggerGroups",
    "Groups of recording triggers with their own sampling: {version: 2, groups: [{id, name?, sampleRate (0–1), minDurationMs? (0–30000), " +
      "conditions: {matchType: any|all, events?, urls? [{url (regex), matching: regex}], flag?, properties?}}], fallbackSampleRate?}.",
    { schema: triggerGroupsSchema },
  ),
  enumDef("sessionRecordingRetentionPeriod", "How long recordings are kept.", RETENTION, { nullable: false, default: "30d" }),
  jsonObject(
    "sessionReplayConfig",
    "Session replay options: {record_canvas, ai_config: {opt_in, included_event_properties, preferred_events, excluded_events, " +
      "important_user_properties}}. Written keys are merged into the stored object, an object under a key one level deep " +
      "(sending {ai_config: {opt_in}} keeps the other ai_config keys); null clears the whole config.",
    { merge: "nested", schema: sessionReplayConfigSchema },
  ),
  jsonObject(
    "surveyConfig",
    "Survey appearance defaults. A JSON object whose keys are not checked (PostHog accepts any). Written keys are merged into the stored object.",
    { merge: "keys" },
  ),
  bool("accessControl", "Whether access to this project is restricted (legacy access control).", { nullable: false, default: false }),
  enumDef("weekStartDay", "The first day of the week; null means the locale's default.", WEEK_START),
  def(
    "int",
    "primaryDashboard",
    "PostHog id of the dashboard shown first: a dashboard of this project (environment). Any member may set it.",
    z.number().int().positive(),
    {
      memberWritable: true,
    },
  ),
  def("stringList", "liveEventsColumns", "Columns shown in the live events view.", z.array(z.string().min(1).max(400))),
  def("stringList", "recordingDomains", "Domains recordings are accepted from (same rules as appUrls).", urlListSchema),
  bool("injectWebApps", "Whether site apps are injected into pages."),
  jsonObject("extraSettings", "Miscellaneous settings. A JSON object whose keys are not checked (PostHog accepts any JSON here)."),
  jsonObject(
    "modifiers",
    "HogQL query modifiers overriding the defaults: only PostHog's modifier keys with their types (e.g. bounceRateDurationSeconds, " +
      "1–120; personsOnEventsMode, one of its modes). Written keys are merged into the stored object.",
    { merge: "keys", schema: modifiersSchema },
  ),
  jsonObject(
    "hasCompletedOnboardingFor",
    "Which products' onboarding is complete: {product_key: boolean}. Not checked further (PostHog accepts any JSON). Any member may set it.",
    { memberWritable: true },
  ),
  bool("surveysOptIn", "Whether surveys are on. Any member may set it.", { memberWritable: true }),
  bool("heatmapsOptIn", "Whether heatmap data is captured."),
  bool("flagsPersistenceDefault", "Whether new feature flags persist across authentication by default."),
  bool("receiveOrgLevelActivityLogs", "Whether organization-level activity notifications are received."),
  enumDef("businessModel", "Whom the product sells to; null when not said.", BUSINESS_MODEL),
  bool("conversationsEnabled", "Whether the conversations (support) product is on. Turning it on creates a widget token; off clears it."),
  jsonObject(
    "conversationsSettings",
    "Conversations widget settings. Written keys are merged; `widget_public_token` is set only by generateProjectConversationsPublicToken " +
      "and the Slack/Teams/email connection keys only by their integrations; widget_domains are URLs (blank entries dropped, " +
      "at most 5 `*` per host).",
    { merge: "keys", schema: conversationsSettingsSchema },
  ),
  jsonObject("logsSettings", "Logs product settings: retention_days is 14 or 30; other keys are not checked.", {
    schema: logsSettingsSchema,
  }),
  bool("proactiveTasksEnabled", "Whether PostHog may suggest tasks proactively."),
  jsonObject(
    "revenueAnalyticsConfig",
    "Revenue analytics: {base_currency, events: [{eventName, revenueProperty, ...}], goals, filter_test_accounts}, no other keys.",
    {
      schema: revenueAnalyticsConfigSchema,
      nullable: false,
      default: { base_currency: "USD", events: [], goals: [], filter_test_accounts: false },
    },
  ),
  jsonObject(
    "marketingAnalyticsConfig",
    "Marketing analytics: sources_map, conversion_goals [{kind, name, ...}], attribution_window_days (1–90), attribution_mode " +
      "(first_touch|last_touch), campaign_name_mappings, custom_source_mappings, campaign_field_preferences; no other keys.",
    {
      schema: marketingAnalyticsConfigSchema,
      nullable: false,
      default: {
        sources_map: {},
        conversion_goals: [],
        attribution_window_days: 90,
        attribution_mode: "last_touch",
        campaign_name_mappings: {},
        custom_source_mappings: {},
        campaign_field_preferences: {},
      },
    },
  ),
  jsonObject(
    "customerAnalyticsConfig",
    "Customer analytics: the activity, signup, subscription and payment events (any JSON) and account_group_type_index (0–4 or null); " +
      "no other keys.",
    {
      schema: customerAnalyticsConfigSchema,
      nullable: false,
      default: {
        activity_event: null,
        signup_pageview_event: null,
        signup_event: null,
        subscription_event: null,
        payment_event: null,
        account_group_type_index: null,
      },
    },
  ),
  jsonObject(
    "workflowsConfig",
    "Workflows options: {capture_workflows_engagement_events (boolean), email_tracking_consent_mode (off|opt_out|opt_in)}.",
    {
      schema: workflowsConfigSchema,
      nullable: false,
      default: { capture_workflows_engagement_events: false },
    },
  ),
  enumDef("baseCurrency", "The currency revenue is shown in (ISO 4217; default USD).", CURRENCY, { nullable: false, default: "USD" }),
  bool("captureDeadClicks", "Whether dead clicks are captured."),
  enumDef("cookielessServerHashMode", "How cookieless tracking hashes visitors.", COOKIELESS),
  bool("humanFriendlyComparisonPeriods", "Whether comparisons use calendar-aligned periods."),
  bool("featureFlagConfirmationEnabled", "Whether changing a feature flag asks for confirmation."),
  def("string", "featureFlagConfirmationMessage", "The message shown when confirming a feature flag change.", z.string().max(1000)),
  bool("defaultEvaluationContextsEnabled", "Whether new flags get the default evaluation contexts."),
  bool("requireEvaluationContexts", "Whether flags must declare evaluation contexts."),
  def("int", "defaultDataTheme", "The default color theme of charts.", z.number().int()),
  jsonObject(
    "onboardingTasks",
    "Progress of the onboarding checklist. A JSON object whose keys are not checked (PostHog accepts any JSON). Any member may set it.",
    { memberWritable: true },
  ),
  bool("webAnalyticsPreAggregatedTablesEnabled", "Whether web analytics reads pre-aggregated tables."),
  def(
    "string",
    "experimentRecalculationTime",
    "Time of day (UTC, `HH:MM` or `HH:MM:SS`) when experiment metrics are recalculated; null uses the default.",
    z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, "Must be a time of day, HH:MM or HH:MM:SS."),
    { environmentOnly: true },
  ),
];

export const SETTINGS_BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));
export const SETTINGS_BY_POSTHOG_NAME = new Map(SETTINGS.map((s) => [s.posthog, s]));

export type StoredSettings = Record<string, unknown>;

/** A setting's current value: the stored one, else its default. */
export function settingValue(settings: StoredSettings, setting: SettingDef): unknown {
  const stored = settings[setting.key];
  return stored === undefined ? setting.default : stored;
}

/** Every setting's value (defaults filled in), keyed by GraphQL name. */
export function allSettings(settings: StoredSettings): StoredSettings {
  return Object.fromEntries(SETTINGS.map((s) => [s.key, settingValue(settings, s)]));
}
