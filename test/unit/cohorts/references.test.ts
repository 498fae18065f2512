// Cohorts that refer to cohorts, with no database: the references in a
// definition, the checks of new references (PostHog's will_create_loops and
// "Invalid Cohort ID in filter", restated from posthog/api/test/test_cohort.py),
// the order calculations follow, the type a definition implies through what it
// refers to, and the plan of a cohort condition.
import { describe, expect, it } from "vitest";
import {
  calculationOrder,
  cohortReferences,
  dependentsInOrder,
  graphOf,
  referenceErrors,
  referredId,
  type CohortNode,
} from "../../../src/domain/cohorts/references.js";
import { impliedCohortType, referredTypeIn } from "../../../src/domain/cohorts/validation.js";
import { planCalculation, type CalculationPlan } from "../../../src/domain/cohorts/calculation.js";

const ref = (id: number | string, negation?: boolean) => ({ type: "cohort", key: "id", value: id, ...(negation ? { negation } : {}) });
const person = (key: string) => ({ type: "person", key, operator: "is_set" });
const behavioral = { type: "behavioral", key: "$pageview", value: "performed_event", event_type: "events" };
const group = (type: "AND" | "OR", ...values: unknown[]) => ({ type, values });
const filters = (...values: unknown[]) => ({ properties: group("AND", ...values) });

/** A dynamic cohort with these filter values (or a static one / a query one / a deleted one). */
const dyn = (id: number, ...values: unknown[]): CohortNode => ({
  id,
  name: `C${id}`,
  deleted: false,
  isStatic: false,
  filters: filters(...values),
  query: null,
});
const stat = (id: number): CohortNode => ({ id, name: `S${id}`, deleted: false, isStatic: true, filters: null, query: null });
const deleted = (node: CohortNode): CohortNode => ({ ...node, deleted: true });
const queried = (id: number): CohortNode => ({ ...dyn(id), filters: null, query: { kind: "HogQLQuery", query: "select 1" } });

describe("the references of a definition", () => {
  it("finds every cohort filter with its path, nested groups included", () => {
    const f = { properties: group("OR", ref(1), group("AND", person("a"), ref("22", true)), group("OR", group("AND", ref(3)))) };
    expect(cohortReferences(f)).toEqual([
      { id: 1, negation: false, path: ["filters", "properties", "values", 0, "value"] },
      { id: 22, negation: true, path: ["filters", "properties", "values", 1, "values", 1, "value"] },
      { id: 3, negation: false, path: ["filters", "properties", "values", 2, "values", 0, "values", 0, "value"] },
    ]);
  });

  it("skips what is not a cohort filter with a valid id, and any other shape", () => {
    expect(cohortReferences(filters(ref(0), ref(-1), ref(1.5), ref("1x"), ref(null as never), person("a"), "junk"))).toEqual([]);
    for (const f of [null, undefined, "x", [], {}, { properties: "x" }, { properties: { values: "x" } }])
      expect(cohortReferences(f)).toEqual([]);
  });

  it.each<[unknown, number | null]>([
    [5, 5],
    ["5", 5],
    ["05", null],
    [0, null],
    [2_147_483_648, null],
    [true, null],
    [[5], null],
  ])("referredId(%j) is %j", (value, id) => {
    expect(referredId(value)).toBe(id);
  });
});

describe("checks of new references", () => {
  // A; B → A; C → B (PostHog's test_creating_update_and_calculating_with_cycle).
  const graph = graphOf([dyn(1, person("x")), dyn(2, ref(1)), dyn(3, ref(2)), deleted(dyn(4, person("x"))), stat(5)]);
  const errors = (cohortId: number | null, f: unknown) =>
    referenceErrors(cohortId, f, graph).map((e) => [e.field?.join("."), e.code, e.message]);

  it("accepts references to live cohorts of the project, static or dynamic, on creation and update", () => {
    expect(errors(null, filters(ref(3), ref(1), ref(5)))).toEqual([]);
    // C → B and C → A is no loop: A depends on nothing (test_creating_update_with_non_directed_cycle).
    expect(errors(3, filters(ref(2), ref(1)))).toEqual([]);
  });

  it("refuses a loop through other cohorts: A → C when C → B → A", () => {
    expect(errors(1, filters(person("y"), ref(3)))).toEqual([
      ["input.filters.properties.values.1.value", "CONFLICT", "Cohorts cannot refer to each other in a loop: cohort 1 → 3 → 2 → 1."],
    ]);
    expect(errors(1, { properties: group("OR", group("AND", ref(2))) })[0]).toEqual([
      "input.filters.properties.values.0.values.0.value",
      "CONFLICT",
      "Cohorts cannot refer to each other in a loop: cohort 1 → 2 → 1.",
    ]);
  });

  it("refuses a reference to the cohort itself", () => {
    expect(errors(2, filters(ref(2)))).toEqual([
      ["input.filters.properties.values.0.value", "INVALID", "A cohort cannot refer to itself."],
    ]);
  });

  it("refuses a cohort of no one or of another project, and a deleted one, each on its path", () => {
    expect(errors(null, filters(ref(99999), person("a"), ref(4)))).toEqual([
      [
        "input.filters.properties.values.0.value",
        "NOT_FOUND",
        "No cohort 99999 in this project: a cohort refers only to cohorts of its own project.",
      ],
      ["input.filters.properties.values.2.value", "NOT_FOUND", "Cohort 4 is deleted: restore it, or refer to another cohort."],
    ]);
  });

  it("follows deleted cohorts when looking for loops (restoring one must not close a loop)", () => {
    const g = graphOf([dyn(1, person("x")), deleted(dyn(2, ref(1))), dyn(3, ref(2))]);
    expect(referenceErrors(1, filters(ref(3)), g).map((e) => e.code)).toEqual(["CONFLICT"]);
  });
});

describe("the order of calculations", () => {
  // D → C, C → B, B → A, E → A and C.
  const graph = graphOf([dyn(1, person("x")), dyn(2, ref(1)), dyn(3, ref(2)), dyn(4, ref(3)), dyn(5, ref(1), ref(3))]);

  it("puts every cohort after those it refers to, ties in id order", () => {
    expect(calculationOrder(graph, [5, 4, 3, 2, 1])).toEqual([1, 2, 3, 4, 5]);
    expect(calculationOrder(graph, [4, 2])).toEqual([2, 4]);
    // 5 refers to 3 (through none listed): still after it.
    expect(calculationOrder(graph, [5, 3])).toEqual([3, 5]);
  });

  it("recalculates the cohorts referring to a cohort after it, directly or not", () => {
    expect(dependentsInOrder(graph, 1)).toEqual([2, 3, 4, 5]);
    expect(dependentsInOrder(graph, 3)).toEqual([4, 5]);
    expect(dependentsInOrder(graph, 4)).toEqual([]);
  });

  it("leaves deleted referrers (and what only they lead to) out", () => {
    const g = graphOf([stat(1), dyn(2, ref(1)), deleted(dyn(3, ref(1))), dyn(4, ref(3)), dyn(5, ref(2))]);
    expect(dependentsInOrder(g, 1)).toEqual([2, 5]);
  });

  it("puts cohorts caught in a loop last instead of failing", () => {
    const g = graphOf([dyn(1, ref(2)), dyn(2, ref(1)), dyn(3, person("x"))]);
    expect(calculationOrder(g, [1, 2, 3])).toEqual([3, 1, 2]);
  });
});

describe("the type a definition implies through its references (PostHog's highest type wins)", () => {
  const graph = graphOf([
    dyn(1, person("x")),
    dyn(2, behavioral),
    queried(3),
    stat(4),
    dyn(5, ref(2)),
    dyn(6, { ...behavioral, value: "performed_event_first_time" }),
    dyn(7, ref(8)),
    dyn(8, ref(7)),
  ]);
  const typeOf = (...values: unknown[]) =>
    impliedCohortType({ isStatic: false, filters: filters(...values), query: null }, referredTypeIn(graph));

  it.each<[string, unknown[], string | null]>([
    ["a person property cohort", [ref(1)], "person_property"],
    ["a static cohort (its members are given)", [ref(4)], "person_property"],
    ["a behavioral cohort", [ref(2), person("a")], "behavioral"],
    ["a cohort referring to a behavioral one", [ref(5)], "behavioral"],
    ["a query cohort", [ref(3)], "analytical"],
    ["an analytical behavioral cohort, beside a behavioral one", [ref(2), ref(6)], "analytical"],
    ["an unknown cohort", [ref(99)], "person_property"],
    ["cohorts in a loop", [ref(7)], "person_property"],
    ["nothing (an empty cohort)", [], null],
  ])("referring to %s", (_name, values, type) => {
    expect(typeOf(...values)).toBe(type);
  });
});

describe("the plan of cohort conditions", () => {
  const graph = graphOf([
    dyn(1, person("x")),
    stat(2),
    dyn(3, behavioral),
    dyn(4, ref(3)),
    deleted(stat(5)),
    queried(6),
    dyn(7, ref(8)),
    dyn(8, ref(7)),
    dyn(9, ref(1), ref(2)),
  ]);
  const plan = (...values: unknown[]): CalculationPlan => planCalculation({ id: 100, filters: filters(...values), query: null }, graph);
  const text = (p: CalculationPlan) => {
    if (p.kind !== "persons") throw new Error(p.message);
    return { text: p.where.text.replace(/\s+/g, " "), values: p.where.values };
  };
  const MEMBER = (n: number) => `(p.id IN (SELECT cp."personId" FROM "CohortPerson" cp WHERE cp."cohortId" = $${n}::int))`;

  it("matches the referred cohort's stored members (static as given, dynamic as calculated), negated with NOT", () => {
    expect(text(plan(ref(1), ref("2", true)))).toEqual({ text: `(${MEMBER(1)} AND (NOT ${MEMBER(2)}))`, values: [1, 2] });
    // Through a cohort that itself refers to others: its own members, as stored.
    expect(text(plan(ref(9)))).toEqual({ text: `(${MEMBER(1)})`, values: [9] });
  });

  it.each<[string, number, RegExp]>([
    ["a deleted cohort", 5, /^The cohort refers to cohort 5, which is deleted or not in this project\. .*count is null/],
    ["a cohort of no one here", 42, /^The cohort refers to cohort 42, which is deleted or not in this project\./],
    ["a behavioral cohort", 3, /^The cohort refers to cohort 3, whose members cannot be calculated here \(behavioral filters\)\./],
    ["a cohort referring to a behavioral one", 4, /^The cohort refers to cohort 4, .*\(it refers to cohort 3\)/],
    ["a query cohort", 6, /^The cohort refers to cohort 6, .*\(it is defined by a query\)/],
    ["cohorts in a loop", 7, /^The cohort refers to cohort 7, .*\(it refers to cohort 8\)/],
  ])("cannot calculate a cohort referring to %s", (_name, id, message) => {
    const p = plan(person("a"), ref(id));
    expect(p.kind).toBe("unsupported");
    if (p.kind === "unsupported") expect(p.message).toMatch(message);
  });

  it("cannot calculate a cohort whose references come back to it", () => {
    const g = graphOf([dyn(1, ref(2)), dyn(2, ref(1))]);
    const p = planCalculation({ id: 1, filters: filters(ref(2)), query: null }, g);
    expect(p).toMatchObject({ kind: "unsupported", message: expect.stringMatching(/cohort 2, .*\(it refers to cohort 1\)/) });
  });
});
