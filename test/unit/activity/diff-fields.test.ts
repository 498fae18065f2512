// The activity log's rules, with no database: which fields an entry records
// (diffFields) and when an entry is written at all (logActivity).
import { describe, expect, it, vi } from "vitest";
import { diffFields, logActivity, type FieldChange, type NewActivity } from "../../../src/domain/activity/service.js";
import type { ActivityWriter } from "../../../src/domain/activity/store.js";

/** A transaction whose only statement is the entry's insert, recorded by `create`. */
const fakeTx = (create: (args: unknown) => Promise<unknown>) => ({ activityLog: { create } }) as unknown as ActivityWriter;

const T1 = new Date("2026-03-02T09:00:00.000Z");
const SECRET = "phs_0123456789abcdefWXYZ";

type Row = Record<string, unknown> | null;
type Case = [name: string, before: Row, after: Row, fields: string[], expected: Omit<FieldChange, "type">[], secret?: string[]];

const cases: Case[] = [
  // changed: only fields whose value differs
  ["an unchanged object records nothing", { name: "a", n: 1 }, { name: "a", n: 1 }, ["name", "n"], []],
  [
    "a changed field is recorded, an unchanged one is not",
    { name: "a", n: 1 },
    { name: "b", n: 1 },
    ["name", "n"],
    [{ action: "changed", field: "name", before: "a", after: "b" }],
  ],
  ["only the listed fields are compared", { name: "a", other: 1 }, { name: "a", other: 2 }, ["name"], []],
  [
    "fields in the listed order",
    { a: 1, b: 1 },
    { a: 2, b: 2 },
    ["b", "a"],
    [
      { action: "changed", field: "b", before: 1, after: 2 },
      { action: "changed", field: "a", before: 1, after: 2 },
    ],
  ],
  ["null and a missing value are the same", { note: null }, {}, ["note"], []],
  ["a value cleared to null", { note: "x" }, { note: null }, ["note"], [{ action: "changed", field: "note", before: "x", after: null }]],
  [
    "a value cleared by omission is recorded as null",
    { note: "x" },
    {},
    ["note"],
    [{ action: "changed", field: "note", before: "x", after: null }],
  ],
  ["equal dates (different objects) are the same", { at: new Date(T1) }, { at: new Date(T1.getTime()) }, ["at"], []],
  [
    "dates are recorded as ISO strings",
    { at: T1 },
    { at: new Date("2026-03-03T00:00:00.000Z") },
    ["at"],
    [{ action: "changed", field: "at", before: "2026-03-02T09:00:00.000Z", after: "2026-03-03T00:00:00.000Z" }],
  ],
  ["equal JSON values are the same", { f: { a: [1, { b: 2 }] } }, { f: { a: [1, { b: 2 }] } }, ["f"], []],
  // JSON is compared as written: callers whose stores reorder keys (jsonb) canonicalise first, as cohorts do.
  [
    "JSON with keys in another order counts as changed",
    { f: { a: 1, b: 2 } },
    { f: { b: 2, a: 1 } },
    ["f"],
    [{ action: "changed", field: "f", before: { a: 1, b: 2 }, after: { b: 2, a: 1 } }],
  ],
  [
    "ids, timestamps and the creator are never diffed",
    { id: 1, uuid: "u", createdAt: T1, updatedAt: T1, createdBy: 1, createdById: 1 },
    { id: 2, uuid: "v", createdAt: null, updatedAt: new Date(), createdBy: 2, createdById: 2 },
    ["id", "uuid", "createdAt", "updatedAt", "createdBy", "createdById"],
    [],
  ],
  // created / deleted
  [
    "a created object records its non-null fields, before null",
    null,
    { name: "a", note: null, n: 0, flag: false },
    ["name", "note", "n", "flag"],
    [
      { action: "created", field: "name", before: null, after: "a" },
      { action: "created", field: "n", before: null, after: 0 },
      { action: "created", field: "flag", before: null, after: false },
    ],
  ],
  [
    "a deleted object records its non-null fields, after null",
    { name: "a", note: undefined },
    null,
    ["name", "note"],
    [{ action: "deleted", field: "name", before: "a", after: null }],
  ],
  // secrets
  [
    "a secret is recorded only masked",
    { token: SECRET },
    { token: "phs_zyxwvutsrqponmlk9876" },
    ["token"],
    [{ action: "changed", field: "token", before: "phs_...WXYZ", after: "phs_...9876" }],
    ["token"],
  ],
  [
    "a short secret is masked whole",
    null,
    { token: "short" },
    ["token"],
    [{ action: "created", field: "token", before: null, after: "********" }],
    ["token"],
  ],
  [
    "a secret cleared to null stays null",
    { token: SECRET },
    { token: null },
    ["token"],
    [{ action: "changed", field: "token", before: "phs_...WXYZ", after: null }],
    ["token"],
  ],
  [
    "fields not listed as secret are not masked",
    { token: SECRET },
    { token: "other" },
    ["token"],
    [{ action: "changed", field: "token", before: SECRET, after: "other" }],
  ],
];

describe("diffFields", () => {
  it.each(cases)("%s", (_name, before, after, fields, expected, secret = []) => {
    expect(diffFields("Thing", before, after, fields, new Set(secret))).toEqual(expected.map((c) => ({ type: "Thing", ...c })));
  });

  it("names the object's scope on every change", () => {
    expect(diffFields("Team", { a: 1 }, { a: 2 }, ["a"]).map((c) => c.type)).toEqual(["Team"]);
  });
});

describe("logActivity", () => {
  const entry = (activity: string, changes: FieldChange[]): NewActivity => ({
    organizationId: "00000000-0000-4000-8000-000000000001",
    userId: 3,
    activity,
    scope: "Annotation",
    itemId: 42,
    detail: { name: "n", changes },
  });
  const change: FieldChange = { type: "Annotation", action: "changed", field: "content", before: "a", after: "b" };

  it.each([
    ["an update that changed nothing", "updated", [], false],
    ["an update that changed a field", "updated", [change], true],
    ["a creation, even without recorded fields", "created", [], true],
    ["a deletion without recorded fields", "deleted", [], true],
    ["a special action without changes", "restored", [], true],
  ] as const)("%s: written %s", async (_name, activity, changes, written) => {
    const create = vi.fn(async () => ({}));
    expect(await logActivity(fakeTx(create), entry(activity, [...changes]))).toBe(written);
    expect(create).toHaveBeenCalledTimes(written ? 1 : 0);
  });

  it("stores the item id as text and a missing project or environment as null", async () => {
    const create = vi.fn(async () => ({}));
    await logActivity(fakeTx(create), entry("updated", [change]));
    expect(create).toHaveBeenCalledWith({
      data: {
        organizationId: "00000000-0000-4000-8000-000000000001",
        projectId: null,
        environmentId: null,
        userId: 3,
        activity: "updated",
        scope: "Annotation",
        itemId: "42",
        detail: { name: "n", changes: [change] },
      },
    });
  });
});
