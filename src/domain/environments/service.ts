// What can be done to an environment (PostHog's team): the rules of its
// actions (who may, what is validated, what is written and logged). Project
// actions run the same code on the project's primary environment, logged as
// "Project". Queries and writes are the store's; authorization is the
// policy's (src/auth/policy.ts), asked through ./access.ts.
import { SignJWT } from "jose";
import { randomBytes } from "node:crypto";
import type { Environment, Prisma } from "../../generated/prisma/client.js";
import { viewerOf, type Context } from "../../context.js";
import { diffFields, logActivity, type FieldChange } from "../activity/service.js";
import { allSettings } from "../settings/registry.js";
import { adminOnlySettings, oversizedMerges, patchedSettings, touchedSettings } from "../settings/patch.js";
import { limitToScope, undoChanges } from "../settings/history.js";
import {
  ok,
  refused,
  refusedOnRollback,
  RefusedInTransaction,
  userError,
  userErrorsFromZod,
  type Outcome,
  type UserError,
} from "../outcome.js";
import { addProductIntentInput, completeOnboardingInput, logsConfigInput } from "./validation.js";
import { assertCanOnEnvironment, getVisibleEnvironment } from "./access.js";
import {
  environmentChanges,
  LOGS_CONFIG_KEYS,
  logsConfigAfter,
  logsConfigOf,
  logAsEnvironment,
  settingsOf,
  TOKEN_CHANGES,
  type LogAs,
  type TokenChange,
} from "./rules.js";
import { environmentById, environmentPageQuery, lockedEnvironment, registerIntent, updateEnvironmentRow } from "./store.js";
import { reachableTeams } from "../../auth/policy.js";

type Tx = Prisma.TransactionClient;

async function log(
  tx: Tx,
  ctx: Context,
  env: Environment,
  as: LogAs,
  activity: string,
  name: string,
  changes: FieldChange[],
  context?: Record<string, unknown>,
) {
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

// ---- actions (the mutations of both Project and Environment) ------------------------

/** An action on an environment: `as` says how it is logged (as the project or as the environment). */
export type EnvironmentAction<Input> = (ctx: Context, env: Environment, as: LogAs, input: Input) => Promise<Outcome<Environment>>;

/** Runs an action on a visible environment (logged as it: "Team"); answers the environment as it is afterwards. */
export async function actOnEnvironment<Input>(
  ctx: Context,
  id: string,
  action: EnvironmentAction<Input>,
  input: Input,
): Promise<Outcome<Environment>> {
  const env = await getVisibleEnvironment(ctx, id);
  const outcome = await action(ctx, env, logAsEnvironment(env), input);
  if (!outcome.ok) return outcome;
  return ok(await environmentById(ctx.prisma, env.id));
}

// ---- tokens -----------------------------------------------------------------

/** Applies a token change to the locked, current row and logs it. */
async function changeTokens(ctx: Context, env: Environment, as: LogAs, change: TokenChange): Promise<Outcome<Environment>> {
  assertCanOnEnvironment(ctx, change.action, env);
  return ctx.prisma.$transaction(async (tx) => {
    const current = await lockedEnvironment(tx, env.id);
    const updated = await updateEnvironmentRow(tx, env.id, change.write(current));
    await log(tx, ctx, updated, as, "updated", updated.name, environmentChanges(as.scope, current, updated));
    return ok(updated);
  });
}

/** A new public token (`phc_`); the old one stops working at once. */
export const resetToken: EnvironmentAction<unknown> = (ctx, env, as) => changeTokens(ctx, env, as, TOKEN_CHANGES.reset);

/** A new secret token; the current one moves to the backup slot (still valid); an older backup is dropped. */
export const rotateSecretToken: EnvironmentAction<unknown> = (ctx, env, as) => changeTokens(ctx, env, as, TOKEN_CHANGES.rotateSecret);

/** Clears the backup secret token; without one it changes nothing and succeeds. */
export const deleteSecretTokenBackup: EnvironmentAction<unknown> = (ctx, env, as) =>
  changeTokens(ctx, env, as, TOKEN_CHANGES.deleteSecretBackup);

/** Sets `conversationsSettings.widget_public_token` to a fresh `phc_` token. */
export const generateConversationsToken: EnvironmentAction<unknown> = (ctx, env, as) =>
  changeTokens(ctx, env, as, TOKEN_CHANGES.conversations);

// ---- product intents --------------------------------------------------------

/**
 * Get-or-create the intent for (environment, product) and count its context.
 * Any member may do it. The product is one of PostHog's product keys (the
 * schema's ProductKey enum; validation refuses any other, listing them).
 */
export const addProductIntent: EnvironmentAction<unknown> = async (ctx, env, as, input) => {
  assertCanOnEnvironment(ctx, "project:add-product-intent", env);
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
};

/**
 * Marks a product's onboarding complete (creating the intent if needed):
 * onboardingCompletedAt = now on every completion, as PostHog records it;
 * `hasCompletedOnboardingFor` (a setting) is left alone, as PostHog leaves it.
 * Any member may do it.
 */
export const completeProductOnboarding: EnvironmentAction<unknown> = async (ctx, env, as, input) => {
  assertCanOnEnvironment(ctx, "project:complete-onboarding", env);
  const parsed = completeOnboardingInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  await ctx.prisma.$transaction(async (tx) => {
    await registerIntent(tx, env.id, parsed.data.productType, null, true);
    await log(tx, ctx, env, as, "product_onboarding_completed", env.name, [], { product_type: parsed.data.productType });
  });
  return ok(env);
};

// ---- settings -----------------------------------------------------------------

/**
 * Refuses (FORBIDDEN) a change of these settings and columns unless the
 * caller may make it: admins change everything, members only the settings
 * marked member-writable. `columns` are the non-setting keys changed (name, ...).
 */
export function assertMayChangeSettings(ctx: Context, env: Environment, patch: Record<string, unknown>, columns: string[] = []): void {
  const adminOnly = [...columns, ...adminOnlySettings(patch)];
  if (adminOnly.length) assertCanOnEnvironment(ctx, "project:update", env, `change: ${adminOnly.join(", ")}`);
  else assertCanOnEnvironment(ctx, "project:update-member-settings", env);
}

/** Whether a validated patch touches any setting. */
export const touchesSettings = (patch: Record<string, unknown>): boolean => touchedSettings(patch).length > 0;

/**
 * A primaryDashboard that is not a dashboard of this environment (PostHog:
 * "Dashboard does not belong to this team."): NOT_FOUND on the field, as
 * for any id inside an input that does not resolve.
 */
async function primaryDashboardErrors(ctx: Context, env: Environment, as: LogAs, patch: Record<string, unknown>): Promise<UserError[]> {
  const id = patch.primaryDashboard;
  if (typeof id !== "number") return [];
  const dashboard = await ctx.loaders.dashboardById.load(id);
  if (dashboard && dashboard.environmentId === env.id) return [];
  const where = as.scope === "Project" ? "project" : "environment";
  return [userError(["primaryDashboard"], `No dashboard ${id} in this ${where}.`, "NOT_FOUND")];
}

/**
 * Validated patch, authorized (assertMayChangeSettings) → one transaction:
 * applies settings (merging where PostHog merges) to the locked, current
 * row, keeps the conversations token rules, logs one entry. `extra` carries
 * the non-setting columns (name, ...), already validated. `hooks.beforeWrite`
 * runs first in the transaction (a project's own columns) and answers the
 * changes it made, for the entry. A primaryDashboard must be one of the
 * environment's dashboards (checked first, nothing written otherwise).
 */
export async function updateEnvironmentSettings(
  ctx: Context,
  env: Environment,
  as: LogAs,
  patch: Record<string, unknown>,
  extra: { name?: string },
  hooks: { beforeWrite?: (tx: Tx) => Promise<FieldChange[]> } = {},
): Promise<Outcome<Environment>> {
  // (Writing conversationsSettings.widget_public_token directly is refused by its validation.)
  const dashboardErrors = await primaryDashboardErrors(ctx, env, as, patch);
  if (dashboardErrors.length) return refused(...dashboardErrors);
  return refusedOnRollback(() =>
    ctx.prisma.$transaction(async (tx) => {
      // The project's part first: it locks the project row before this locks the environment (the lock order of src/db/row-locks.ts).
      const extraChanges = (await hooks.beforeWrite?.(tx)) ?? [];
      const current = await lockedEnvironment(tx, env.id);
      const settings = patchedSettings(settingsOf(current), patch);
      const oversized = oversizedMerges(settings, patch);
      // Thrown, not returned: the project's part above must roll back too.
      if (oversized.length) throw new RefusedInTransaction(oversized);
      const updated = await updateEnvironmentRow(tx, env.id, { settings, ...(extra.name !== undefined ? { name: extra.name } : {}) });
      // A project rename also renames its primary environment: list the field once.
      const changes = [
        ...extraChanges,
        ...environmentChanges(as.scope, current, updated).filter((c) => !extraChanges.some((e) => e.field === c.field)),
      ];
      await log(tx, ctx, updated, as, "updated", updated.name, changes);
      return ok(updated);
    }),
  );
}

// ---- logs config -------------------------------------------------------------

/** Changes the logs attribute keys (a list null or not given stays). Admins only. */
export const updateLogsConfig: EnvironmentAction<unknown> = async (ctx, env, as, input) => {
  assertCanOnEnvironment(ctx, "project:update-logs-config", env);
  const parsed = logsConfigInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  return ctx.prisma.$transaction(async (tx) => {
    const current = await lockedEnvironment(tx, env.id);
    const before = logsConfigOf(current);
    const after = logsConfigAfter(before, parsed.data);
    const updated = await updateEnvironmentRow(tx, env.id, { settings: { ...settingsOf(current), logsConfig: after } });
    await log(tx, ctx, updated, as, "updated", updated.name, diffFields(as.scope, before, after, LOGS_CONFIG_KEYS));
    return ok(updated);
  });
};

// ---- reads -------------------------------------------------------------------

/**
 * The settings as they were at `at`: start from now and undo, newest first,
 * every logged change made after it. `scope` limits the keys (camelCase or
 * PostHog's snake_case); unknown keys come back null.
 */
export async function settingsAsOf(
  ctx: Context,
  env: Environment,
  at: Date,
  scope: string[] | null | undefined,
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = { ...allSettings(settingsOf(env)), ...logsConfigOf(env) };
  // Batched across every parent of the request (a DataLoader), never one query per environment.
  const details = await ctx.loaders.activityDetailsAfter.load({ environmentId: env.id, at });
  return limitToScope(undoChanges(values, details), scope);
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

/**
 * The page query of Project.environments for the caller: a key limited to
 * some projects lists only their environments (the policy's visibility, as SQL).
 */
export function environmentListQuery(ctx: Context, columns: readonly string[] | null = null) {
  return environmentPageQuery(reachableTeams(viewerOf(ctx)) ?? [], columns);
}
