// An environment's rules that need no database: how its changes are logged
// and diffed, what each token action writes, its logs configuration and its
// promoted product intent. The service applies them to locked, current rows.
import type { Environment, ProductIntent } from "../../generated/prisma/client.js";
import type { Action } from "../../auth/policy.js";
import { generateToken, TOKEN_PREFIX } from "../../auth/tokens.js";
import { diffFields, type FieldChange } from "../activity/service.js";
import { allSettings, LOGS_DEFAULTS, SETTINGS, type StoredSettings } from "../settings/registry.js";
import { withNewConversationsToken } from "../settings/patch.js";

/** How a change is logged: as the project (project mutations) or as the environment ("Team", PostHog's name, stored). */
export interface LogAs {
  scope: "Project" | "Team";
  itemId: number;
}

export const logAsEnvironment = (env: Pick<Environment, "id">): LogAs => ({ scope: "Team", itemId: env.id });
export const logAsProject = (project: { id: number }): LogAs => ({ scope: "Project", itemId: project.id });

/** The columns of an environment that its mutations write (settings as the stored JSON object). */
export interface EnvironmentWrite {
  name?: string;
  apiToken?: string;
  secretApiToken?: string | null;
  secretApiTokenBackup?: string | null;
  settings?: StoredSettings;
}

export const SECRET_FIELDS = new Set(["secretApiToken", "secretApiTokenBackup"]);
export const TOKEN_FIELDS = ["apiToken", "secretApiToken", "secretApiTokenBackup"] as const;

/** Where an environment keeps its settings (any row or JSON shape holding them). */
type WithSettings = { settings: unknown };

export function settingsOf(env: WithSettings): StoredSettings {
  return (env.settings ?? {}) as StoredSettings;
}

type Diffable = Pick<Environment, "name" | "apiToken" | "secretApiToken" | "secretApiTokenBackup"> & WithSettings;

/** The changes between two versions of an environment: its name, tokens and every setting (secrets masked). */
export function environmentChanges(scope: string, before: Diffable, after: Diffable): FieldChange[] {
  const flat = (e: Diffable) => ({
    name: e.name,
    apiToken: e.apiToken,
    secretApiToken: e.secretApiToken,
    secretApiTokenBackup: e.secretApiTokenBackup,
    ...allSettings(settingsOf(e)),
  });
  return diffFields(scope, flat(before), flat(after), ["name", ...TOKEN_FIELDS, ...SETTINGS.map((s) => s.key)], SECRET_FIELDS);
}

// ---- tokens -----------------------------------------------------------------

export interface TokenChange {
  /** The policy action (its level and what a refusal says). */
  action: Action;
  /** What to write, from the environment as stored now (locked). */
  write: (current: Pick<Environment, "secretApiToken"> & WithSettings) => EnvironmentWrite;
}

/** The token actions: each replaces or clears tokens of the current row. */
export const TOKEN_CHANGES: Record<"reset" | "rotateSecret" | "deleteSecretBackup" | "conversations", TokenChange> = {
  /** A new public token (`phc_`); the old one stops working at once. */
  reset: { action: "project:reset-token", write: () => ({ apiToken: generateToken(TOKEN_PREFIX.publicProject) }) },
  /** A new secret token; the current one moves to the backup slot (still valid); an older backup is dropped. */
  rotateSecret: {
    action: "project:rotate-secret",
    write: (current) => ({ secretApiToken: generateToken(TOKEN_PREFIX.secretProject), secretApiTokenBackup: current.secretApiToken }),
  },
  /** Clears the backup secret token; without one it changes nothing. */
  deleteSecretBackup: { action: "project:delete-secret-backup", write: () => ({ secretApiTokenBackup: null }) },
  /** Sets `conversationsSettings.widget_public_token` to a fresh `phc_` token. */
  conversations: {
    action: "project:generate-conversations-token",
    write: (current) => ({ settings: withNewConversationsToken(settingsOf(current)) }),
  },
};

// ---- logs config -------------------------------------------------------------

export type LogsConfig = {
  logsDistinctIdAttributeKeys: string[];
  logsSessionIdAttributeKeys: string[];
};

export const LOGS_CONFIG_KEYS = ["logsDistinctIdAttributeKeys", "logsSessionIdAttributeKeys"] as const;

export function logsConfigOf(env: WithSettings): LogsConfig {
  const stored = (settingsOf(env).logsConfig as Partial<LogsConfig> | undefined) ?? {};
  return {
    logsDistinctIdAttributeKeys: stored.logsDistinctIdAttributeKeys ?? LOGS_DEFAULTS.logsDistinctIdAttributeKeys,
    logsSessionIdAttributeKeys: stored.logsSessionIdAttributeKeys ?? LOGS_DEFAULTS.logsSessionIdAttributeKeys,
  };
}

/** The logs config after a validated change: a list not given stays as it is. */
export function logsConfigAfter(before: LogsConfig, change: Partial<LogsConfig>): LogsConfig {
  return {
    logsDistinctIdAttributeKeys: change.logsDistinctIdAttributeKeys ?? before.logsDistinctIdAttributeKeys,
    logsSessionIdAttributeKeys: change.logsSessionIdAttributeKeys ?? before.logsSessionIdAttributeKeys,
  };
}

// ---- product intents --------------------------------------------------------

export const PRIMARY_ONBOARDING_CONTEXT = "onboarding product selected - primary";

/** The product of the most recently updated intent chosen as primary during onboarding, or null. */
export function promotedProductIntent(intents: readonly Pick<ProductIntent, "productType" | "contexts" | "updatedAt">[]): string | null {
  const primary = intents.filter((i) => (i.contexts as Record<string, number> | null)?.[PRIMARY_ONBOARDING_CONTEXT]);
  primary.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  return primary[0]?.productType ?? null;
}
