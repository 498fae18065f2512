// Shared helpers of the concurrency tests (issue 12, "nothing lost"): fire
// many GraphQL requests at once through the real handler, then check what
// every response said and what the database holds afterwards.
import { expect } from "vitest";
import type { GqlResult } from "../helpers/app.js";
import type { T } from "../projects/support.js";

export type { T };

/** Runs `n` requests at once (all started before any is awaited). */
export function all<R>(n: number, run: (i: number) => Promise<R>): Promise<R[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => run(i)));
}

/** The errors of every response, one line each (`#i CODE: message`). */
export function faults(results: GqlResult[]): string[] {
  const lines: string[] = [];
  results.forEach((r, i) => {
    for (const e of r.errors ?? []) lines.push(`#${i} ${e.extensions?.code ?? "?"}: ${e.message}`);
  });
  return lines;
}

/**
 * No response carries any top-level error (in particular no
 * INTERNAL_SERVER_ERROR) and every one answered HTTP 200. Soft: the test goes on
 * to check the stored state, so one run reports everything that went wrong.
 */
export function expectNoFaults(results: GqlResult[], what = "responses"): void {
  const lines = faults(results);
  const internal = lines.filter((l) => l.includes("INTERNAL_SERVER_ERROR")).length;
  expect
    .soft(
      lines,
      `${lines.length} errors (${internal} INTERNAL_SERVER_ERROR) in ${results.length} ${what}; first: ${lines.slice(0, 3).join(" | ")}`,
    )
    .toEqual([]);
  expect
    .soft(
      results.filter((r) => r.status !== 200).map((r) => r.status),
      `HTTP statuses of ${what}`,
    )
    .toEqual([]);
}

/** The payload of `field` in each response (undefined where the response had no data). */
export function payloads(results: GqlResult[], field: string): any[] {
  return results.map((r) => r.data?.[field]);
}

/** How many payloads succeeded (no userErrors), and the userError codes of the others. */
export function outcomes(list: any[]): { ok: number; codes: string[]; missing: number } {
  let ok = 0;
  let missing = 0;
  const codes: string[] = [];
  for (const p of list) {
    if (!p) missing += 1;
    else if (p.userErrors.length === 0) ok += 1;
    else codes.push(...p.userErrors.map((e: { code: string }) => e.code));
  }
  return { ok, codes, missing };
}

/** One line for a failure message: "3 succeeded, 5 userErrors [TAKEN,...], 2 without a payload". */
export const told = (o: { ok: number; codes: string[]; missing: number }) =>
  `${o.ok} succeeded, ${o.codes.length} userErrors [${o.codes.join(",")}], ${o.missing} without a payload`;

export const USER_ERRORS = `userErrors { field message code }`;

export type Change = { type: string; action: string; field: string; before: unknown; after: unknown };

/** The field changes of an activity entry. */
export const changesOf = (entry: { detail: unknown }): Change[] => (entry.detail as { changes?: Change[] })?.changes ?? [];

/** The change of `field` in an activity entry (undefined if not changed). */
export const changeOf = (entry: { detail: unknown }, field: string): Change | undefined => changesOf(entry).find((c) => c.field === field);
