// isoInstant must answer exactly what toISOString answers, for every instant.
import { describe, expect, it } from "vitest";
import { isoInstant } from "../../../src/schema/iso-instant.js";

/** A deterministic pseudo-random sequence (mulberry32), so a failure names an instant that fails again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("isoInstant", () => {
  it("answers toISOString's text for 200,000 instants spread over years 1 to 9999", () => {
    const next = random(14);
    const first = new Date("0001-01-01T00:00:00.000Z").getTime();
    const end = new Date("9999-12-31T23:59:59.999Z").getTime();
    for (let i = 0; i < 200_000; i++) {
      const date = new Date(Math.floor(first + next() * (end - first)));
      if (isoInstant(date) !== date.toISOString()) expect(isoInstant(date)).toBe(date.toISOString());
    }
  });

  it("answers toISOString's text at the edges: days, months, leap days, centuries, the epoch, the range's ends", () => {
    const texts = [
      "0001-01-01T00:00:00.000Z",
      "0099-12-31T23:59:59.999Z",
      "1600-02-29T12:00:00.000Z",
      "1900-02-28T23:59:59.999Z",
      "1900-03-01T00:00:00.000Z",
      "1969-12-31T23:59:59.999Z",
      "1970-01-01T00:00:00.000Z",
      "2000-02-29T00:00:00.001Z",
      "2024-02-29T23:59:59.999Z",
      "2026-12-05T03:13:57.123Z",
      "2100-03-01T00:00:00.000Z",
      "9999-12-31T23:59:59.999Z",
    ];
    for (const text of texts) expect(isoInstant(new Date(text))).toBe(text);
  });

  it("leaves years outside 1-9999 to toISOString (±YYYYYY), and throws its RangeError for an invalid date", () => {
    for (const date of [
      new Date("0000-12-31T23:59:59.999Z"),
      new Date("+010000-01-01T00:00:00.000Z"),
      new Date(-8.64e15),
      new Date(8.64e15),
    ]) {
      expect(isoInstant(date)).toBe(date.toISOString());
    }
    expect(() => isoInstant(new Date(Number.NaN))).toThrow(RangeError);
  });
});
