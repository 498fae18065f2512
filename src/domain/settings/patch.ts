// Applying a validated settings patch to the stored settings: the rules that
// need no database (what merges, the conversations token, the size limits of
// merged objects, which keys need an admin). The environment's service runs
// them on the locked, current row.
import { generateToken, TOKEN_PREFIX } from "../../auth/tokens.js";
import { userError, type UserError } from "../outcome.js";
import { SETTINGS, type SettingDef, type StoredSettings } from "./registry.js";
import { jsonSettingProblem } from "./validation.js";

/** The settings a patch touches (any value but undefined; null clears), in registry order. */
export function touchedSettings(patch: Record<string, unknown>): SettingDef[] {
  return SETTINGS.filter((s) => patch[s.key] !== undefined);
}

/** The keys of the settings a patch touches that only admins may change, in registry order. */
export function adminOnlySettings(patch: Record<string, unknown>): string[] {
  return touchedSettings(patch)
    .filter((s) => !s.memberWritable)
    .map((s) => s.key);
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * A sent object merged into a stored one: sent keys win, unsent ones are
 * kept. "nested" (PostHog's session_replay_config) also merges a sent object
 * into a stored object under the same key, one level deep; any other value
 * under a key replaces. A stored value that is not an object is replaced.
 */
export function mergeSettingObject(stored: unknown, sent: Record<string, unknown>, depth: "keys" | "nested"): Record<string, unknown> {
  if (!isObject(stored)) return sent;
  const merged: Record<string, unknown> = { ...stored, ...sent };
  if (depth === "nested") {
    for (const [key, value] of Object.entries(sent)) {
      const before = stored[key];
      if (isObject(before) && isObject(value)) merged[key] = { ...before, ...value };
    }
  }
  return merged;
}

/**
 * Applies a validated patch to stored settings: merge-type objects are merged
 * (mergeSettingObject); everything else, and null, replaces. Returns the new
 * stored settings.
 */
export function applySettingsPatch(current: StoredSettings, patch: Record<string, unknown>): StoredSettings {
  const next: StoredSettings = { ...current };
  for (const setting of touchedSettings(patch)) {
    const value = patch[setting.key];
    next[setting.key] = setting.merge && isObject(value) ? mergeSettingObject(current[setting.key], value, setting.merge) : value;
  }
  return next;
}

/**
 * Stored settings after a validated patch: merge-type objects merged, and the
 * conversations token rule applied when the patch sets conversationsEnabled.
 */
export function patchedSettings(current: StoredSettings, patch: Record<string, unknown>): StoredSettings {
  const settings = applySettingsPatch(current, patch);
  return patch.conversationsEnabled !== undefined ? conversationsTokenRule(settings) : settings;
}

/** Conversations on → a widget token exists; off → a token there is cleared (nothing else is touched). */
export function conversationsTokenRule(settings: StoredSettings): StoredSettings {
  const conv = (settings.conversationsSettings as Record<string, unknown> | null) ?? null;
  const token = conv?.widget_public_token ?? null;
  if (settings.conversationsEnabled === true && !token) {
    return { ...settings, conversationsSettings: { ...(conv ?? {}), widget_public_token: generateToken(TOKEN_PREFIX.publicProject) } };
  }
  if (settings.conversationsEnabled !== true && token !== null) {
    return { ...settings, conversationsSettings: { ...conv, widget_public_token: null } };
  }
  return settings;
}

/** The settings with a fresh conversations widget token (`phc_`), other conversations settings kept. */
export function withNewConversationsToken(settings: StoredSettings): StoredSettings {
  const conv = (settings.conversationsSettings as Record<string, unknown> | null) ?? {};
  return { ...settings, conversationsSettings: { ...conv, widget_public_token: generateToken(TOKEN_PREFIX.publicProject) } };
}

/**
 * Merged settings over the JSON limits: each write is checked alone by
 * validation, but keys merged into a stored object can add up over writes.
 */
export function oversizedMerges(settings: StoredSettings, patch: Record<string, unknown>): UserError[] {
  return touchedSettings(patch)
    .filter((s) => s.merge)
    .flatMap((s) => {
      const problem = jsonSettingProblem(settings[s.key]);
      return problem ? [userError([s.key], `${problem} (with the keys already stored)`, "INVALID")] : [];
    });
}
