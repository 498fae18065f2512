// API-key scopes: `object:read` / `object:write`, or `*` for all. Write implies read.

export const SCOPE_OBJECTS = ["organization", "project", "annotation", "cohort"] as const;
export type ScopeObject = (typeof SCOPE_OBJECTS)[number];
export type Scope = `${ScopeObject}:${"read" | "write"}`;

export const ALL_SCOPES: Scope[] = SCOPE_OBJECTS.flatMap((o) => [`${o}:read`, `${o}:write`] as Scope[]);

/** Whether a key holding `granted` may act with `required`. */
export function scopeAllows(granted: readonly string[], required: Scope): boolean {
  if (granted.includes("*") || granted.includes(required)) return true;
  if (required.endsWith(":read")) return granted.includes(required.replace(/:read$/, ":write"));
  return false;
}

/** Validates a scope string as accepted when creating a key. */
export function isValidScope(value: string): boolean {
  return value === "*" || (ALL_SCOPES as string[]).includes(value);
}
