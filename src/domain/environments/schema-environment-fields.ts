// The fields Project and Environment share, because a project's settings and
// tokens are its primary environment's (PostHog's team). Defined once here.
import type { ObjectRef } from "@pothos/core";
import type { Environment, GroupTypeMapping, ProductIntent } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { viewerOf, type Context } from "../../context.js";
import { can, type Action } from "../../auth/policy.js";
import { MembershipLevelEnum, membershipLevelOf } from "../organizations/schema.js";
import { settingOutputFields } from "../settings/schema.js";
import type { Types } from "../../schema/builder.js";
import { environmentPlacement } from "./access.js";
import { logsConfigOf, promotedProductIntent, settingsOf, type LogsConfig } from "./rules.js";
import { liveEventsToken, settingsAsOf } from "./service.js";

export const ProductIntentRef = builder.objectRef<ProductIntent>("ProductIntent").implement({
  description: "A product someone showed intent to use in an environment (onboarding).",
  fields: (t) => ({
    productType: t.exposeString("productType", { description: "The product key, e.g. `product_analytics`." }),
    contexts: t.field({
      type: "JSON",
      description: 'How often each intent context was registered, e.g. {"onboarding product selected - primary": 1}.',
      resolve: (i) => i.contexts ?? {},
    }),
    createdAt: t.field({ type: "DateTime", description: "When the intent was first registered.", resolve: (i) => i.createdAt }),
    updatedAt: t.field({ type: "DateTime", description: "When the intent was last registered.", resolve: (i) => i.updatedAt }),
    onboardingCompletedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When onboarding for the product was completed; null if not yet.",
      resolve: (i) => i.onboardingCompletedAt,
    }),
    activatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the product was first really used; null if not yet.",
      resolve: (i) => i.activatedAt,
    }),
  }),
});

export const GroupTypeRef = builder.objectRef<GroupTypeMapping>("GroupType").implement({
  description: "A group type (company, account, ...) for group analytics.",
  fields: (t) => ({
    groupType: t.exposeString("groupType", { description: "The group type's key, e.g. `company`." }),
    groupTypeIndex: t.exposeInt("groupTypeIndex", { description: "Its index (0–4) in PostHog's group columns." }),
    nameSingular: t.exposeString("nameSingular", { nullable: true, description: "Display name for one group." }),
    namePlural: t.exposeString("namePlural", { nullable: true, description: "Display name for several groups." }),
  }),
});

export const LogsConfigRef = builder.objectRef<LogsConfig>("LogsConfig").implement({
  description: "Which log attributes identify a person and a session.",
  fields: (t) => ({
    logsDistinctIdAttributeKeys: t.exposeStringList("logsDistinctIdAttributeKeys", {
      description: 'Attribute keys holding the distinct id (default ["posthogDistinctId"]).',
    }),
    logsSessionIdAttributeKeys: t.exposeStringList("logsSessionIdAttributeKeys", {
      description: 'Attribute keys holding the session id (default ["posthogSessionId"]).',
    }),
  }),
});

export const SettingsSnapshotRef = builder.objectRef<{ at: Date; values: Record<string, unknown> }>("SettingsSnapshot");
SettingsSnapshotRef.implement({
  description: "Settings as they were at an instant, rebuilt from the activity log. Fields outside the requested scope are null.",
  fields: (t) => ({
    at: t.field({ type: "DateTime", description: "The instant asked for.", resolve: (s) => s.at }),
    logsDistinctIdAttributeKeys: t.stringList({
      nullable: true,
      description: "Logs distinct-id attribute keys then.",
      resolve: (s) => (s.values.logsDistinctIdAttributeKeys as string[]) ?? null,
    }),
    logsSessionIdAttributeKeys: t.stringList({
      nullable: true,
      description: "Logs session-id attribute keys then.",
      resolve: (s) => (s.values.logsSessionIdAttributeKeys as string[]) ?? null,
    }),
    ...settingOutputFields(t, (s) => s.values, { allNullable: true, includeEnvironmentOnly: true, absentAsNull: true }),
  }),
});

export const ProjectAccessLevel = builder.enumType("ProjectAccessLevel", {
  description: "What the caller may do in a project (PostHog's `user_access_level`).",
  values: {
    NONE: { value: "none", description: "No access." },
    MEMBER: { value: "member", description: "Reads everything and changes member-level settings." },
    ADMIN: { value: "admin", description: "Changes every setting, tokens and the project itself." },
  } as const,
});

/** PostHog's default HogQL modifiers of an environment (read-only). */
export const DEFAULT_MODIFIERS = {
  personsOnEventsMode: "person_id_override_properties_on_events",
  personsArgMaxVersion: "auto",
  inCohortVia: "auto",
  materializationMode: "legacy_null_as_null",
  bounceRatePageViewMode: "count_pageviews",
  sessionTableVersion: "auto",
  propertyGroupsMode: "optimized",
};

const SETUP_TASKS = ["ingest_first_event", "set_up_reverse_proxy", "invite_team_member", "create_first_insight", "create_first_dashboard"];

/**
 * Whether the caller may do `action` to the environment of a parent already
 * resolved (and so seen): only the scope and level are asked. (A deleted
 * object is answered once more, by its delete mutation's payload, with the
 * fields it had.)
 */
function callerCan(ctx: Context, action: Action, env: Environment): boolean {
  return can(viewerOf(ctx), action, { ...environmentPlacement(env), pendingDeletion: false });
}

/** Adds the shared fields to Project or Environment; `envOf` finds the environment holding them. */
export function addEnvironmentFields<P>(
  ref: ObjectRef<Types, unknown, P>,
  envOf: (parent: P) => Environment,
  options: { includeEnvironmentOnly: boolean },
) {
  builder.objectFields(ref, (t) => ({
    apiToken: t.string({
      description: "The public project token (`phc_...`) that SDKs send events with.",
      resolve: (p) => envOf(p).apiToken,
    }),
    secretApiToken: t.string({
      nullable: true,
      description: "The secret token (`phs_...`) for server-side APIs. Only admins whose key has `project:write` see it; null for others.",
      resolve: (p, _a, ctx) => (callerCan(ctx, "project:read-secrets", envOf(p)) ? envOf(p).secretApiToken : null),
    }),
    secretApiTokenBackup: t.string({
      nullable: true,
      description: "The previous secret token, still valid until deleted. Visible as `secretApiToken` is.",
      resolve: (p, _a, ctx) => (callerCan(ctx, "project:read-secrets", envOf(p)) ? envOf(p).secretApiTokenBackup : null),
    }),
    ingestedEvent: t.boolean({ description: "Whether any event has been received.", resolve: (p) => envOf(p).ingestedEvent }),
    isGeneratingDemoData: t.boolean({ description: "Whether a demo-data job is running.", resolve: (p) => envOf(p).isGeneratingDemoData }),
    effectiveMembershipLevel: t.field({
      type: MembershipLevelEnum,
      nullable: true,
      description: "The caller's level in the owning organization.",
      resolve: (p, _a, ctx) => membershipLevelOf(viewerOf(ctx).levelIn(envOf(p).organizationId)),
    }),
    userAccessLevel: t.field({
      type: ProjectAccessLevel,
      description: "What the caller may do here.",
      resolve: (p, _a, ctx) => (callerCan(ctx, "project:administer", envOf(p)) ? "admin" : "member"),
    }),
    groupTypes: t.field({
      type: [GroupTypeRef],
      description: "The group types set up for group analytics.",
      resolve: (p, _a, ctx) => ctx.loaders.groupTypesByEnvironment.load(envOf(p).id),
    }),
    hasGroupTypes: t.boolean({
      description: "Whether any group type is set up.",
      resolve: async (p, _a, ctx) => (await ctx.loaders.groupTypesByEnvironment.load(envOf(p).id)).length > 0,
    }),
    liveEventsToken: t.string({
      description: "A signed token (JWT, valid 7 days) for the live events stream.",
      resolve: (p, _a, ctx) => liveEventsToken(ctx, envOf(p)),
    }),
    personOnEventsQueryingEnabled: t.boolean({
      description: "Whether queries read person properties from events (always true now).",
      resolve: () => true,
    }),
    defaultModifiers: t.field({
      type: "JSON",
      description: "PostHog's default query modifiers, which `modifiers` overrides.",
      resolve: () => DEFAULT_MODIFIERS,
    }),
    managedViewsets: t.field({
      type: "JSON",
      description: "Which managed view sets are enabled: {kind: boolean}.",
      resolve: (p) => settingsOf(envOf(p)).managedViewsets ?? {},
    }),
    availableSetupTaskIds: t.stringList({
      description: "Setup tasks still open for this project.",
      resolve: (p) => SETUP_TASKS.filter((task) => !(task === "ingest_first_event" && envOf(p).ingestedEvent)),
    }),
    productIntents: t.field({
      type: [ProductIntentRef],
      description: "Products someone showed intent to use here.",
      resolve: (p, _a, ctx) => ctx.loaders.productIntentsByEnvironment.load(envOf(p).id),
    }),
    promotedProductIntent: t.string({
      nullable: true,
      description: "The product chosen as primary during onboarding most recently (PostHog's `product_key`), or null.",
      resolve: async (p, _a, ctx) => promotedProductIntent(await ctx.loaders.productIntentsByEnvironment.load(envOf(p).id)),
    }),
    logsConfig: t.field({ type: LogsConfigRef, description: "The logs product's attribute keys.", resolve: (p) => logsConfigOf(envOf(p)) }),
    settingsAsOf: t.field({
      type: SettingsSnapshotRef,
      description: "The settings as they were at `at`, rebuilt from the activity log.",
      args: {
        at: t.arg({
          type: "DateTime",
          required: true,
          description: "The instant (ISO 8601; without an offset it is read as UTC, as PostHog does).",
        }),
        scope: t.arg.stringList({
          required: false,
          description: "Only these settings (GraphQL or PostHog names); unknown names are ignored.",
        }),
      },
      resolve: async (p, args, ctx) => ({
        at: args.at,
        values: await settingsAsOf(ctx, envOf(p), args.at, args.scope),
      }),
    }),
    ...settingOutputFields(t, (p) => settingsOf(envOf(p)), { includeEnvironmentOnly: options.includeEnvironmentOnly }),
  }));
}
