// What can be done to an environment (PostHog's team). Project actions run
// the same code on the project's primary environment, logged as "Project".
import { SignJWT } from "jose";
import { randomBytes } from "node:crypto";
import { Prisma, type Environment, type ProductIntent } from "../../generated/prisma/client.js";
import { lockRow } from "../../db/row-locks.js";
import { viewerOf, type Context } from "../../context.js";
import { forbidden } from "../../errors.js";
import { generateToken, TOKEN_PREFIX } from "../../auth/tokens.js";
import { diffFields, logActivity } from "../activity/service.js";
import { allSettings, LOGS_DEFAULTS, SETTINGS, SETTINGS_BY_KEY, SETTINGS_BY_POSTHOG_NAME, type StoredSettings } from "../settings/registry.js";
import { applySettingsPatch, jsonSettingProblem, touchedSettings } from "../settings/validation.js";
import { ok, refused, refusedOnRollback, RefusedInTransaction, userError, userErrorsFromZod, type Outcome, type UserError } from "../outcome.js";
import { addProductIntentInput, completeOnboardingInput, logsConfigInput } from "./validation.js";
import { requireAdminOf } from "./access.js";

/** How a change is logged: as the project (project mutations) or as the environment ("Team", PostHog's name). */
export interface LogAs {
  scope: "Project" | "Team";
  itemId: number;
}
export const logAsEnvironment = (env: Environment): LogAs => ({ scope: "Team", itemId: env.id });

type Tx = Prisma.TransactionClient;

export const SECRET_FIELDS = new Set(["secretApiToken", "secretApiTokenBackup"]);
export const TOKEN_FIELDS = ["apiToken", "secretApiToken", "secretApiTokenBackup"] as const;

function settingsOf(env: Pick<Environment, "settings">): StoredSettings {
  return (env.settings ?? {}) as StoredSettings;
}

async function log(tx: Tx, ctx: Context, env: Environment, as: LogAs, activity: string, name: string, changes: ReturnType<typeof diffFields>, context?: Record<string, unknown>) {
  return logActivity(tx, {
    organizationId: env.organizationId,
    projectId: env.projectId,
    environmentId: env.id,
    userId: viewerOf(ctx).user.id,
    activity,
    scope: as.scope,
    itemId: as.itemId,
    detail: { name, changes, context: context ?? null },
  });
}

/** The changes between two versions of an environment: its name, tokens and every setting. */
export function environmentChanges(scope: string, before: Environment, after: Environment) {
  const flat = (e: Environment) => ({ name: e.name, apiToken: e.apiToken, secretApiToken: e.secretApiToken, secretApiTokenBackup: e.secretApiTokenBackup, ...allSettings(settingsOf(e)) });
  return diffFields(scope, flat(before), flat(after), ["name", ...TOKEN_FIELDS, ...SETTINGS.map((s) => s.key)], SECRET_FIELDS);
}

// ---- tokens -----------------------------------------------------------------

/**
 * The environment as stored now, locked until the transaction ends: what a
 * read-modify-write derives its write (and its activity entry's "before")
 * from. Concurrent writers of the same environment queue here.
 */
export async function lockedEnvironment(tx: Tx, id: number): Promise<Environment> {
  await lockRow(tx, "Environment", id);
  return tx.environment.findUniqueOrThrow({ where: { id } });
}

async function changeTokens(ctx: Context, env: Environment, as: LogAs, action: string, data: (current: Environment) => Prisma.EnvironmentUpdateInput, activity: string) {
  requireAdminOf(ctx, env.organizationId, action);
  return ctx.prisma.$transaction(async (tx) => {
    const current = await lockedEnvironment(tx, env.id);
    const updated = await tx.environment.update({ where: { id: env.id }, data: data(current) });
    await log(tx, ctx, updated, as, activity, updated.name, environmentChanges(as.scope, current, updated));
    return updated;
  });
}

/** A new public token (`phc_`); the old one stops working at once. */
export const resetToken = (ctx: Context, env: Environment, as: LogAs) =>
  changeTokens(ctx, env, as, "reset the project token", () => ({ apiToken: generateToken(TOKEN_PREFIX.publicProject) }), "updated");

/** A new secret token; the current one moves to the backup slot (still valid); an older backup is dropped. */
export const rotateSecretToken = (ctx: Context, env: Environment, as: LogAs) =>
  changeTokens(
    ctx,
    env,
    as,
    "rotate the secret token",
    (current) => ({ secretApiToken: generateToken(TOKEN_PREFIX.secretProject), secretApiTokenBackup: current.secretApiToken }),
    "updated",
  );

/** Clears the backup secret token; without one it changes nothing and succeeds. */
export const deleteSecretTokenBackup = (ctx: Context, env: Environment, as: LogAs) =>
  changeTokens(ctx, env, as, "delete the secret token backup", () => ({ secretApiTokenBackup: null }), "updated");

/** Sets `conversationsSettings.widget_public_token` to a fresh `phc_` token. */
export async function generateConversationsToken(ctx: Context, env: Environment, as: LogAs) {
  return changeTokens(
    ctx,
    env,
    as,
    "generate a conversations token",
    (current) => {
      const settings = settingsOf(current);
      const conv = (settings.conversationsSettings as Record<string, unknown> | null) ?? {};
      return { settings: { ...settings, conversationsSettings: { ...conv, widget_public_token: generateToken(TOKEN_PREFIX.publicProject) } } as Prisma.InputJsonValue };
    },
    "updated",
  );
}

// ---- product intents --------------------------------------------------------

export const PRIMARY_ONBOARDING_CONTEXT = "onboarding product selected - primary";

/**
 * Get-or-create the intent for (environment, product) and count `context` in
 * its contexts, in one statement: concurrent first intents for one product
 * meet in the unique index and each adds its count (ON CONFLICT DO UPDATE),
 * so none fails and no increment is lost.
 */
async function registerIntent(tx: Tx, envId: number, productType: string, context: string | null | undefined, completed: boolean) {
  const counted = context ? Prisma.sql`jsonb_build_object(${context}::text, 1)` : Prisma.sql`'{}'::jsonb`;
  const increment = context
    ? Prisma.sql`i.contexts || jsonb_build_object(${context}::text, coalesce((i.contexts ->> ${context}::text)::int, 0) + 1)`
    : Prisma.sql`i.contexts`;
  const completedAt = completed ? Prisma.sql`now()` : Prisma.sql`NULL::timestamptz`;
  const [intent] = await tx.$queryRaw<{ productType: string }[]>`
    INSERT INTO "ProductIntent" AS i ("environmentId", "productType", contexts, "onboardingCompletedAt", "updatedAt")
    VALUES (${envId}::int, ${productType}::text, ${counted}, ${completedAt}, now())
    ON CONFLICT ("environmentId", "productType") DO UPDATE SET
      contexts = ${increment},
      "onboardingCompletedAt" = coalesce(i."onboardingCompletedAt", EXCLUDED."onboardingCompletedAt"),
      "updatedAt" = now()
    RETURNING "productType"`;
  return intent;
}

/** Get-or-create the intent for (environment, product) and count its context. Any member may do it. */
export async function addProductIntent(ctx: Context, env: Environment, as: LogAs, input: unknown): Promise<Outcome<Environment>> {
  const parsed = addProductIntentInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  await ctx.prisma.$transaction(async (tx) => {
    const intent = await registerIntent(tx, env.id, parsed.data.productType, parsed.data.intentContext, false);
    await log(tx, ctx, env, as, "product_intent_added", env.name, [], {
      product_type: intent.productType,
      intent_context: parsed.data.intentContext ?? null,
      metadata: parsed.data.metadata ?? null,
    });
  });
  return ok(env);
}

/** Marks a product's onboarding complete (creating the intent if needed). Any member may do it. */
export async function completeProductOnboarding(ctx: Context, env: Environment, as: LogAs, input: unknown): Promise<Outcome<Environment>> {
  const parsed = completeOnboardingInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  await ctx.prisma.$transaction(async (tx) => {
    await registerIntent(tx, env.id, parsed.data.productType, null, true);
    await log(tx, ctx, env, as, "product_onboarding_completed", env.name, [], { product_type: parsed.data.productType });
  });
  return ok(env);
}

/** The product of the most recently updated intent chosen as primary during onboarding, or null. */
export function promotedProductIntent(intents: ProductIntent[]): string | null {
  const primary = intents.filter((i) => ((i.contexts as Record<string, number> | null) ?? {})[PRIMARY_ONBOARDING_CONTEXT]);
  primary.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  return primary[0]?.productType ?? null;
}

// ---- settings -----------------------------------------------------------------

/**
 * Validated patch → one transaction: checks levels, applies settings (merging
 * where PostHog merges) to the locked, current row, keeps the conversations
 * token rules, logs one entry. `extra` carries the non-setting columns (name,
 * ...), already validated. `hooks.beforeWrite` runs first in the transaction
 * (a project's own columns) and answers the changes it made, for the entry.
 */
export async function updateEnvironmentSettings(
  ctx: Context,
  env: Environment,
  as: LogAs,
  patch: Record<string, unknown>,
  extra: { name?: string },
  hooks: { beforeWrite?: (tx: Tx) => Promise<ReturnType<typeof diffFields>> } = {},
): Promise<Outcome<Environment>> {
  const principal = viewerOf(ctx);
  const touched = touchedSettings(patch);
  const adminOnly = touched.filter((s) => !s.memberWritable).map((s) => s.key);
  if (extra.name !== undefined) adminOnly.unshift("name");
  if (adminOnly.length && !principal.isAdminOf(env.organizationId)) {
    throw forbidden(`Only organization admins (level 8 or more) may change: ${adminOnly.join(", ")}.`);
  }
  // (Writing conversationsSettings.widget_public_token directly is refused by its validation.)
  return refusedOnRollback(() =>
    ctx.prisma.$transaction(async (tx) => {
      // The project's part first: it locks the project row before this locks the environment (the lock order of src/db/row-locks.ts).
      const extraChanges = (await hooks.beforeWrite?.(tx)) ?? [];
      const current = await lockedEnvironment(tx, env.id);
      const settings = patchedSettings(settingsOf(current), patch);
      const oversized = oversizedMerges(settings, patch);
      // Thrown, not returned: the project's part above must roll back too.
      if (oversized.length) throw new RefusedInTransaction(oversized);
      const updated = await tx.environment.update({
        where: { id: env.id },
        data: { settings: settings as Prisma.InputJsonValue, ...(extra.name !== undefined ? { name: extra.name } : {}) },
      });
      // A project rename also renames its primary environment: list the field once.
      const changes = [...extraChanges, ...environmentChanges(as.scope, current, updated).filter((c) => !extraChanges.some((e) => e.field === c.field))];
      await log(tx, ctx, updated, as, "updated", updated.name, changes);
      return ok(updated);
    }),
  );
}

/**
 * Merged settings over the JSON limits: each write is checked alone by
 * validation, but keys merged into a stored object can add up over writes.
 */
function oversizedMerges(settings: StoredSettings, patch: Record<string, unknown>): UserError[] {
  return touchedSettings(patch)
    .filter((s) => s.merge)
    .flatMap((s) => {
      const problem = jsonSettingProblem(settings[s.key]);
      return problem ? [userError([s.key], `${problem} (with the keys already stored)`, "INVALID")] : [];
    });
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
function conversationsTokenRule(settings: StoredSettings): StoredSettings {
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

// ---- logs config -------------------------------------------------------------

export interface LogsConfig {
  logsDistinctIdAttributeKeys: string[];
  logsSessionIdAttributeKeys: string[];
}

export function logsConfigOf(env: Pick<Environment, "settings">): LogsConfig {
  const stored = (settingsOf(env).logsConfig as Partial<LogsConfig> | undefined) ?? {};
  return {
    logsDistinctIdAttributeKeys: stored.logsDistinctIdAttributeKeys ?? LOGS_DEFAULTS.logsDistinctIdAttributeKeys,
    logsSessionIdAttributeKeys: stored.logsSessionIdAttributeKeys ?? LOGS_DEFAULTS.logsSessionIdAttributeKeys,
  };
}

export async function updateLogsConfig(ctx: Context, env: Environment, as: LogAs, input: unknown): Promise<Outcome<Environment>> {
  const parsed = logsConfigInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  requireAdminOf(ctx, env.organizationId, "change the logs configuration");
  return ctx.prisma.$transaction(async (tx) => {
    const current = await lockedEnvironment(tx, env.id);
    const before = logsConfigOf(current);
    const after: LogsConfig = {
      logsDistinctIdAttributeKeys: parsed.data.logsDistinctIdAttributeKeys ?? before.logsDistinctIdAttributeKeys,
      logsSessionIdAttributeKeys: parsed.data.logsSessionIdAttributeKeys ?? before.logsSessionIdAttributeKeys,
    };
    const updated = await tx.environment.update({
      where: { id: env.id },
      data: { settings: { ...settingsOf(current), logsConfig: after } as unknown as Prisma.InputJsonValue },
    });
    const changes = diffFields(as.scope, before as never, after as never, ["logsDistinctIdAttributeKeys", "logsSessionIdAttributeKeys"]);
    await log(tx, ctx, updated, as, "updated", updated.name, changes);
    return ok(updated);
  });
}

// ---- reads -------------------------------------------------------------------

/**
 * The settings as they were at `at`: start from now and undo, newest first,
 * every logged change made after it. `scope` limits the keys (camelCase or
 * PostHog's snake_case); unknown keys come back null.
 */
export async function settingsAsOf(ctx: Context, env: Environment, at: Date, scope: string[] | null | undefined): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = { ...allSettings(settingsOf(env)), ...logsConfigOf(env) };
  // Batched across every parent of the request (a DataLoader), never one query per environment.
  const details = await ctx.loaders.activityDetailsAfter.load({ environmentId: env.id, at });
  for (const detail of details) {
    const changes = ((detail as { changes?: { field: string; action: string; before: unknown }[] })?.changes ?? []).slice().reverse();
    for (const change of changes) {
      if (!Object.hasOwn(values, change.field)) continue;
      values[change.field] = change.action === "created" ? null : change.before;
    }
  }
  if (!scope || scope.length === 0) return values;
  const result: Record<string, unknown> = {};
  for (const key of scope) {
    const setting = SETTINGS_BY_KEY.get(key) ?? SETTINGS_BY_POSTHOG_NAME.get(key);
    // Settings outside the registry (the logs config keys) are matched by their camelCase name too.
    const camel = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    const name = setting?.key ?? (Object.hasOwn(values, key) ? key : Object.hasOwn(values, camel) ? camel : null);
    if (name) result[name] = values[name];
  }
  return result;
}

const processSecret = randomBytes(32);

/** A signed, short-lived (7 days) token for PostHog's live events stream. */
export async function liveEventsToken(ctx: Context, env: Environment): Promise<string> {
  const principal = viewerOf(ctx);
  const secret = ctx.config.LIVE_EVENTS_SECRET ? new TextEncoder().encode(ctx.config.LIVE_EVENTS_SECRET) : processSecret;
  return new SignJWT({ team_id: env.id, api_token: env.apiToken, user_id: principal.user.id, organization_id: env.organizationId })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("7d")
    .setAudience("posthog:livestream")
    .sign(secret);
}
