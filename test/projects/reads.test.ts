// Reading projects: lookups by global and integer id, Organization.projects
// (search, paging, totalCount, deleted hidden), Project.environments, every
// field of the seeds with its shape, secret visibility, the live events
// token, group types, product intents, demo-data flag, logs config.
import { describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { setupTestApp } from "../helpers/app.js";
import { environmentGid, helpers, MembershipLevel, projectGid, PUBLIC_TOKEN, SECRET_TOKEN } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

// Projects of t.org, oldest first: Alpha (with a staging environment and a group type), Beta, a deleted one, Gamma.
const alpha = await h.project(
  { timezone: "Europe/London", appUrls: ["https://alpha.example.com"], sessionRecordingSampleRate: "0.50" },
  "Alpha Web",
);
const staging = await h.environment(alpha.project, "Staging");
await prisma.groupTypeMapping.create({
  data: { environmentId: alpha.environment.id, groupType: "company", groupTypeIndex: 0, nameSingular: "Company", namePlural: "Companies" },
});
await prisma.groupTypeMapping.create({ data: { environmentId: alpha.environment.id, groupType: "account", groupTypeIndex: 1 } });
const beta = await h.project({}, "Beta Mobile");
const gone = await h.project({}, "Alpha Gone");
await prisma.project.update({ where: { id: gone.project.id }, data: { isPendingDeletion: true } });
await prisma.environment.updateMany({ where: { projectId: gone.project.id }, data: { isPendingDeletion: true } });
// Found by searches that escape LIKE wildcards ("100%_off").
await h.project({}, "gamma 100%_off");

const admin = await h.userAt(MembershipLevel.ADMIN);
const member = await h.userAt(MembershipLevel.MEMBER);
const adminReadOnly = await t.fixtures.key(admin.user.id, ["project:read"]);

const PROJECT = `query($id: ID!) { project(id: $id) { id databaseId projectId uuid name timezone } }`;

describe("project(id:)", () => {
  it("finds a project by its global id and by PostHog's integer id, the same object", async () => {
    const byGid = await h.ok(PROJECT, { id: projectGid(alpha.project.id) });
    const byInt = await h.ok(PROJECT, { id: String(alpha.project.id) });
    expect(byGid.project).toEqual(byInt.project);
    expect(byGid.project).toEqual({
      id: projectGid(alpha.project.id),
      databaseId: alpha.project.id,
      projectId: alpha.project.id,
      uuid: alpha.project.uuid,
      name: "Alpha Web",
      timezone: "Europe/London",
    });
  });

  it("answers a deleted project with NOT_FOUND", async () => {
    await h.fails("NOT_FOUND", PROJECT, { id: String(gone.project.id) });
    await h.fails("NOT_FOUND", PROJECT, { id: projectGid(gone.project.id) });
  });

  it("is reachable through node(id:) with the id it gives", async () => {
    const data = await h.ok(`query($id: ID!) { node(id: $id) { __typename ... on Project { name } } }`, {
      id: projectGid(beta.project.id),
    });
    expect(data.node).toEqual({ __typename: "Project", name: "Beta Mobile" });
  });
});

describe("environment(id:)", () => {
  const ENV = `query($id: ID!) { environment(id: $id) { id databaseId uuid name projectId isPrimary apiToken project { id name }
    organization { id } } }`;

  it("finds an environment by global id and integer id, with its project", async () => {
    const byGid = await h.ok(ENV, { id: environmentGid(staging.id) });
    const byInt = await h.ok(ENV, { id: String(staging.id) });
    expect(byGid).toEqual(byInt);
    expect(byGid.environment).toMatchObject({
      id: environmentGid(staging.id),
      databaseId: staging.id,
      uuid: staging.uuid,
      name: "Staging",
      projectId: alpha.project.id,
      isPrimary: false,
      apiToken: staging.apiToken,
      project: { id: projectGid(alpha.project.id), name: "Alpha Web" },
    });
  });

  it("marks the primary environment, which has the project's id", async () => {
    const data = await h.ok(ENV, { id: String(alpha.project.id) });
    expect(data.environment).toMatchObject({ databaseId: alpha.project.id, isPrimary: true, projectId: alpha.project.id });
  });

  it("hides the environments of a deleted project", async () => {
    await h.fails("NOT_FOUND", ENV, { id: String(gone.environment.id) });
  });

  it("does not take a project's global id (a different type)", async () => {
    await h.fails("NOT_FOUND", ENV, { id: projectGid(alpha.project.id) });
  });
});

describe("Organization.projects", () => {
  const LIST = `query($id: ID!, $search: String, $first: Int, $after: String, $last: Int, $before: String) {
    organization(id: $id) { projects(search: $search, first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } } }`;
  const names = (data: any) => data.organization.projects.edges.map((e: any) => e.node.name);

  it("lists the organization's projects oldest first, without deleted ones", async () => {
    const data = await h.ok(LIST, { id: t.org.id });
    expect(names(data)).toEqual(["Alpha Web", "Beta Mobile", "gamma 100%_off"]);
    expect(data.organization.projects.totalCount).toBe(3);
  });

  it("searches names ignoring case, counting only matches", async () => {
    for (const search of ["alpha", "ALPHA", "Alpha W", "pha w"]) {
      const data = await h.ok(LIST, { id: t.org.id, search });
      expect(names(data), search).toEqual(["Alpha Web"]);
      expect(data.organization.projects.totalCount).toBe(1);
    }
    expect(names(await h.ok(LIST, { id: t.org.id, search: "MOBILE" }))).toEqual(["Beta Mobile"]);
    expect(names(await h.ok(LIST, { id: t.org.id, search: "nothing like it" }))).toEqual([]);
  });

  it("treats % and _ in a search literally", async () => {
    expect(names(await h.ok(LIST, { id: t.org.id, search: "100%_" }))).toEqual(["gamma 100%_off"]);
    expect(names(await h.ok(LIST, { id: t.org.id, search: "%" }))).toEqual(["gamma 100%_off"]);
    expect(names(await h.ok(LIST, { id: t.org.id, search: "a_w" }))).toEqual([]);
  });

  it("pages forward and backward with cursors, totalCount being the whole list", async () => {
    const first = await h.ok(LIST, { id: t.org.id, first: 2 });
    expect(names(first)).toEqual(["Alpha Web", "Beta Mobile"]);
    expect(first.organization.projects).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    const next = await h.ok(LIST, { id: t.org.id, first: 2, after: first.organization.projects.pageInfo.endCursor });
    expect(names(next)).toEqual(["gamma 100%_off"]);
    expect(next.organization.projects).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    const last = await h.ok(LIST, { id: t.org.id, last: 1 });
    expect(names(last)).toEqual(["gamma 100%_off"]);
    const before = await h.ok(LIST, { id: t.org.id, last: 5, before: last.organization.projects.pageInfo.startCursor });
    expect(names(before)).toEqual(["Alpha Web", "Beta Mobile"]);
  });

  it("is read the same by a plain member", async () => {
    const data = await h.ok(LIST, { id: t.org.id }, member.key);
    expect(names(data)).toEqual(["Alpha Web", "Beta Mobile", "gamma 100%_off"]);
  });
});

describe("Project.environments and Environment.project", () => {
  it("lists a project's environments, the primary first", async () => {
    const data = await h.ok(
      `query($id: ID!) { project(id: $id) { primaryEnvironment { databaseId }
        environments { totalCount nodes { databaseId name isPrimary project { databaseId } } } } }`,
      {
        id: String(alpha.project.id),
      },
    );
    expect(data.project.primaryEnvironment.databaseId).toBe(alpha.project.id);
    expect(data.project.environments.totalCount).toBe(2);
    expect(data.project.environments.nodes).toEqual([
      { databaseId: alpha.project.id, name: "Alpha Web", isPrimary: true, project: { databaseId: alpha.project.id } },
      { databaseId: staging.id, name: "Staging", isPrimary: false, project: { databaseId: alpha.project.id } },
    ]);
  });

  it("pages environments", async () => {
    const data = await h.ok(
      `query($id: ID!) { project(id: $id) { environments(first: 1) { totalCount pageInfo { hasNextPage } nodes { name } } } }`,
      { id: String(alpha.project.id) },
    );
    expect(data.project.environments).toEqual({ totalCount: 2, pageInfo: { hasNextPage: true }, nodes: [{ name: "Alpha Web" }] });
  });

  it("leaves out a deleted environment", async () => {
    const p = await h.project();
    const e = await h.environment(p.project, "Deleted env");
    await prisma.environment.update({ where: { id: e.id }, data: { isPendingDeletion: true } });
    const data = await h.ok(`query($id: ID!) { project(id: $id) { environments { totalCount nodes { name } } } }`, {
      id: String(p.project.id),
    });
    expect(data.project.environments.totalCount).toBe(1);
  });
});

// Every field of PostHog's newest Project response (seed 000), as GraphQL names it.
const SEED_PROJECT_FIELDS = [
  "access_control",
  "anonymize_ips",
  "api_token",
  "app_urls",
  "autocapture_exceptions_errors_to_ignore",
  "autocapture_exceptions_opt_in",
  "autocapture_opt_out",
  "autocapture_web_vitals_allowed_metrics",
  "autocapture_web_vitals_opt_in",
  "available_setup_task_ids",
  "base_currency",
  "business_model",
  "capture_console_log_opt_in",
  "capture_dead_clicks",
  "capture_performance_opt_in",
  "completed_snippet_onboarding",
  "conversations_enabled",
  "conversations_settings",
  "cookieless_server_hash_mode",
  "correlation_config",
  "created_at",
  "customer_analytics_config",
  "data_attributes",
  "default_data_theme",
  "default_evaluation_contexts_enabled",
  "default_modifiers",
  "effective_membership_level",
  "extra_settings",
  "feature_flag_confirmation_enabled",
  "feature_flag_confirmation_message",
  "flags_persistence_default",
  "group_types",
  "has_completed_onboarding_for",
  "has_group_types",
  "heatmaps_opt_in",
  "human_friendly_comparison_periods",
  "id",
  "ingested_event",
  "inject_web_apps",
  "is_demo",
  "is_pending_deletion",
  "live_events_columns",
  "live_events_token",
  "logs_settings",
  "managed_viewsets",
  "marketing_analytics_config",
  "modifiers",
  "name",
  "onboarding_tasks",
  "organization",
  "path_cleaning_filters",
  "person_display_name_properties",
  "person_on_events_querying_enabled",
  "primary_dashboard",
  "proactive_tasks_enabled",
  "product_description",
  "product_intents",
  "product_key",
  "project_id",
  "receive_org_level_activity_logs",
  "recording_domains",
  "require_evaluation_contexts",
  "revenue_analytics_config",
  "secret_api_token",
  "secret_api_token_backup",
  "session_recording_event_trigger_config",
  "session_recording_linked_flag",
  "session_recording_masking_config",
  "session_recording_minimum_duration_milliseconds",
  "session_recording_network_payload_capture_config",
  "session_recording_opt_in",
  "session_recording_retention_period",
  "session_recording_sample_rate",
  "session_recording_trigger_groups",
  "session_recording_trigger_match_type_config",
  "session_recording_url_blocklist_config",
  "session_recording_url_trigger_config",
  "session_replay_config",
  "survey_config",
  "surveys_opt_in",
  "test_account_filters",
  "test_account_filters_default_checked",
  "timezone",
  "updated_at",
  "user_access_level",
  "uuid",
  "web_analytics_pre_aggregated_tables_enabled",
  "week_start_day",
  "workflows_config",
  // responses of the project actions
  "is_generating_demo_data",
  "logs_config",
  "settings_as_of",
];
const RENAMED: Record<string, string> = { id: "databaseId", product_key: "promotedProductIntent" };
const camel = (s: string) => RENAMED[s] ?? s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

async function typeFields(name: string): Promise<Map<string, string>> {
  const data = await h.ok(
    `query($name: String!) { __type(name: $name) { fields { name type { kind name ofType { kind name ofType { kind name
      ofType { name } } } } } } }`,
    { name },
  );
  const show = (ty: any): string =>
    ty.kind === "NON_NULL" ? `${show(ty.ofType)}!` : ty.kind === "LIST" ? `[${show(ty.ofType)}]` : ty.name;
  return new Map(data.__type.fields.map((f: any) => [f.name, show(f.type)]));
}

describe("every field of the seeds", () => {
  it("has a Project field for every field of PostHog's project response", async () => {
    const fields = await typeFields("Project");
    const missing = SEED_PROJECT_FIELDS.map(camel).filter((f) => !fields.has(f));
    expect(missing).toEqual([]);
  });

  it("has the same fields on Environment, plus the environment-only ones", async () => {
    const project = await typeFields("Project");
    const env = await typeFields("Environment");
    const projectOnly = new Set(["productDescription", "isPendingDeletion", "environments", "primaryEnvironment", "promotedProductIntent"]);
    const missing = SEED_PROJECT_FIELDS.map(camel).filter((f) => !projectOnly.has(f) && !env.has(f));
    expect(missing).toEqual([]);
    expect(env.get("experimentRecalculationTime")).toBe("String");
    expect(project.has("experimentRecalculationTime")).toBe(false);
    expect(env.get("eventIngestionRestrictions")).toBe("[EventIngestionRestriction!]!");
    expect(env.has("promotedProductIntent")).toBe(true);
  });

  it("types the documented enums as GraphQL enums and the sample rate as a string", async () => {
    const fields = await typeFields("Project");
    expect(fields.get("sessionRecordingSampleRate")).toBe("String");
    expect(fields.get("weekStartDay")).toBe("WeekStartDay");
    expect(fields.get("sessionRecordingRetentionPeriod")).toBe("SessionRecordingRetentionPeriod!");
    expect(fields.get("businessModel")).toBe("BusinessModel");
    expect(fields.get("baseCurrency")).toBe("CurrencyCode!");
    expect(fields.get("cookielessServerHashMode")).toBe("CookielessServerHashMode");
    expect(fields.get("sessionRecordingTriggerMatchTypeConfig")).toBe("SessionRecordingTriggerMatchType");
    expect(fields.get("effectiveMembershipLevel")).toBe("OrganizationMembershipLevel");
    expect(fields.get("userAccessLevel")).toBe("ProjectAccessLevel!");
    expect(fields.get("timezone")).toBe("String!");
    expect(fields.get("modifiers")).toBe("JSON");
  });
});

const ALL_FIELDS = `
  id databaseId projectId uuid name productDescription createdAt updatedAt isPendingDeletion organization { id }
  apiToken secretApiToken secretApiTokenBackup ingestedEvent isGeneratingDemoData effectiveMembershipLevel userAccessLevel
  groupTypes { groupType groupTypeIndex nameSingular namePlural } hasGroupTypes liveEventsToken personOnEventsQueryingEnabled
  defaultModifiers managedViewsets availableSetupTaskIds productIntents { productType } promotedProductIntent
  logsConfig { logsDistinctIdAttributeKeys logsSessionIdAttributeKeys }
  accessControl anonymizeIps appUrls autocaptureExceptionsErrorsToIgnore autocaptureExceptionsOptIn autocaptureOptOut
  autocaptureWebVitalsAllowedMetrics autocaptureWebVitalsOptIn baseCurrency businessModel captureConsoleLogOptIn captureDeadClicks
  capturePerformanceOptIn completedSnippetOnboarding conversationsEnabled conversationsSettings cookielessServerHashMode
  correlationConfig customerAnalyticsConfig dataAttributes defaultDataTheme defaultEvaluationContextsEnabled extraSettings
  featureFlagConfirmationEnabled featureFlagConfirmationMessage flagsPersistenceDefault hasCompletedOnboardingFor heatmapsOptIn
  humanFriendlyComparisonPeriods injectWebApps isDemo liveEventsColumns logsSettings marketingAnalyticsConfig modifiers onboardingTasks
  pathCleaningFilters personDisplayNameProperties primaryDashboard proactiveTasksEnabled receiveOrgLevelActivityLogs recordingDomains
  requireEvaluationContexts revenueAnalyticsConfig sessionRecordingEventTriggerConfig sessionRecordingLinkedFlag
  sessionRecordingMaskingConfig sessionRecordingMinimumDurationMilliseconds sessionRecordingNetworkPayloadCaptureConfig
  sessionRecordingOptIn sessionRecordingRetentionPeriod
  sessionRecordingSampleRate sessionRecordingTriggerGroups sessionRecordingTriggerMatchTypeConfig sessionRecordingUrlBlocklistConfig
  sessionRecordingUrlTriggerConfig sessionReplayConfig slackIncomingWebhook surveyConfig surveysOptIn testAccountFilters
  testAccountFiltersDefaultChecked timezone webAnalyticsPreAggregatedTablesEnabled weekStartDay workflowsConfig`;

describe("the fields of a project", () => {
  it("reads every field of a seeded project with PostHog's shapes and defaults", async () => {
    const { project: p } = await h.ok(`query($id: ID!) { project(id: $id) { ${ALL_FIELDS} } }`, { id: String(alpha.project.id) });
    expect(p).toMatchObject({
      databaseId: alpha.project.id,
      projectId: alpha.project.id,
      uuid: alpha.project.uuid,
      name: "Alpha Web",
      productDescription: null,
      isPendingDeletion: false,
      organization: { id: expect.any(String) },
      apiToken: alpha.environment.apiToken,
      secretApiToken: alpha.environment.secretApiToken,
      secretApiTokenBackup: null,
      ingestedEvent: false,
      isGeneratingDemoData: false,
      effectiveMembershipLevel: "OWNER",
      userAccessLevel: "ADMIN",
      hasGroupTypes: true,
      personOnEventsQueryingEnabled: true,
      managedViewsets: {},
      productIntents: [],
      promotedProductIntent: null,
      logsConfig: { logsDistinctIdAttributeKeys: ["posthogDistinctId"], logsSessionIdAttributeKeys: ["posthogSessionId"] },
      // settings: the seeded ones, and PostHog's defaults for the rest
      timezone: "Europe/London",
      appUrls: ["https://alpha.example.com"],
      sessionRecordingSampleRate: "0.50",
      sessionRecordingRetentionPeriod: "THIRTY_DAYS",
      baseCurrency: "USD",
      weekStartDay: null,
      businessModel: null,
      cookielessServerHashMode: null,
      accessControl: false,
      anonymizeIps: false,
      completedSnippetOnboarding: false,
      isDemo: false,
      sessionRecordingOptIn: false,
      dataAttributes: ["data-attr"],
      testAccountFilters: [],
      modifiers: null,
      sessionReplayConfig: null,
      revenueAnalyticsConfig: { base_currency: "USD", events: [], goals: [], filter_test_accounts: false },
      workflowsConfig: { capture_workflows_engagement_events: false },
    });
    expect(p.apiToken).toMatch(PUBLIC_TOKEN);
    expect(p.secretApiToken).toMatch(SECRET_TOKEN);
    expect(new Date(p.createdAt).toISOString()).toBe(p.createdAt);
    expect(new Date(p.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(p.createdAt).getTime());
    expect(p.defaultModifiers).toMatchObject({ personsOnEventsMode: expect.any(String) });
    expect(p.availableSetupTaskIds).toContain("ingest_first_event");
    expect(p.marketingAnalyticsConfig).toMatchObject({ attribution_window_days: 90, attribution_mode: "last_touch" });
    expect(p.customerAnalyticsConfig).toHaveProperty("signup_event", null);
  });

  it("defaults the time zone to UTC and reads other enum values in UPPER_CASE", async () => {
    await prisma.environment.update({
      where: { id: beta.environment.id },
      data: {
        settings: {
          weekStartDay: 1,
          sessionRecordingRetentionPeriod: "1y",
          businessModel: "b2c",
          baseCurrency: "EUR",
          cookielessServerHashMode: 2,
          sessionRecordingTriggerMatchTypeConfig: "any",
          sessionRecordingSampleRate: "0.05",
        },
      },
    });
    const { project } = await h.ok(
      `query($id: ID!) { project(id: $id) { timezone weekStartDay sessionRecordingRetentionPeriod businessModel baseCurrency
        cookielessServerHashMode sessionRecordingTriggerMatchTypeConfig sessionRecordingSampleRate } }`,
      { id: String(beta.project.id) },
    );
    expect(project).toEqual({
      timezone: "UTC",
      weekStartDay: "MONDAY",
      sessionRecordingRetentionPeriod: "ONE_YEAR",
      businessModel: "B2C",
      baseCurrency: "EUR",
      cookielessServerHashMode: "STATEFUL",
      sessionRecordingTriggerMatchTypeConfig: "ANY",
      sessionRecordingSampleRate: "0.05",
    });
  });

  it("reads the caller's level: MEMBER for a member", async () => {
    const { project } = await h.ok(
      `query($id: ID!) { project(id: $id) { effectiveMembershipLevel userAccessLevel } }`,
      { id: String(alpha.project.id) },
      member.key,
    );
    expect(project).toEqual({ effectiveMembershipLevel: "MEMBER", userAccessLevel: "MEMBER" });
  });
});

describe("secret tokens", () => {
  const SECRETS = `query($id: ID!) { project(id: $id) { secretApiToken secretApiTokenBackup primaryEnvironment { secretApiToken }
    environments { nodes { secretApiToken secretApiTokenBackup } } } }`;

  it("shows them to an admin whose key has project:write", async () => {
    await prisma.environment.update({
      where: { id: alpha.environment.id },
      data: { secretApiTokenBackup: "phs_backupbackupbackupbackup" },
    });
    try {
      for (const key of [t.ownerKey, admin.key]) {
        const { project } = await h.ok(SECRETS, { id: String(alpha.project.id) }, key);
        expect(project.secretApiToken).toBe(alpha.environment.secretApiToken);
        expect(project.secretApiTokenBackup).toBe("phs_backupbackupbackupbackup");
        expect(project.primaryEnvironment.secretApiToken).toBe(alpha.environment.secretApiToken);
        expect(project.environments.nodes[1].secretApiToken).toBe(staging.secretApiToken);
      }
    } finally {
      await prisma.environment.update({ where: { id: alpha.environment.id }, data: { secretApiTokenBackup: null } });
    }
  });

  it("answers null to a member, and to an admin whose key has only project:read", async () => {
    await prisma.environment.update({
      where: { id: alpha.environment.id },
      data: { secretApiTokenBackup: "phs_backupbackupbackupbackup" },
    });
    try {
      for (const key of [member.key, adminReadOnly]) {
        const res = await t.gql(SECRETS, { id: String(alpha.project.id) }, { key });
        expect(res.errors).toBeUndefined();
        expect(res.data.project).toEqual({
          secretApiToken: null,
          secretApiTokenBackup: null,
          primaryEnvironment: { secretApiToken: null },
          environments: {
            nodes: [
              { secretApiToken: null, secretApiTokenBackup: null },
              { secretApiToken: null, secretApiTokenBackup: null },
            ],
          },
        });
        expect(JSON.stringify(res)).not.toContain("phs_");
      }
    } finally {
      await prisma.environment.update({ where: { id: alpha.environment.id }, data: { secretApiTokenBackup: null } });
    }
  });
});

describe("liveEventsToken", () => {
  it("is an HS256 JWT with the team, token, user and organization, valid for 7 days", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { project } = await h.ok(
      `query($id: ID!) { project(id: $id) { liveEventsToken } }`,
      { id: String(alpha.project.id) },
      member.key,
    );
    const after = Math.ceil(Date.now() / 1000);
    expect(project.liveEventsToken.split(".")).toHaveLength(3);
    expect(decodeProtectedHeader(project.liveEventsToken).alg).toBe("HS256");
    const claims = decodeJwt(project.liveEventsToken);
    expect(claims).toMatchObject({
      team_id: alpha.project.id,
      api_token: alpha.environment.apiToken,
      user_id: member.user.id,
      organization_id: t.org.id,
    });
    expect(claims.iat!).toBeGreaterThanOrEqual(before - 1);
    expect(claims.iat!).toBeLessThanOrEqual(after);
    expect(claims.exp! - claims.iat!).toBe(7 * 24 * 3600);
  });

  it("is the environment's own token on a further environment", async () => {
    const { environment } = await h.ok(`query($id: ID!) { environment(id: $id) { liveEventsToken } }`, { id: String(staging.id) });
    expect(decodeJwt(environment.liveEventsToken)).toMatchObject({ team_id: staging.id, api_token: staging.apiToken });
  });
});

describe("group types, product intents, demo data, logs config", () => {
  it("lists group types by index and says whether there are any", async () => {
    const q = `query($id: ID!) { project(id: $id) { hasGroupTypes groupTypes { groupType groupTypeIndex nameSingular namePlural } } }`;
    expect((await h.ok(q, { id: String(alpha.project.id) })).project).toEqual({
      hasGroupTypes: true,
      groupTypes: [
        { groupType: "company", groupTypeIndex: 0, nameSingular: "Company", namePlural: "Companies" },
        { groupType: "account", groupTypeIndex: 1, nameSingular: null, namePlural: null },
      ],
    });
    expect((await h.ok(q, { id: String(beta.project.id) })).project).toEqual({ hasGroupTypes: false, groupTypes: [] });
    // a further environment has its own (none)
    const env = await h.ok(`query($id: ID!) { environment(id: $id) { hasGroupTypes groupTypes { groupType } } }`, {
      id: String(staging.id),
    });
    expect(env.environment).toEqual({ hasGroupTypes: false, groupTypes: [] });
  });

  it("lists product intents and promotes the most recently updated primary onboarding choice", async () => {
    const p = await h.project();
    const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
    await prisma.productIntent.create({
      data: {
        environmentId: p.environment.id,
        productType: "product_analytics",
        contexts: { "onboarding product selected - primary": 1 },
        createdAt: at(1),
        updatedAt: at(1),
      },
    });
    await prisma.productIntent.create({
      data: {
        environmentId: p.environment.id,
        productType: "session_replay",
        contexts: { "onboarding product selected - primary": 2 },
        createdAt: at(2),
        updatedAt: at(5),
        onboardingCompletedAt: at(4),
      },
    });
    await prisma.productIntent.create({
      data: {
        environmentId: p.environment.id,
        productType: "surveys",
        contexts: { "onboarding product selected - secondary": 1 },
        createdAt: at(3),
        updatedAt: at(9),
      },
    });
    const { project } = await h.ok(
      `query($id: ID!) { project(id: $id) { promotedProductIntent productIntents {
        productType contexts createdAt updatedAt onboardingCompletedAt activatedAt } } }`,
      { id: String(p.project.id) },
    );
    expect(project.promotedProductIntent).toBe("session_replay");
    expect(project.productIntents).toEqual([
      {
        productType: "product_analytics",
        contexts: { "onboarding product selected - primary": 1 },
        createdAt: at(1).toISOString(),
        updatedAt: at(1).toISOString(),
        onboardingCompletedAt: null,
        activatedAt: null,
      },
      {
        productType: "session_replay",
        contexts: { "onboarding product selected - primary": 2 },
        createdAt: at(2).toISOString(),
        updatedAt: at(5).toISOString(),
        onboardingCompletedAt: at(4).toISOString(),
        activatedAt: null,
      },
      {
        productType: "surveys",
        contexts: { "onboarding product selected - secondary": 1 },
        createdAt: at(3).toISOString(),
        updatedAt: at(9).toISOString(),
        onboardingCompletedAt: null,
        activatedAt: null,
      },
    ]);
  });

  it("says whether demo data is being generated, per environment", async () => {
    const p = await h.project();
    const e = await h.environment(p.project);
    await prisma.environment.update({ where: { id: p.environment.id }, data: { isGeneratingDemoData: true } });
    const data = await h.ok(
      `query($id: ID!, $env: ID!) { project(id: $id) { isGeneratingDemoData } environment(id: $env) { isGeneratingDemoData } }`,
      {
        id: String(p.project.id),
        env: String(e.id),
      },
    );
    expect(data).toEqual({ project: { isGeneratingDemoData: true }, environment: { isGeneratingDemoData: false } });
  });

  it("reads stored logs config lists", async () => {
    const p = await h.project({ logsConfig: { logsDistinctIdAttributeKeys: ["uid"], logsSessionIdAttributeKeys: ["sid", "session"] } });
    const { project } = await h.ok(
      `query($id: ID!) { project(id: $id) { logsConfig { logsDistinctIdAttributeKeys logsSessionIdAttributeKeys } } }`,
      { id: String(p.project.id) },
    );
    expect(project.logsConfig).toEqual({ logsDistinctIdAttributeKeys: ["uid"], logsSessionIdAttributeKeys: ["sid", "session"] });
  });
});

describe("Environment.eventIngestionRestrictions", () => {
  it("lists the restrictions on the environment's token only", async () => {
    const p = await h.project();
    await prisma.eventIngestionRestriction.create({
      data: { token: p.environment.apiToken, restrictionType: "skip_person_processing", distinctIds: ["a", "b"] },
    });
    await prisma.eventIngestionRestriction.create({
      data: { token: p.environment.apiToken, restrictionType: "drop_event_from_ingestion", distinctIds: [] },
    });
    await prisma.eventIngestionRestriction.create({
      data: { token: beta.environment.apiToken, restrictionType: "redirect_to_dlq", distinctIds: ["x"] },
    });
    const q = `query($id: ID!) { environment(id: $id) { eventIngestionRestrictions { restrictionType distinctIds } } }`;
    const mine = await h.ok(q, { id: String(p.environment.id) });
    expect(mine.environment.eventIngestionRestrictions).toEqual([
      { restrictionType: "DROP_EVENT_FROM_INGESTION", distinctIds: [] },
      { restrictionType: "SKIP_PERSON_PROCESSING", distinctIds: ["a", "b"] },
    ]);
    expect((await h.ok(q, { id: String(beta.environment.id) })).environment.eventIngestionRestrictions).toEqual([
      { restrictionType: "REDIRECT_TO_DLQ", distinctIds: ["x"] },
    ]);
    expect((await h.ok(q, { id: String(staging.id) })).environment.eventIngestionRestrictions).toEqual([]);
  });
});

describe("keys", () => {
  it("needs project:read (an organization:read key is FORBIDDEN)", async () => {
    const key = await t.fixtures.key(t.owner.id, ["organization:read"]);
    await h.fails("FORBIDDEN", PROJECT, { id: String(alpha.project.id) }, key);
    await h.fails("FORBIDDEN", `query($id: ID!) { environment(id: $id) { name } }`, { id: String(staging.id) }, key);
    const res = await t.gql(`query($id: ID!) { organization(id: $id) { name projects { totalCount } } }`, { id: t.org.id }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("works with every scope through `*`", async () => {
    const key = await t.fixtures.key(t.owner.id, ["*"]);
    const data = await h.ok(`query($id: ID!) { project(id: $id) { name secretApiToken } }`, { id: String(alpha.project.id) }, key);
    expect(data.project.secretApiToken).toMatch(SECRET_TOKEN);
  });
});
