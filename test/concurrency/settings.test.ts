// Issue 12, "nothing lost": concurrent updateProject calls on one project,
// each changing a different setting (or a different key of one merged JSON
// setting), must all be stored: no update may overwrite another's change.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { helpers, projectGid } from "../projects/support.js";
import { all, changesOf, expectNoFaults, outcomes, payloads, told, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { id } ${USER_ERRORS} } }`;

/** 50 distinct settings, each with a value that differs from its default, and how GraphQL reads it back. */
const FIFTY: { key: string; value: unknown; read?: unknown }[] = [
  // booleans that default to null
  { key: "testAccountFiltersDefaultChecked", value: true },
  { key: "autocaptureOptOut", value: true },
  { key: "autocaptureExceptionsOptIn", value: true },
  { key: "autocaptureWebVitalsOptIn", value: true },
  { key: "captureConsoleLogOptIn", value: true },
  { key: "capturePerformanceOptIn", value: true },
  { key: "injectWebApps", value: true },
  { key: "surveysOptIn", value: true },
  { key: "heatmapsOptIn", value: true },
  { key: "flagsPersistenceDefault", value: true },
  { key: "receiveOrgLevelActivityLogs", value: true },
  { key: "proactiveTasksEnabled", value: true },
  { key: "captureDeadClicks", value: true },
  { key: "humanFriendlyComparisonPeriods", value: true },
  { key: "featureFlagConfirmationEnabled", value: true },
  { key: "defaultEvaluationContextsEnabled", value: true },
  { key: "requireEvaluationContexts", value: true },
  { key: "webAnalyticsPreAggregatedTablesEnabled", value: true },
  // booleans that default to false
  { key: "anonymizeIps", value: true },
  { key: "completedSnippetOnboarding", value: true },
  { key: "isDemo", value: true },
  { key: "sessionRecordingOptIn", value: true },
  { key: "accessControl", value: true },
  // strings
  { key: "slackIncomingWebhook", value: "https://hooks.slack.com/services/T000/B000/XXXX" },
  { key: "timezone", value: "Europe/Berlin" },
  { key: "sessionRecordingSampleRate", value: "0.25" },
  { key: "featureFlagConfirmationMessage", value: "Are you sure?" },
  // integers
  { key: "sessionRecordingMinimumDurationMilliseconds", value: 1500 },
  {
    key: "primaryDashboard",
    // A dashboard of the project under test (PostHog refuses another project's): set by dashboardOf().
    get value() {
      return dashboardId;
    },
  },
  { key: "defaultDataTheme", value: 3 },
  // enums
  { key: "sessionRecordingTriggerMatchTypeConfig", value: "ANY" },
  { key: "sessionRecordingRetentionPeriod", value: "ONE_YEAR" },
  { key: "weekStartDay", value: "MONDAY" },
  { key: "businessModel", value: "B2C" },
  { key: "baseCurrency", value: "EUR" },
  { key: "cookielessServerHashMode", value: "STATELESS" },
  // string lists
  { key: "appUrls", value: ["https://app.example.com"] },
  { key: "personDisplayNameProperties", value: ["email", "name"] },
  { key: "sessionRecordingEventTriggerConfig", value: ["$pageview"] },
  { key: "liveEventsColumns", value: ["event", "person"] },
  { key: "recordingDomains", value: ["https://example.com"] },
  // JSON
  { key: "testAccountFilters", value: [{ key: "email", value: "@posthog.com", operator: "not_icontains", type: "person" }] },
  { key: "pathCleaningFilters", value: [{ alias: "<id>", regex: "\\d+" }] },
  { key: "dataAttributes", value: ["data-attr", "data-testid"] },
  { key: "correlationConfig", value: { excluded_person_property_names: ["$os"] } },
  { key: "autocaptureWebVitalsAllowedMetrics", value: ["LCP", "CLS"] },
  { key: "autocaptureExceptionsErrorsToIgnore", value: ["ResizeObserver loop limit exceeded"] },
  { key: "sessionRecordingLinkedFlag", value: { id: 7, key: "record-me" } },
  { key: "sessionRecordingNetworkPayloadCaptureConfig", value: { recordHeaders: true, recordBody: false } },
  { key: "sessionRecordingMaskingConfig", value: { maskAllInputs: true } },
];

/** Merged JSON settings: each already holds one key; two requests each add another. */
let dashboardId = 0;
/** Creates a dashboard in the project's primary environment: the value the primaryDashboard update writes. */
async function dashboardOf(projectId: number) {
  dashboardId = (await h.prisma.dashboard.create({ data: { environmentId: projectId, name: "Main" } })).id;
}

const MERGED: { key: string; stored: Record<string, unknown>; added: Record<string, unknown>[] }[] = [
  {
    key: "modifiers",
    stored: { personsOnEventsMode: "person_id_override_properties_joined" },
    added: [{ bounceRatePageViewMode: "uniq_urls" }, { sessionTableVersion: "v2" }],
  },
  { key: "sessionReplayConfig", stored: {}, added: [{ record_canvas: true }, { ai_config: { opt_in: true } }] },
  { key: "surveyConfig", stored: { appearance: { backgroundColor: "#fff" } }, added: [{ maxWidth: 300 }, { thankYouMessage: "Thanks" }] },
  { key: "conversationsSettings", stored: { greeting_text: "Hi" }, added: [{ widget_color: "#123456" }, { placeholder_text: "Ask us" }] },
];

async function readBack(id: number, keys: string[]): Promise<Record<string, unknown>> {
  const res = await t.gql(`query($id: ID!) { project(id: $id) { ${keys.join(" ")} } }`, { id: projectGid(id) });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.project;
}

/** JSON with object keys sorted (jsonb does not keep the written key order). */
const canonical = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === "object"
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The settings not stored as written (for 50-of-50 style messages), and merged keys missing. */
async function lostOf(projectId: number) {
  const stored = await readBack(projectId, [...FIFTY.map((s) => s.key), ...MERGED.map((m) => m.key)]);
  const lost = FIFTY.filter((s) => !same(stored[s.key], s.read ?? s.value)).map((s) => s.key);
  const lostKeys = MERGED.flatMap((m) =>
    [m.stored, ...m.added].flatMap((part) =>
      Object.keys(part)
        .filter((k) => !same((stored[m.key] as Record<string, unknown> | null)?.[k], part[k]))
        .map((k) => `${m.key}.${k}`),
    ),
  );
  return { lost, lostKeys };
}

const inputsFor = (id: string) => [
  ...FIFTY.map((s) => ({ id, [s.key]: s.value })),
  ...MERGED.flatMap((m) => m.added.map((a) => ({ id, [m.key]: a }))),
];

describe("concurrent updateProject on one project", () => {
  it("(control) the same updates one after another store everything", async () => {
    expect(new Set(FIFTY.map((s) => s.key)).size).toBe(50);
    const p = await h.project(Object.fromEntries(MERGED.map((m) => [m.key, m.stored])));
    await dashboardOf(p.project.id);
    for (const input of inputsFor(projectGid(p.project.id))) {
      const res = await t.gql(UPDATE, { input });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(res.data.updateProject.userErrors, JSON.stringify(input)).toEqual([]);
    }
    expect(await lostOf(p.project.id)).toEqual({ lost: [], lostKeys: [] });
  });

  it("stores all 50 different settings, and every key of merged settings, written at once", async () => {
    const p = await h.project(Object.fromEntries(MERGED.map((m) => [m.key, m.stored])));
    await dashboardOf(p.project.id);
    const id = projectGid(p.project.id);
    const inputs = inputsFor(id);
    const results = await all(inputs.length, (i) => t.gql(UPDATE, { input: inputs[i] }));
    expectNoFaults(results);
    const o = outcomes(payloads(results, "updateProject"));
    expect.soft(o, `of ${inputs.length} updates: ${told(o)}`).toEqual({ ok: inputs.length, codes: [], missing: 0 });

    const { lost, lostKeys } = await lostOf(p.project.id);
    expect.soft(lost, `${50 - lost.length} of 50 settings stored; lost: ${lost.join(", ")}`).toEqual([]);
    expect.soft(lostKeys, `merged settings lost keys: ${lostKeys.join(", ")}`).toEqual([]);

    // One activity entry per update, each naming exactly the setting it changed.
    const entries = await h.prisma.activityLog.findMany({
      where: { projectId: p.project.id, activity: "updated" },
      orderBy: { seq: "asc" },
    });
    expect.soft(entries.length, "activity entries").toBe(inputs.length);
    const logged = entries
      .map((e) =>
        changesOf(e)
          .map((c) => c.field)
          .join(","),
      )
      .sort();
    expect
      .soft(logged, "the setting each entry names")
      .toEqual(inputs.map((input) => Object.keys(input).filter((k) => k !== "id")[0]).sort());
  });

  it("stores both of two settings written at once (anonymizeIps and weekStartDay), 20 times over", async () => {
    const p = await h.project();
    const id = projectGid(p.project.id);
    const lostRounds: string[] = [];
    for (let round = 0; round < 20; round += 1) {
      const anonymizeIps = round % 2 === 0;
      const weekStartDay = round % 2 === 0 ? "MONDAY" : "SUNDAY";
      const results = await Promise.all([t.gql(UPDATE, { input: { id, anonymizeIps } }), t.gql(UPDATE, { input: { id, weekStartDay } })]);
      expectNoFaults(results, `responses of round ${round}`);
      const o = outcomes(payloads(results, "updateProject"));
      expect.soft(o, `round ${round}`).toEqual({ ok: 2, codes: [], missing: 0 });
      const stored = await readBack(p.project.id, ["anonymizeIps", "weekStartDay"]);
      if (stored.anonymizeIps !== anonymizeIps || stored.weekStartDay !== weekStartDay) {
        lostRounds.push(`round ${round}: ${JSON.stringify(stored)}`);
      }
    }
    expect(lostRounds, `${lostRounds.length} of 20 rounds lost a change`).toEqual([]);
  });
});
