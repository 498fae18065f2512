// The shapes of the JSON settings PostHog checks, each restating one of its
// validators (posthog/api/team.py: TeamSerializer.validate_*,
// validate_team_attrs, the nested config serializers; posthog/schema.py:
// HogQLQueryModifiers and the models it names). Every problem is reported
// with its path inside the value (so `["input", "modifiers",
// "bounceRateDurationSeconds"]`), all of them at once; a valid value comes
// back as given, or normalized where PostHog normalizes it (dropped blank
// domains, a numeric flag id). Where PostHog silently drops or coerces
// something malformed (unknown keys of nested configs, integration-managed
// conversations keys, non-boolean toggles), this API refuses it with a
// userError instead; the lists PostHog cleans entry by entry
// (slack_channel_ids, ai_reply_modes) are cleaned the same way.
import { z } from "zod";
import { CURRENCY_CODES } from "./currencies.js";
import { aliasBackreferences, pythonRegexProblem, re2Pattern } from "./patterns.js";
import { type AddIssue, checkPropertyFilter, checkTriggerPropertyFilters, isPlainObject } from "./property-filters.js";

type Path = (string | number)[];
/** Checks a value under `path`, reporting every problem; answers the (normalized) value. */
type Check = (value: unknown, path: Path, add: AddIssue) => unknown;

/** A zod schema of a Check: its issues become zod issues (each with its path), its result the parsed value. */
export function checked(check: Check): z.ZodType {
  return z.unknown().transform((value, ctx) => {
    let failed = false;
    const result = check(value, [], (path, message) => {
      failed = true;
      ctx.addIssue({ code: "custom", path, message });
    });
    return failed ? z.NEVER : result;
  });
}

/** A zod schema used inside a Check: its issues are reported under `path`. */
function viaZod(schema: z.ZodType): Check {
  return (value, path, add) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      add([...path, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))], issue.message);
    return value;
  };
}

const asCheck = (field: z.ZodType | Check): Check => (field instanceof z.ZodType ? viaZod(field) : field);

interface ObjectRules {
  /** Each known key's check. */
  fields: Record<string, z.ZodType | Check>;
  /** Keys that must be present. */
  required?: string[];
  /** Unknown keys are kept as given (PostHog does not look at them) rather than refused. */
  keepUnknown?: boolean;
  /** What the object is, for messages ("Session replay config"). */
  what: string;
}

function checkObject(value: unknown, path: Path, add: AddIssue, rules: ObjectRules): unknown {
  if (!isPlainObject(value)) {
    add(path, `${rules.what} must be a JSON object.`);
    return value;
  }
  const known = Object.keys(rules.fields);
  const result: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = rules.fields[key];
    if (field) result[key] = asCheck(field)(v, [...path, key], add);
    else if (rules.keepUnknown) result[key] = v;
    else add([...path, key], `${rules.what} has no key "${key}"; it takes ${known.join(", ")}.`);
  }
  for (const key of rules.required ?? []) if (!(key in value)) add([...path, key], `Missing required field "${key}".`);
  return result;
}

const object =
  (rules: ObjectRules): Check =>
  (value, path, add) =>
    checkObject(value, path, add, rules);
const nullable =
  (check: z.ZodType | Check): Check =>
  (value, path, add) =>
    value === null ? null : asCheck(check)(value, path, add);
const anyJson: Check = (value) => value;

// ---- autocapture_exceptions_errors_to_ignore (validate_team_attrs) -----------------

/** The length of Python's `json.dumps` of a list of strings (ASCII-escaped, ", " between items), as PostHog measures it. */
export function pythonJsonLength(list: readonly string[]): number {
  let length = 2 + Math.max(0, list.length - 1) * 2;
  for (const s of list) {
    length += 2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) length += 2;
      else if (c < 0x20 || c > 0x7e) length += 6;
      else length += 1;
    }
  }
  return length;
}

export const ERRORS_TO_IGNORE_MAX = 300;

/** A list of strings, at most 300 characters as JSON altogether: complex config belongs in posthog-js's initialization. */
export const errorsToIgnoreSchema = checked((value, path, add) => {
  if (!Array.isArray(value)) {
    add(path, "Must be a list of strings (the error messages to ignore).");
    return value;
  }
  value.forEach((entry, i) => {
    if (typeof entry !== "string") add([...path, i], "Must be a string.");
  });
  if (value.every((e) => typeof e === "string")) {
    const length = pythonJsonLength(value);
    if (length > ERRORS_TO_IGNORE_MAX) {
      add(
        path,
        `Must be at most ${ERRORS_TO_IGNORE_MAX} characters as JSON (this is ${length}); complex config belongs in posthog-js's initialization.`,
      );
    }
  }
  return value;
});

// ---- modifiers (validate_modifiers: HogQLQueryModifiers, extra="forbid") ----------

const choice = (values: readonly [string, ...string[]]) => z.enum(values, { error: `Must be one of ${values.join(", ")}.` }).nullable();
const flag = z.boolean({ error: "Must be true, false or null." }).nullable();

const CHANNEL_FIELDS = ["utm_source", "utm_medium", "utm_campaign", "referring_domain", "url", "pathname", "hostname"] as const;
const CHANNEL_OPERATORS = ["exact", "is_not", "is_set", "is_not_set", "icontains", "not_icontains", "regex", "not_regex"] as const;

/** PostHog's HogQLQueryModifiers: every key optional and nullable, no others. */
export const MODIFIER_FIELDS: Record<string, z.ZodType> = {
  bounceRateDurationSeconds: z
    .number({ error: "Must be a number of seconds." })
    .min(1, "Must be between 1 and 120 seconds.")
    .max(120, "Must be between 1 and 120 seconds.")
    .nullable(),
  bounceRatePageViewMode: choice(["count_pageviews", "uniq_urls", "uniq_page_screen_autocaptures"]),
  convertToProjectTimezone: flag,
  customChannelTypeRules: z
    .array(
      z.strictObject({
        id: z.string(),
        channel_type: z.string(),
        combiner: z.enum(["AND", "OR"], { error: "Must be AND or OR." }),
        items: z.array(
          z.strictObject({
            id: z.string(),
            key: z.enum(CHANNEL_FIELDS, { error: `Must be one of ${CHANNEL_FIELDS.join(", ")}.` }),
            op: z.enum(CHANNEL_OPERATORS, { error: `Must be one of ${CHANNEL_OPERATORS.join(", ")}.` }),
            value: z
              .union([z.string(), z.array(z.string())])
              .nullable()
              .optional(),
          }),
        ),
      }),
    )
    .nullable(),
  dataWarehouseEventsModifiers: z
    .array(z.strictObject({ table_name: z.string(), timestamp_field: z.string(), distinct_id_field: z.string(), id_field: z.string() }))
    .nullable(),
  debug: flag,
  forceClickhouseDataSkippingIndexes: z.array(z.string()).nullable(),
  formatCsvAllowDoubleQuotes: flag,
  inCohortVia: choice(["auto", "leftjoin", "subquery", "leftjoin_conjoined"]),
  inlineCohortCalculation: choice(["off", "auto", "always"]),
  materializationMode: choice(["auto", "legacy_null_as_string", "legacy_null_as_null", "disabled"]),
  materializedColumnsOptimizationMode: choice(["disabled", "optimized"]),
  optimizeJoinedFilters: flag,
  optimizeProjections: flag,
  personsArgMaxVersion: choice(["auto", "v1", "v2"]),
  personsJoinMode: choice(["inner", "left"]),
  personsOnEventsMode: choice([
    "disabled",
    "person_id_no_override_properties_on_events",
    "person_id_override_properties_on_events",
    "person_id_override_properties_joined",
  ]),
  propertyGroupsMode: choice(["enabled", "disabled", "optimized"]),
  s3TableUseInvalidColumns: flag,
  sessionTableVersion: choice(["auto", "v1", "v2", "v3"]),
  sessionsV2JoinMode: choice(["string", "uuid"]),
  timings: flag,
  useMaterializedViews: flag,
  usePreaggregatedIntermediateResults: flag,
  usePreaggregatedTableTransforms: flag,
  useWebAnalyticsPreAggregatedTables: flag,
};

export const modifiersSchema = checked(object({ fields: MODIFIER_FIELDS, what: "Modifiers" }));

// ---- session replay (validate_session_replay_config, validate_session_replay_ai_summary_config) ----

export const AI_CONFIG_KEYS = ["included_event_properties", "opt_in", "preferred_events", "excluded_events", "important_user_properties"];

export const sessionReplayConfigSchema = checked(
  object({
    what: "Session replay config",
    fields: {
      record_canvas: anyJson,
      ai_config: nullable(object({ what: "ai_config", fields: Object.fromEntries(AI_CONFIG_KEYS.map((k) => [k, anyJson])) })),
    },
  }),
);

// ---- recording network capture and masking ------------------------------------------

export const networkPayloadCaptureSchema = checked(
  object({ what: "Network payload capture config", fields: { recordHeaders: anyJson, recordBody: anyJson } }),
);

export const maskingConfigSchema = checked(
  object({
    what: "Masking config",
    fields: {
      maskAllInputs: z.boolean({ error: "maskAllInputs must be a boolean." }),
      maskTextSelector: z.string({ error: "maskTextSelector must be a string." }),
      blockSelector: z.string({ error: "blockSelector must be a string." }),
    },
  }),
);

// ---- recording trigger groups (validate_session_recording_trigger_groups) -----------

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** One URL trigger {url, matching: "regex"}: the pattern must compile (Python's `re`). */
function checkTriggerUrl(url: unknown, at: Path, add: AddIssue): void {
  if (!isPlainObject(url) || !("url" in url) || !("matching" in url)) {
    add(at, "A URL config must have url and matching.");
    return;
  }
  if (url.matching !== "regex") add([...at, "matching"], 'URL matching must be "regex".');
  if (typeof url.url !== "string") {
    add([...at, "url"], "url must be a regular expression (a string).");
    return;
  }
  const problem = pythonRegexProblem(url.url);
  if (problem) add([...at, "url"], `Invalid regex pattern: ${problem}`);
}

/** One event trigger: an event name, or {name, properties?}. */
function checkTriggerEvent(event: unknown, at: Path, add: AddIssue): void {
  if (typeof event === "string") return;
  if (!isPlainObject(event)) {
    add(at, "Each event must be a string or an object with a string name.");
    return;
  }
  if (typeof event.name !== "string") add([...at, "name"], "An event object must have a string name.");
  if ("properties" in event) checkTriggerPropertyFilters(event.properties, [...at, "properties"], add);
}

function checkTriggerConditions(conditions: unknown, path: Path, add: AddIssue): void {
  if (!isPlainObject(conditions)) {
    add(path, "conditions must be an object.");
    return;
  }
  if ("matchType" in conditions && conditions.matchType !== "any" && conditions.matchType !== "all") {
    add([...path, "matchType"], 'Invalid matchType; must be "any" or "all".');
  }
  if ("events" in conditions) {
    if (!Array.isArray(conditions.events)) add([...path, "events"], "events must be a list.");
    else for (const [i, event] of conditions.events.entries()) checkTriggerEvent(event, [...path, "events", i], add);
  }
  if ("urls" in conditions) {
    if (!Array.isArray(conditions.urls)) add([...path, "urls"], "urls must be a list.");
    else for (const [i, url] of conditions.urls.entries()) checkTriggerUrl(url, [...path, "urls", i], add);
  }
  if ("flag" in conditions) {
    const flag = conditions.flag;
    if (isPlainObject(flag)) {
      if (typeof flag.key !== "string") add([...path, "flag", "key"], "A flag object must have a string key.");
    } else if (flag !== null && typeof flag !== "string") {
      add([...path, "flag"], "flag must be a flag key, an object {id, key, variant} or null.");
    }
  }
  if ("properties" in conditions) checkTriggerPropertyFilters(conditions.properties, [...path, "properties"], add);
}

const isRate = (v: unknown) => isNumber(v) && v >= 0 && v <= 1;

/** One trigger group {id, name?, sampleRate, minDurationMs?, conditions}. */
function checkTriggerGroup(group: unknown, at: Path, add: AddIssue): void {
  if (!isPlainObject(group)) {
    add(at, "Each group must be an object.");
    return;
  }
  for (const field of ["id", "sampleRate", "conditions"]) {
    if (!(field in group)) add([...at, field], `Missing required field '${field}'.`);
  }
  if ("sampleRate" in group && !isRate(group.sampleRate))
    add([...at, "sampleRate"], "Invalid sampleRate: must be a number between 0 and 1.");
  if ("minDurationMs" in group) {
    const ms = group.minDurationMs;
    if (typeof ms !== "number" || !Number.isInteger(ms)) add([...at, "minDurationMs"], "minDurationMs must be an integer.");
    else if (ms < 0 || ms > 30000) add([...at, "minDurationMs"], "minDurationMs must be between 0 and 30000 (30 s).");
  }
  if ("conditions" in group) checkTriggerConditions(group.conditions, [...at, "conditions"], add);
}

export const triggerGroupsSchema = checked((value, path, add) => {
  if (!isPlainObject(value)) {
    add(path, "Must be an object {version: 2, groups: [...]} or null.");
    return value;
  }
  if (!("version" in value)) add([...path, "version"], "Missing required field: 'version'.");
  else if (value.version !== 2) {
    add([...path, "version"], `Invalid version: ${JSON.stringify(value.version)}. Only version 2 is supported.`);
  }
  if (!("groups" in value)) add([...path, "groups"], "Missing required field: 'groups'.");
  else if (!Array.isArray(value.groups)) add([...path, "groups"], "groups must be a list.");
  else for (const [i, group] of value.groups.entries()) checkTriggerGroup(group, [...path, "groups", i], add);
  if ("fallbackSampleRate" in value && !isRate(value.fallbackSampleRate)) {
    add([...path, "fallbackSampleRate"], "fallbackSampleRate must be a number between 0 and 1.");
  }
  return value;
});

// ---- test account filters, path cleaning --------------------------------------------

export const testAccountFiltersSchema = checked((value, path, add) => {
  if (!Array.isArray(value)) add(path, "Must provide an array of valid property filters.");
  else for (const [i, filter] of value.entries()) checkPropertyFilter(filter, [...path, i], add);
  return value;
});

/** What is wrong with one path cleaning rule (and where inside it), or null. */
function pathCleaningRuleProblem(rule: unknown): { at: string[]; message: string } | null {
  if (!isPlainObject(rule)) return { at: [], message: "A path cleaning rule is an object {regex, alias}." };
  const { regex, alias } = rule;
  if (typeof regex !== "string" || regex === "") {
    return { at: ["regex"], message: "A path cleaning rule needs a regex. Remove the rule or give it one." };
  }
  const compiled = re2Pattern(regex);
  if ("problem" in compiled) return { at: ["regex"], message: `Invalid path cleaning regex '${regex}': ${compiled.problem}` };
  if (typeof alias !== "string" || alias === "") return null;
  const missing = aliasBackreferences(alias).find((ref) => ref > compiled.groups);
  if (missing === undefined) return null;
  return {
    at: ["alias"],
    message: `The alias '${alias}' references capture group \\${missing}, but its regex has ${compiled.groups} capture group(s).`,
  };
}

/** Rules {regex, alias}: each regex compiles under re2, and the alias refers only to groups it has. */
export const pathCleaningFiltersSchema = checked((value, path, add) => {
  if (!Array.isArray(value)) {
    add(path, "Must provide a list of path cleaning rules.");
    return value;
  }
  for (const [i, rule] of value.entries()) {
    const problem = pathCleaningRuleProblem(rule);
    if (problem) add([...path, i, ...problem.at], problem.message);
  }
  return value;
});

// ---- logs settings (validate_logs_settings) ------------------------------------------

export const LOGS_RETENTION_DAYS = [14, 30];

export const logsSettingsSchema = checked(
  object({
    what: "Logs settings",
    keepUnknown: true,
    fields: {
      retention_days: (value, path, add) => {
        if (value !== null && !LOGS_RETENTION_DAYS.includes(value as number))
          add(path, `retention_days must be one of ${LOGS_RETENTION_DAYS.join(", ")}.`);
        return value;
      },
    },
  }),
);

// ---- conversations settings (validate_conversations_settings) -----------------------

/** Keys only the API (the widget token) or an integration's own endpoints write. */
const CONVERSATIONS_MANAGED = [
  "slack_bot_token",
  "slack_team_id",
  "slack_enabled",
  "slack_scopes",
  "email_enabled",
  "teams_enabled",
  "teams_tenant_id",
  "teams_team_id",
  "teams_team_name",
  "teams_channel_id",
  "teams_channel_name",
  "teams_channels",
];
const AI_CHANNELS = ["widget", "email", "slack", "teams", "github"];
const AI_TICKET_TYPES = ["how_to", "diagnostic", "account_billing"];
const AI_REPLY_MODES = ["private_note", "bot_reply"];

/** A host's wildcards, as validate_authorized_url_wildcards counts them. */
export const tooManyWildcards = (url: string) =>
  (
    url
      .slice(url.indexOf("//") + 2)
      .split("/")[0]
      .match(/\*/g) ?? []
  ).length > 5;

const trimmedOrNull = (s: string) => s.trim() || null;
const controlCharacter = (s: string) => [...s].some((c) => c.charCodeAt(0) < 32);

export const conversationsSettingsSchema = checked((value, path, add) => {
  if (!isPlainObject(value)) {
    add(path, "Must be a JSON object.");
    return value;
  }
  const result: Record<string, unknown> = { ...value };
  const at = (key: string) => [...path, key];
  if ("widget_public_token" in value) {
    add(
      at("widget_public_token"),
      "The widget token is set by generateProjectConversationsPublicToken (or by turning conversationsEnabled on), not written directly.",
    );
  }
  for (const key of CONVERSATIONS_MANAGED) {
    if (key in value) add(at(key), `${key} is managed by the integration's own connection, not written directly.`);
  }
  if (value.widget_domains !== undefined && value.widget_domains !== null) {
    if (!Array.isArray(value.widget_domains)) add(at("widget_domains"), "widget_domains must be a list of URLs.");
    else {
      const domains = value.widget_domains.filter((d) => d !== null && d !== "");
      domains.forEach((domain, i) => {
        if (typeof domain !== "string") add([...at("widget_domains"), i], "Each widget domain must be a URL (a string).");
        else if (tooManyWildcards(domain))
          add([...at("widget_domains"), i], "Each URL can include up to 5 wildcards. Remove the extra ones from this entry.");
      });
      result.widget_domains = domains;
    }
  }
  if ("slack_channel_ids" in value) {
    const ids = value.slack_channel_ids;
    if (!Array.isArray(ids)) add(at("slack_channel_ids"), "slack_channel_ids must be a list of channel ids.");
    else result.slack_channel_ids = [...new Set(ids.filter((c): c is string => typeof c === "string" && c !== ""))].slice(0, 50);
  }
  if (value.slack_bot_icon_url !== undefined && value.slack_bot_icon_url !== null) {
    if (typeof value.slack_bot_icon_url !== "string") add(at("slack_bot_icon_url"), "Must be a string.");
    else {
      const url = trimmedOrNull(value.slack_bot_icon_url);
      if (url && !url.startsWith("https://")) add(at("slack_bot_icon_url"), "Must be an HTTPS URL.");
      result.slack_bot_icon_url = url;
    }
  }
  if (value.slack_bot_display_name !== undefined && value.slack_bot_display_name !== null) {
    if (typeof value.slack_bot_display_name !== "string") add(at("slack_bot_display_name"), "Must be a string.");
    else {
      const name = trimmedOrNull(value.slack_bot_display_name);
      if (name && (name.length > 200 || controlCharacter(name))) {
        add(at("slack_bot_display_name"), "Must be 200 characters or fewer with no control characters.");
      }
      result.slack_bot_display_name = name;
    }
  }
  for (const key of ["slack_notify_on_join", "slack_notify_on_leave", "slack_nudge_enabled"]) {
    if (key in value && typeof value[key] !== "boolean") add(at(key), "Must be true or false.");
  }
  if ("slack_alert_channel_id" in value && value.slack_alert_channel_id !== null) {
    if (typeof value.slack_alert_channel_id !== "string") add(at("slack_alert_channel_id"), "Must be a string.");
    else result.slack_alert_channel_id = trimmedOrNull(value.slack_alert_channel_id);
  }
  if ("ai_resolution_channels" in value && value.ai_resolution_channels !== null) {
    const channels = value.ai_resolution_channels;
    if (!Array.isArray(channels)) add(at("ai_resolution_channels"), "Must be a list of channel names or null.");
    else {
      const invalid = channels.filter((c) => typeof c !== "string" || !AI_CHANNELS.includes(c));
      if (invalid.length) {
        add(
          at("ai_resolution_channels"),
          `Invalid channel(s): ${invalid.map(String).join(", ")}. Valid options: ${AI_CHANNELS.join(", ")}.`,
        );
      }
    }
  }
  if ("ai_reply_modes" in value && value.ai_reply_modes !== null) {
    const modes = value.ai_reply_modes;
    if (!isPlainObject(modes)) add(at("ai_reply_modes"), "Must be an object or null.");
    else result.ai_reply_modes = cleanReplyModes(modes);
  }
  return result;
});

/**
 * `{channel: {ticket_type: mode}}` keeping only known channels, ticket types
 * and modes; only how_to replies may be published (bot_reply), the others
 * stay private notes. As PostHog cleans it.
 */
function cleanReplyModes(modes: Record<string, unknown>): Record<string, Record<string, string>> {
  const cleaned: Record<string, Record<string, string>> = {};
  for (const [channel, types] of Object.entries(modes)) {
    if (!AI_CHANNELS.includes(channel) || !isPlainObject(types)) continue;
    const map: Record<string, string> = {};
    for (const [ticketType, mode] of Object.entries(types)) {
      if (!AI_TICKET_TYPES.includes(ticketType) || !AI_REPLY_MODES.includes(mode as string)) continue;
      map[ticketType] = mode === "bot_reply" && ticketType !== "how_to" ? "private_note" : (mode as string);
    }
    if (Object.keys(map).length) cleaned[channel] = map;
  }
  return cleaned;
}

// ---- the analytics configs (their nested serializers) -------------------------------

const currency = z.enum(CURRENCY_CODES, { error: "Must be an ISO 4217 currency code, e.g. USD." });
const optionalString = z.string().nullable();

/** RevenueAnalyticsEventItem (extra="forbid"). */
const revenueEvent = object({
  what: "A revenue event",
  required: ["eventName", "revenueProperty"],
  fields: {
    eventName: z.string(),
    revenueProperty: z.string(),
    couponProperty: optionalString,
    productProperty: optionalString,
    subscriptionProperty: optionalString,
    currencyAwareDecimal: z.boolean().nullable(),
    revenueCurrencyProperty: z.strictObject({ property: optionalString.optional(), static: currency.nullable().optional() }).nullable(),
    subscriptionDropoffDays: z.number().nullable(),
    subscriptionDropoffMode: optionalString,
  },
});

const listOf =
  (item: Check, what: string): Check =>
  (value, path, add) => {
    if (!Array.isArray(value)) {
      add(path, `${what} must be a list.`);
      return value;
    }
    return value.map((v, i) => item(v, [...path, i], add));
  };

export const revenueAnalyticsConfigSchema = checked(
  object({
    what: "Revenue analytics config",
    fields: {
      base_currency: currency,
      events: listOf(revenueEvent, "events"),
      filter_test_accounts: z.boolean({ error: "Must be true or false." }),
      // Stored by earlier PostHog versions (and in this API's default); kept as given.
      goals: z.array(z.record(z.string(), z.json())),
    },
  }),
);

const conversionGoal = object({
  what: "A conversion goal",
  keepUnknown: true,
  required: ["kind", "name"],
  fields: {
    kind: z.enum(["EventsNode", "ActionsNode", "DataWarehouseNode"], { error: "Must be EventsNode, ActionsNode or DataWarehouseNode." }),
    name: z.string({ error: "A conversion goal needs a name (a string)." }),
  },
});

export const marketingAnalyticsConfigSchema = checked(
  object({
    what: "Marketing analytics config",
    fields: {
      sources_map: z.record(z.string(), z.record(z.string(), z.json()).nullable()),
      conversion_goals: listOf(conversionGoal, "conversion_goals"),
      attribution_window_days: z
        .number()
        .int("Must be a whole number of days.")
        .min(1, "Must be 1 to 90 days.")
        .max(90, "Must be 1 to 90 days."),
      attribution_mode: z.enum(["first_touch", "last_touch"], { error: "Must be first_touch or last_touch." }),
      campaign_name_mappings: z.record(z.string(), z.record(z.string(), z.array(z.string()))),
      custom_source_mappings: z.record(z.string(), z.array(z.string())),
      campaign_field_preferences: z.record(z.string(), z.record(z.string(), z.json())),
    },
  }),
);

/** The group type index of accounts: 0 to 4 (PostHog's GROUP_TYPES_LIMIT is 5) or null. */
export const customerAnalyticsConfigSchema = checked(
  object({
    what: "Customer analytics config",
    fields: {
      activity_event: anyJson,
      signup_pageview_event: anyJson,
      signup_event: anyJson,
      subscription_event: anyJson,
      payment_event: anyJson,
      account_group_type_index: z
        .number()
        .int("account_group_type_index is required to be at least 0 and less than 5.")
        .min(0, "account_group_type_index is required to be at least 0 and less than 5.")
        .max(4, "account_group_type_index is required to be at least 0 and less than 5.")
        .nullable(),
    },
  }),
);

export const workflowsConfigSchema = checked(
  object({
    what: "Workflows config",
    fields: {
      capture_workflows_engagement_events: z.boolean({ error: "Must be true or false." }),
      email_tracking_consent_mode: z.enum(["off", "opt_out", "opt_in"], { error: "Must be off, opt_out or opt_in." }),
    },
  }),
);
