// An environment's rules, with no database: what each token action writes,
// how changes are diffed (secrets masked), the logs configuration and the
// promoted product intent.
import { describe, expect, it } from "vitest";
import {
  environmentChanges,
  logAsEnvironment,
  logAsProject,
  logsConfigAfter,
  logsConfigOf,
  promotedProductIntent,
  PRIMARY_ONBOARDING_CONTEXT,
  TOKEN_CHANGES,
} from "../../../src/domain/environments/rules.js";
import { ACTIONS } from "../../../src/auth/policy.js";
import { maskToken } from "../../../src/auth/tokens.js";

const PUBLIC_TOKEN = /^phc_[23456789A-HJ-NP-Za-km-z]{43}$/;
const SECRET_TOKEN = /^phs_[23456789A-HJ-NP-Za-km-z]{43}$/;

const env = (
  over: Partial<{
    name: string;
    apiToken: string;
    secretApiToken: string | null;
    secretApiTokenBackup: string | null;
    settings: Record<string, unknown>;
  }> = {},
) => ({
  name: "Production",
  apiToken: "phc_current",
  secretApiToken: "phs_currentSecretAAAA",
  secretApiTokenBackup: null,
  settings: {},
  ...over,
});

describe("token changes", () => {
  it("reset writes a fresh public token only", () => {
    expect(TOKEN_CHANGES.reset.write(env())).toEqual({ apiToken: expect.stringMatching(PUBLIC_TOKEN) });
  });

  it("rotate moves the current secret to the backup slot and issues a new one", () => {
    const write = TOKEN_CHANGES.rotateSecret.write(env({ secretApiTokenBackup: "phs_olderBackup" }));
    expect(write).toEqual({ secretApiToken: expect.stringMatching(SECRET_TOKEN), secretApiTokenBackup: "phs_currentSecretAAAA" });
  });

  it("deleting the backup clears it", () => {
    expect(TOKEN_CHANGES.deleteSecretBackup.write(env())).toEqual({ secretApiTokenBackup: null });
  });

  it("a conversations token is set in the stored settings, the rest kept", () => {
    const write = TOKEN_CHANGES.conversations.write(env({ settings: { timezone: "UTC", conversationsSettings: { greeting: "hi" } } }));
    expect(write).toEqual({
      settings: { timezone: "UTC", conversationsSettings: { greeting: "hi", widget_public_token: expect.stringMatching(PUBLIC_TOKEN) } },
    });
  });

  it("each is an admin action of the policy", () => {
    for (const change of Object.values(TOKEN_CHANGES)) expect(ACTIONS[change.action].level).toBe("admin");
  });
});

describe("environmentChanges", () => {
  it("lists the name, the tokens (secrets masked) and every changed setting, with defaults filled in", () => {
    const before = env();
    const after = env({
      name: "Prod",
      secretApiToken: "phs_newSecretBBBB",
      secretApiTokenBackup: "phs_currentSecretAAAA",
      settings: { timezone: "Europe/Berlin" },
    });
    expect(environmentChanges("Team", before, after)).toEqual([
      { type: "Team", action: "changed", field: "name", before: "Production", after: "Prod" },
      {
        type: "Team",
        action: "changed",
        field: "secretApiToken",
        before: maskToken("phs_currentSecretAAAA"),
        after: maskToken("phs_newSecretBBBB"),
      },
      { type: "Team", action: "changed", field: "secretApiTokenBackup", before: null, after: maskToken("phs_currentSecretAAAA") },
      { type: "Team", action: "changed", field: "timezone", before: "UTC", after: "Europe/Berlin" },
    ]);
  });

  it("records nothing for a setting written with its default value", () => {
    expect(environmentChanges("Project", env(), env({ settings: { timezone: "UTC", anonymizeIps: false } }))).toEqual([]);
  });

  it("logs as the project or as the environment (PostHog's Team)", () => {
    expect(logAsProject({ id: 7 })).toEqual({ scope: "Project", itemId: 7 });
    expect(logAsEnvironment({ id: 8 })).toEqual({ scope: "Team", itemId: 8 });
  });
});

describe("logs config", () => {
  it("defaults each list, and reads what is stored", () => {
    expect(logsConfigOf({ settings: {} })).toEqual({
      logsDistinctIdAttributeKeys: ["posthogDistinctId"],
      logsSessionIdAttributeKeys: ["posthogSessionId"],
    });
    expect(logsConfigOf({ settings: { logsConfig: { logsSessionIdAttributeKeys: ["sid"] } } })).toEqual({
      logsDistinctIdAttributeKeys: ["posthogDistinctId"],
      logsSessionIdAttributeKeys: ["sid"],
    });
    expect(logsConfigOf({ settings: null })).toEqual(logsConfigOf({ settings: {} }));
  });

  it("changes only the lists given", () => {
    const before = { logsDistinctIdAttributeKeys: ["a"], logsSessionIdAttributeKeys: ["b"] };
    expect(logsConfigAfter(before, { logsSessionIdAttributeKeys: ["c"] })).toEqual({
      logsDistinctIdAttributeKeys: ["a"],
      logsSessionIdAttributeKeys: ["c"],
    });
    expect(logsConfigAfter(before, {})).toEqual(before);
  });
});

describe("promotedProductIntent", () => {
  const intent = (productType: string, contexts: Record<string, number> | null, updatedAt: string) => ({
    productType,
    contexts,
    updatedAt: new Date(updatedAt),
  });

  it("is the most recently updated intent chosen as primary during onboarding", () => {
    expect(
      promotedProductIntent([
        intent("product_analytics", { [PRIMARY_ONBOARDING_CONTEXT]: 1 }, "2026-01-01T00:00:00Z"),
        intent("session_replay", { [PRIMARY_ONBOARDING_CONTEXT]: 2 }, "2026-01-03T00:00:00Z"),
        intent("surveys", { other: 5 }, "2026-01-05T00:00:00Z"),
      ]),
    ).toBe("session_replay");
  });

  it("is null without a primary intent", () => {
    expect(promotedProductIntent([])).toBeNull();
    expect(
      promotedProductIntent([
        intent("surveys", null, "2026-01-01T00:00:00Z"),
        intent("x", { [PRIMARY_ONBOARDING_CONTEXT]: 0 }, "2026-01-02T00:00:00Z"),
      ]),
    ).toBeNull();
  });

  it("does not reorder the intents it is given", () => {
    const intents = [
      intent("a", { [PRIMARY_ONBOARDING_CONTEXT]: 1 }, "2026-01-01T00:00:00Z"),
      intent("b", { [PRIMARY_ONBOARDING_CONTEXT]: 1 }, "2026-01-02T00:00:00Z"),
    ];
    promotedProductIntent(intents);
    expect(intents.map((i) => i.productType)).toEqual(["a", "b"]);
  });
});
