// Validates a settings patch from an update input against the registry. All
// invalid fields are reported together; valid ones come back normalized.
import { z } from "zod";
import { SETTINGS, type SettingDef, type StoredSettings } from "./registry.js";

/**
 * Null for a setting that has a default instead: one clear issue, before the
 * value's own rules run (whose messages would not say why). An `invalid_type`
 * ending in "received null", which userErrorsFromZod reports as REQUIRED.
 */
const notNull = z.unknown().transform((value, ctx) => {
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
  const base = setting.schema;
  const withNull = setting.nullable ? base.nullable() : notNull.pipe(base as z.ZodType<unknown, any>);
  return withNull.optional();
}

/** A zod object over every setting (all optional), for composing into update inputs. */
export const settingsPatchShape: Record<string, z.ZodType> = Object.fromEntries(SETTINGS.map((s) => [s.key, fieldSchema(s)]));

/** The settings a patch touches, in registry order. */
export function touchedSettings(patch: Record<string, unknown>): SettingDef[] {
  return SETTINGS.filter((s) => patch[s.key] !== undefined);
}

/**
 * Applies a validated patch to stored settings: merge-type objects are merged
 * key by key; everything else replaces. Returns the new stored settings.
 */
export function applySettingsPatch(current: StoredSettings, patch: Record<string, unknown>): StoredSettings {
  const next: StoredSettings = { ...current };
  for (const setting of touchedSettings(patch)) {
    const value = patch[setting.key];
    if (setting.merge && value !== null && typeof value === "object" && !Array.isArray(value)) {
      const stored = current[setting.key];
      const base = stored && typeof stored === "object" && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
      next[setting.key] = { ...base, ...(value as Record<string, unknown>) };
    } else {
      next[setting.key] = value;
    }
  }
  return next;
}
