// Applying a settings patch, with no database: what replaces and what merges,
// the conversations token rule, merged objects over the JSON limits, and
// which keys only admins may change.
import { describe, expect, it } from "vitest";
import {
  adminOnlySettings,
  applySettingsPatch,
  conversationsTokenRule,
  oversizedMerges,
  patchedSettings,
  touchedSettings,
  withNewConversationsToken,
} from "../../../src/domain/settings/patch.js";
import { settingsPatchShape } from "../../../src/domain/settings/validation.js";
import { userErrorsFromZod } from "../../../src/domain/outcome.js";
import { z } from "zod";

const PUBLIC_TOKEN = /^phc_[23456789A-HJ-NP-Za-km-z]{43}$/;

describe("applySettingsPatch", () => {
  it.each([
    ["a plain setting replaces", { timezone: "UTC" }, { timezone: "Europe/Berlin" }, { timezone: "Europe/Berlin" }],
    ["null clears a nullable setting", { weekStartDay: 1 }, { weekStartDay: null }, { weekStartDay: null }],
    ["an omitted (undefined) setting stays", { timezone: "Asia/Dubai" }, { timezone: undefined }, { timezone: "Asia/Dubai" }],
    [
      "a JSON list replaces, never merges",
      { testAccountFilters: [{ a: 1 }] },
      { testAccountFilters: [{ b: 2 }] },
      { testAccountFilters: [{ b: 2 }] },
    ],
    ["a non-merge object replaces", { extraSettings: { a: 1 } }, { extraSettings: { b: 2 } }, { extraSettings: { b: 2 } }],
    ["a merge object merges key by key", { modifiers: { a: 1, b: 1 } }, { modifiers: { b: 2, c: 3 } }, { modifiers: { a: 1, b: 2, c: 3 } }],
    ["a merge object over nothing stored is the patch", {}, { surveyConfig: { x: 1 } }, { surveyConfig: { x: 1 } }],
    [
      "a merge object over a stored non-object is the patch",
      { sessionReplayConfig: [1, 2] },
      { sessionReplayConfig: { x: 1 } },
      { sessionReplayConfig: { x: 1 } },
    ],
    ["null clears a merge object", { modifiers: { a: 1 } }, { modifiers: null }, { modifiers: null }],
    ["keys outside the registry are kept, never written", { logsConfig: { k: 1 } }, { unknownKey: 1 }, { logsConfig: { k: 1 } }],
  ])("%s", (_what, stored, patch, expected) => {
    expect(applySettingsPatch(stored, patch)).toEqual(expected);
  });

  it("does not change the stored object", () => {
    const stored = { modifiers: { a: 1 } };
    applySettingsPatch(stored, { modifiers: { b: 2 }, timezone: "UTC" });
    expect(stored).toEqual({ modifiers: { a: 1 } });
  });
});

describe("touchedSettings and adminOnlySettings", () => {
  it("list the touched settings in registry order, null included, undefined not", () => {
    expect(touchedSettings({ timezone: "UTC", appUrls: [], anonymizeIps: undefined, weekStartDay: null }).map((s) => s.key)).toEqual([
      "appUrls",
      "timezone",
      "weekStartDay",
    ]);
  });

  it.each([
    ["member-writable settings need no admin", { sessionRecordingOptIn: true, surveysOptIn: false, primaryDashboard: 3 }, []],
    ["admin settings are listed", { timezone: "UTC", anonymizeIps: true }, ["anonymizeIps", "timezone"]],
    ["a mix lists only the admin ones", { sessionRecordingOptIn: true, anonymizeIps: true }, ["anonymizeIps"]],
    ["nothing touched needs nothing", {}, []],
  ])("%s", (_what, patch, expected) => {
    expect(adminOnlySettings(patch)).toEqual(expected);
  });
});

describe("the conversations token rule", () => {
  it("gives a token when conversations are turned on without one, keeping the other conversations settings", () => {
    const settings = conversationsTokenRule({ conversationsEnabled: true, conversationsSettings: { greeting: "hi" } });
    expect(settings.conversationsSettings).toEqual({ greeting: "hi", widget_public_token: expect.stringMatching(PUBLIC_TOKEN) });
  });

  it("keeps an existing token when conversations are on", () => {
    const stored = { conversationsEnabled: true, conversationsSettings: { widget_public_token: "phc_existing" } };
    expect(conversationsTokenRule(stored)).toBe(stored);
  });

  it("clears the token when conversations are off (or unset), touching nothing else", () => {
    expect(
      conversationsTokenRule({ conversationsEnabled: false, conversationsSettings: { widget_public_token: "phc_x", greeting: "hi" } }),
    ).toEqual({
      conversationsEnabled: false,
      conversationsSettings: { widget_public_token: null, greeting: "hi" },
    });
    expect(conversationsTokenRule({ conversationsSettings: { widget_public_token: "phc_x" } }).conversationsSettings).toEqual({
      widget_public_token: null,
    });
  });

  it("changes nothing when off without a token", () => {
    const stored = { conversationsEnabled: false, conversationsSettings: null };
    expect(conversationsTokenRule(stored)).toBe(stored);
  });

  it("applies only when the patch sets conversationsEnabled", () => {
    // A token left behind while off is not cleared by an unrelated change ...
    const stored = { conversationsEnabled: false, conversationsSettings: { widget_public_token: "phc_x" } };
    expect(patchedSettings(stored, { timezone: "UTC" }).conversationsSettings).toEqual({ widget_public_token: "phc_x" });
    // ... but is when conversations are (again) turned off.
    expect(patchedSettings(stored, { conversationsEnabled: false }).conversationsSettings).toEqual({ widget_public_token: null });
    expect(
      (patchedSettings({}, { conversationsEnabled: true }).conversationsSettings as Record<string, unknown>).widget_public_token,
    ).toMatch(PUBLIC_TOKEN);
  });

  it("a new token replaces the old one and keeps the rest", () => {
    const settings = withNewConversationsToken({
      conversationsSettings: { widget_public_token: "phc_old", greeting: "hi" },
      timezone: "UTC",
    });
    expect(settings).toEqual({
      conversationsSettings: { widget_public_token: expect.stringMatching(PUBLIC_TOKEN), greeting: "hi" },
      timezone: "UTC",
    });
    expect((settings.conversationsSettings as Record<string, unknown>).widget_public_token).not.toBe("phc_old");
  });
});

describe("oversizedMerges", () => {
  it("refuses a merged object over the size limit, naming the setting, and only merge settings", () => {
    const big = "x".repeat(40_000);
    const merged = applySettingsPatch({ modifiers: { a: big, b: big } }, { modifiers: { c: big } });
    const errors = oversizedMerges(merged, { modifiers: { c: big } });
    expect(errors).toEqual([
      { field: ["input", "modifiers"], message: expect.stringMatching(/with the keys already stored/), code: "INVALID" },
    ]);
    // A replaced (non-merge) object is checked by validation alone, not here.
    expect(oversizedMerges({ extraSettings: { a: big, b: big, c: big } }, { extraSettings: { a: big, b: big, c: big } })).toEqual([]);
  });

  it("accepts merged objects within the limits", () => {
    expect(oversizedMerges({ modifiers: { a: 1, b: 2 } }, { modifiers: { b: 2 } })).toEqual([]);
  });
});

describe("settingsPatchShape", () => {
  const patch = z.object(settingsPatchShape);
  const errorsOf = (input: Record<string, unknown>) => {
    const parsed = patch.safeParse(input, { reportInput: true });
    return parsed.success ? [] : userErrorsFromZod(parsed.error);
  };

  it("normalizes valid values", () => {
    expect(patch.parse({ sessionRecordingSampleRate: ".5", appUrls: [" https://a.example ", ""] })).toEqual({
      sessionRecordingSampleRate: "0.50",
      appUrls: ["https://a.example"],
    });
  });

  it("answers null for a setting with a default as REQUIRED, and null for a nullable one as fine", () => {
    expect(errorsOf({ timezone: null })).toEqual([
      { field: ["input", "timezone"], message: expect.stringMatching(/has a default/), code: "REQUIRED" },
    ]);
    expect(errorsOf({ weekStartDay: null })).toEqual([]);
  });

  it("reports every invalid setting at once", () => {
    const fields = errorsOf({
      timezone: "Mars/Base",
      sessionRecordingMinimumDurationMilliseconds: 30_001,
      conversationsSettings: { widget_public_token: "phc_x" },
    }).map((e) => e.field?.[1]);
    expect(fields.sort()).toEqual(["conversationsSettings", "sessionRecordingMinimumDurationMilliseconds", "timezone"]);
  });
});
