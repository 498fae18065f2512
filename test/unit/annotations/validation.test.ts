// Input rules of annotations with no database: the date range of the lists
// (PostHog: "Invalid date range: date_from must be before date_to") and the
// move target of an update.
import { describe, expect, it } from "vitest";
import { dateRangeError, updateAnnotationInput } from "../../../src/domain/annotations/validation.js";

describe("dateRangeError", () => {
  const ten = new Date("2024-01-01T10:00:00Z");
  const eleven = new Date("2024-01-01T11:00:00Z");

  it("refuses only a dateFrom after dateTo", () => {
    expect(dateRangeError({ dateFrom: eleven, dateTo: ten })).toBe("Invalid date range: dateFrom must be before dateTo.");
    expect(dateRangeError({ dateFrom: new Date(ten.getTime() + 1), dateTo: ten })).not.toBeNull();
  });

  it("accepts an ordered range, one instant, and open ends", () => {
    expect(dateRangeError({ dateFrom: ten, dateTo: eleven })).toBeNull();
    expect(dateRangeError({ dateFrom: ten, dateTo: ten })).toBeNull();
    expect(dateRangeError({ dateFrom: eleven })).toBeNull();
    expect(dateRangeError({ dateTo: ten })).toBeNull();
    expect(dateRangeError({ dateFrom: null, dateTo: null })).toBeNull();
    expect(dateRangeError({})).toBeNull();
  });
});

describe("updateAnnotationInput.environmentId", () => {
  it("is optional (the annotation stays) and takes an id", () => {
    expect(updateAnnotationInput.parse({ id: "1" }).environmentId).toBeUndefined();
    expect(updateAnnotationInput.parse({ id: "1", environmentId: "42" }).environmentId).toBe("42");
  });

  it("refuses null and an empty id", () => {
    const nulled = updateAnnotationInput.safeParse({ id: "1", environmentId: null });
    expect(nulled.error?.issues[0]).toMatchObject({ path: ["environmentId"], message: expect.stringMatching(/cannot be null/) });
    const empty = updateAnnotationInput.safeParse({ id: "1", environmentId: "" });
    expect(empty.error?.issues[0].path).toEqual(["environmentId"]);
  });
});
