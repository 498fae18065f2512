// settingsAsOf's rules, with no database: undoing logged changes newest first,
// and limiting the snapshot to a scope of GraphQL or PostHog names.
import { describe, expect, it } from "vitest";
import { limitToScope, undoChanges } from "../../../src/domain/settings/history.js";

const change = (field: string, before: unknown, after: unknown, action = "changed") => ({ type: "Team", action, field, before, after });

describe("undoChanges", () => {
  it("restores each changed field's value before the oldest change after the instant", () => {
    const now = { timezone: "Asia/Tokyo", anonymizeIps: true };
    // Newest first: Berlin → Tokyo, then (older) UTC → Berlin.
    const details = [
      { changes: [change("timezone", "Europe/Berlin", "Asia/Tokyo")] },
      { changes: [change("timezone", "UTC", "Europe/Berlin"), change("anonymizeIps", false, true)] },
    ];
    expect(undoChanges(now, details)).toEqual({ timezone: "UTC", anonymizeIps: false });
  });

  it("undoes an entry's changes last to first (a field changed twice in one entry)", () => {
    const details = [{ changes: [change("timezone", "UTC", "Europe/Paris"), change("timezone", "Europe/Paris", "Europe/Rome")] }];
    expect(undoChanges({ timezone: "Europe/Rome" }, details)).toEqual({ timezone: "UTC" });
  });

  it("reads a setting created after the instant as null", () => {
    expect(undoChanges({ timezone: "Europe/Rome" }, [{ changes: [change("timezone", null, "Europe/Rome", "created")] }])).toEqual({
      timezone: null,
    });
  });

  it("ignores fields the values do not hold (name, tokens) and entries without changes", () => {
    const details = [{ changes: [change("name", "Old", "New"), change("apiToken", "phc_a", "phc_b")] }, { changes: [] }, {}, null];
    expect(undoChanges({ timezone: "UTC" }, details)).toEqual({ timezone: "UTC" });
  });

  it("does not change the values it is given", () => {
    const now = { timezone: "Asia/Tokyo" };
    undoChanges(now, [{ changes: [change("timezone", "UTC", "Asia/Tokyo")] }]);
    expect(now).toEqual({ timezone: "Asia/Tokyo" });
  });
});

describe("limitToScope", () => {
  const values = { timezone: "UTC", anonymizeIps: false, logsDistinctIdAttributeKeys: ["a"], sessionRecordingOptIn: true };

  it("keeps everything without a scope or with an empty one", () => {
    expect(limitToScope(values, null)).toBe(values);
    expect(limitToScope(values, undefined)).toBe(values);
    expect(limitToScope(values, [])).toBe(values);
  });

  it("accepts GraphQL names, PostHog's snake_case names, and keys outside the registry by either", () => {
    expect(limitToScope(values, ["timezone", "anonymize_ips", "logs_distinct_id_attribute_keys"])).toEqual({
      timezone: "UTC",
      anonymizeIps: false,
      logsDistinctIdAttributeKeys: ["a"],
    });
    expect(limitToScope(values, ["logsDistinctIdAttributeKeys", "session_recording_opt_in"])).toEqual({
      logsDistinctIdAttributeKeys: ["a"],
      sessionRecordingOptIn: true,
    });
  });

  it("drops unknown names", () => {
    expect(limitToScope(values, ["nope", "name", "api_token"])).toEqual({});
  });
});
