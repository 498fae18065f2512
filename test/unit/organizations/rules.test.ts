// The organizations area's pure rules, without a database: slugs, levels and
// the validation of names.
import { describe, expect, it } from "vitest";
import { firstFreeSlug, membershipLevelOf, slugify } from "../../../src/domain/organizations/rules.js";
import { createOrganizationInput, organizationName, updateOrganizationInput } from "../../../src/domain/organizations/validation.js";
import { userErrorsFromZod } from "../../../src/domain/outcome.js";

describe("slugify", () => {
  it.each([
    ["Acme Analytics", "acme-analytics"],
    ["  Hog   Hub  ", "hog-hub"],
    ["HOG-HUB!", "hog-hub"],
    ["Hög Hub", "hog-hub"],
    ["Crème brûlée", "creme-brulee"],
    ["--a__b--", "a-b"],
    ["hog hub 5", "hog-hub-5"],
    ["Ⅻ ﬁve", "xii-five"],
    ["!!!", "organization"],
    ["日本語", "organization"],
    ["", "organization"],
  ])("%j → %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("keeps at most 40 characters, without a trailing dash from a cut", () => {
    expect(slugify("y".repeat(64))).toBe("y".repeat(40));
    expect(slugify(`${"a".repeat(39)} b`)).toBe("a".repeat(39));
    expect(slugify(`${"a".repeat(39)} b`)).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });
});

describe("firstFreeSlug", () => {
  it("answers the base when it is free", () => {
    expect(firstFreeSlug("acme", new Set())).toBe("acme");
    expect(firstFreeSlug("acme", new Set(["acme-2", "acme-corp"]))).toBe("acme");
  });

  it("numbers from 2, skipping taken numbers", () => {
    expect(firstFreeSlug("acme", new Set(["acme"]))).toBe("acme-2");
    expect(firstFreeSlug("acme", new Set(["acme", "acme-2", "acme-3", "acme-5"]))).toBe("acme-4");
  });
});

describe("membershipLevelOf", () => {
  it.each([
    [null, null],
    [1, 1],
    [7, 1],
    [8, 8],
    [14, 8],
    [15, 15],
    [20, 15],
  ])("%j → %j", (stored, named) => {
    expect(membershipLevelOf(stored)).toBe(named);
  });
});

describe("organization names", () => {
  it.each([
    ["Acme", "Acme"],
    ["  trimmed  ", "trimmed"],
    ["x".repeat(64), "x".repeat(64)],
    [` ${"x".repeat(64)} `, "x".repeat(64)],
    ["Ünïcödé ✓", "Ünïcödé ✓"],
  ])("accepts %j as %j", (name, parsed) => {
    expect(organizationName.parse(name)).toBe(parsed);
  });

  it.each([
    ["", /blank/],
    [" \t ", /blank/],
    ["x".repeat(65), /at most 64/],
    ["a\u0000b", /control/],
    ["two\nlines", /control/],
    [null, /must not be null/],
    [42, /must be a string/],
  ])("refuses %j", (name, message) => {
    const parsed = organizationName.safeParse(name);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toMatch(message);
  });

  it("reports an invalid name as a userError on input.name", () => {
    const parsed = createOrganizationInput.safeParse({ name: "" }, { reportInput: true });
    expect(parsed.success).toBe(false);
    expect(userErrorsFromZod(parsed.error!)).toEqual([{ field: ["input", "name"], message: "Name must not be blank.", code: "INVALID" }]);
  });

  it("keeps an omitted name on update, and refuses an explicit null as REQUIRED", () => {
    expect(updateOrganizationInput.parse({ id: "x" })).toEqual({ id: "x" });
    const parsed = updateOrganizationInput.safeParse({ id: "x", name: null }, { reportInput: true });
    expect(userErrorsFromZod(parsed.error!)).toEqual([
      { field: ["input", "name"], message: "Name must not be null; omit it to keep the current name.", code: "REQUIRED" },
    ]);
  });
});
