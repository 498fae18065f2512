// Validates a settings patch from an update input against the registry. All
// invalid fields are reported together; valid ones come back normalized.
import { z } from "zod";
import { SETTINGS, type SettingDef } from "./registry.js";
import { DEFAULT_JSON_SETTING_LIMITS } from "../../config.js";
import { jsonNestingDepth } from "../../limits.js";

export interface JsonSettingLimits {
  /** The largest value, in bytes of its JSON text. */
  maxBytes: number;
  /** How deeply its objects and arrays may nest. */
  maxDepth: number;
}

/**
 * The limits every JSON setting is held to. Module state because the input
 * schemas are built once at import; createApp sets it from the configuration
 * (MAX_JSON_SETTING_BYTES, MAX_JSON_SETTING_DEPTH), anything else (CLI,
 * scripts) gets the defaults.
 */
let jsonSettingLimits: JsonSettingLimits = { ...DEFAULT_JSON_SETTING_LIMITS };

export function setJsonSettingLimits(limits: JsonSettingLimits): void {
  jsonSettingLimits = { ...limits };
}

const formatBytes = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${bytes} bytes`;

/**
 * Why a JSON value is over the limits, or null. Depth first, so a value too
 * deep is never serialized; then the size of its JSON text. (A 1.4 MB
 * extraSettings made every later read and write of its project slow.)
 */
export function jsonSettingProblem(value: unknown, limits: JsonSettingLimits = jsonSettingLimits): string | null {
  if (value === null || typeof value !== "object") return null;
  const depth = jsonNestingDepth(value, limits.maxDepth);
  if (depth > limits.maxDepth) return `Must nest at most ${limits.maxDepth} levels of objects and arrays.`;
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > limits.maxBytes) return `Must be at most ${formatBytes(limits.maxBytes)} as JSON; this is ${formatBytes(bytes)}.`;
  return null;
}

/** The size and depth check of JSON settings, before the setting's own rules (which would walk the whole value). */
const withinJsonLimits = z.unknown().transform((value, ctx) => {
  const problem = jsonSettingProblem(value);
  if (problem) {
    ctx.addIssue({ code: "custom", message: problem });
    return z.NEVER;
  }
  return value;
});

/**
 * Null for a setting that has a default instead: one clear issue, before the
 * value's own rules run (whose messages would not say why). An `invalid_type`
 * ending in "received null", which userErrorsFromZod reports as REQUIRED.
 */
const notNull = z.unknown().transform((value, ctx): unknown => {
  if (value === null) {
    ctx.addIssue({
      code: "invalid_type",
      expected: "nonoptional",
      input: null,
      message: "Must not be null (this setting has a default; omit it to leave it unchanged): expected a value, received null",
    });
    return z.NEVER;
  }
  return value;
});

function fieldSchema(setting: SettingDef): z.ZodType {
  const base = setting.kind === "json" ? withinJsonLimits.pipe(setting.schema) : setting.schema;
  const withNull = setting.nullable ? base.nullable() : notNull.pipe(base);
  return withNull.optional();
}

/** A zod object over every setting (all optional), for composing into update inputs. */
export const settingsPatchShape: Record<string, z.ZodType> = Object.fromEntries(SETTINGS.map((s) => [s.key, fieldSchema(s)]));

/**
 * The settings of a create input: as settingsPatchShape, but a
 * primaryDashboard is refused (PostHog: "Primary dashboard cannot be set on
 * project creation."): a new project or environment has no dashboards yet.
 */
export const settingsCreateShape: Record<string, z.ZodType> = {
  ...settingsPatchShape,
  primaryDashboard: z
    .unknown()
    .refine((v) => v === undefined || v === null, "A primary dashboard cannot be set on creation: set it once the dashboard exists.")
    .optional(),
};
