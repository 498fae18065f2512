// Settings as they were at an instant, rebuilt from the activity log: the
// pure part of settingsAsOf (the environment's service loads the entries).
import { SETTINGS_BY_KEY, SETTINGS_BY_POSTHOG_NAME } from "./registry.js";

interface LoggedChange {
  field: string;
  action: string;
  before: unknown;
}

/**
 * The values before the logged changes: `details` are the activity entries'
 * details, newest first; each entry's changes are undone last to first. A
 * change to a key `values` does not hold is ignored; a setting the entry
 * created reads null before it.
 */
export function undoChanges(values: Record<string, unknown>, details: readonly unknown[]): Record<string, unknown> {
  const result = { ...values };
  for (const detail of details) {
    const changes = ((detail as { changes?: LoggedChange[] } | null)?.changes ?? []).slice().reverse();
    for (const change of changes) {
      if (!Object.hasOwn(result, change.field)) continue;
      result[change.field] = change.action === "created" ? null : change.before;
    }
  }
  return result;
}

/**
 * The values limited to `scope` (GraphQL or PostHog names; keys outside the
 * registry, as the logs config's, by their camelCase name too); unknown names
 * are dropped. No scope, or an empty one, keeps everything.
 */
export function limitToScope(values: Record<string, unknown>, scope: readonly string[] | null | undefined): Record<string, unknown> {
  if (!scope || scope.length === 0) return values;
  const result: Record<string, unknown> = {};
  for (const key of scope) {
    const setting = SETTINGS_BY_KEY.get(key) ?? SETTINGS_BY_POSTHOG_NAME.get(key);
    const camel = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    const name = setting?.key ?? (Object.hasOwn(values, key) ? key : Object.hasOwn(values, camel) ? camel : null);
    if (name) result[name] = values[name];
  }
  return result;
}
