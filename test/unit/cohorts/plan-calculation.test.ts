// Planning a cohort's calculation, with no database: which definitions are
// calculated here (person property filters, an empty cohort) and which are
// not (queries, behavioral filters), and the SQL condition each filter becomes.
// Cohort filters (references to other cohorts) are in references.test.ts.
import { describe, expect, it } from "vitest";
import { BEHAVIORAL_MESSAGE, QUERY_MESSAGE, planCalculation, type CalculationPlan } from "../../../src/domain/cohorts/calculation.js";
import type { FilterGroup, PersonFilter } from "../../../src/domain/cohorts/validation.js";

const person = (key: string, operator: PersonFilter["operator"], value?: PersonFilter["value"], negation?: boolean): PersonFilter => ({
  type: "person",
  key,
  ...(operator ? { operator } : {}),
  ...(value !== undefined ? { value } : {}),
  ...(negation !== undefined ? { negation } : {}),
});
const behavioral = { type: "behavioral" as const, key: "$pageview", value: "performed_event" as const };
const group = (type: "AND" | "OR", ...values: FilterGroup["values"]): FilterGroup => ({ type, values });
const dynamic = (properties: FilterGroup) => ({ filters: { properties }, query: null });

const persons = (plan: CalculationPlan) => {
  if (plan.kind !== "persons") throw new Error(`expected a calculation, got: ${plan.message}`);
  return { text: plan.where.text.replace(/\s+/g, " "), values: plan.where.values, patterns: plan.patterns };
};

describe("what is calculated", () => {
  it.each<[string, { filters: unknown; query: unknown }, string | null]>([
    ["person property filters", dynamic(group("AND", person("plan", "exact", "paid"))), null],
    ["nested groups of person filters", dynamic(group("OR", group("AND", person("a", "is_set")), person("b", "lt", 3))), null],
    ["a query", { filters: null, query: { kind: "HogQLQuery", query: "select 1" } }, QUERY_MESSAGE],
    [
      "a query, even with filters beside it",
      { ...dynamic(group("AND", person("a", "is_set"))), query: { kind: "HogQLQuery" } },
      QUERY_MESSAGE,
    ],
    ["a behavioral filter", dynamic(group("AND", behavioral)), BEHAVIORAL_MESSAGE],
    [
      "a behavioral filter deep in a group of person filters",
      dynamic(group("AND", person("a", "is_set"), group("OR", person("b", "is_set"), behavioral))),
      BEHAVIORAL_MESSAGE,
    ],
    ["no filters (an empty cohort)", { filters: null, query: null }, null],
    ["filters without properties", { filters: {}, query: undefined }, null],
  ])("%s", (_name, cohort, unsupported) => {
    const plan = planCalculation(cohort);
    expect(plan.kind).toBe(unsupported === null ? "persons" : "unsupported");
    if (plan.kind === "unsupported") expect(plan.message).toBe(unsupported);
  });
});

// The property's text (`->>`), and its number when (and only when) the text is one.
const PROP = (n: number) => `(p.properties ->> $${n}::text)`;
const NUM = `(CASE WHEN ${PROP(1)} ~ $2::text THEN ${PROP(3)}::float8 END)`;

describe("the condition of each operator (one filter on `plan`)", () => {
  // [operator, value, condition inside the group's parentheses, values after the key]
  it.each<[PersonFilter["operator"], PersonFilter["value"], string, unknown[]]>([
    [undefined, "paid", `coalesce(${PROP(1)} = ANY($2::text[]), false)`, [["paid"]]],
    ["exact", "paid", `coalesce(${PROP(1)} = ANY($2::text[]), false)`, [["paid"]]],
    ["exact", ["US", "GB"], `coalesce(${PROP(1)} = ANY($2::text[]), false)`, [["US", "GB"]]],
    ["exact", [1, true, false], `coalesce(${PROP(1)} = ANY($2::text[]), false)`, [["1", "true", "false"]]],
    ["is_not", "paid", `NOT coalesce(${PROP(1)} = ANY($2::text[]), false)`, [["paid"]]],
    ["icontains", "Pa", `coalesce(${PROP(1)} ILIKE $2::text, false)`, ["%Pa%"]],
    ["icontains", "50%_off\\", `coalesce(${PROP(1)} ILIKE $2::text, false)`, ["%50\\%\\_off\\\\%"]],
    ["not_icontains", "pa", `NOT coalesce(${PROP(1)} ILIKE $2::text, false)`, ["%pa%"]],
    ["regex", "^p.*d$", `coalesce(${PROP(1)} ~ $2::text, false)`, ["^p.*d$"]],
    ["not_regex", "^p", `NOT coalesce(${PROP(1)} ~ $2::text, false)`, ["^p"]],
    ["gt", 5, `coalesce(${NUM} > $4::float8, false)`, [expect.any(String), "plan", 5]],
    ["gte", "2.5", `coalesce(${NUM} >= $4::float8, false)`, [expect.any(String), "plan", 2.5]],
    ["lt", -1, `coalesce(${NUM} < $4::float8, false)`, [expect.any(String), "plan", -1]],
    ["lte", "1e3", `coalesce(${NUM} <= $4::float8, false)`, [expect.any(String), "plan", 1000]],
    ["is_set", undefined, `(${PROP(1)} IS NOT NULL)`, []],
    ["is_not_set", undefined, `(${PROP(1)} IS NULL)`, []],
  ])("%s %j", (operator, value, condition, values) => {
    const plan = persons(planCalculation(dynamic(group("AND", person("plan", operator, value)))));
    expect(plan.text).toBe(`(${condition})`);
    expect(plan.values).toEqual(["plan", ...values]);
  });

  it("collects the patterns of regex operators, to be checked before any person is read", () => {
    const plan = persons(
      planCalculation(
        dynamic(group("AND", person("a", "regex", "^x"), group("OR", person("b", "not_regex", "y$"), person("c", "exact", "^z")))),
      ),
    );
    expect(plan.patterns).toEqual(["^x", "y$"]);
  });

  it("negation wraps the operator's condition", () => {
    const plan = persons(planCalculation(dynamic(group("AND", person("plan", "exact", "paid", true)))));
    expect(plan.text).toBe(`((NOT coalesce(${PROP(1)} = ANY($2::text[]), false)))`);
  });

  it("joins a group's filters with its type, nesting groups in parentheses", () => {
    const plan = persons(
      planCalculation(dynamic(group("OR", person("a", "is_set"), group("AND", person("b", "is_set"), person("c", "is_not_set"))))),
    );
    expect(plan.text).toBe(`((${PROP(1)} IS NOT NULL) OR ((${PROP(2)} IS NOT NULL) AND (${PROP(3)} IS NULL)))`);
    expect(plan.values).toEqual(["a", "b", "c"]);
  });
});

describe("empty cohorts and groups match nobody", () => {
  it.each<[string, { filters: unknown; query: unknown }, string]>([
    ["no filters", { filters: null, query: null }, "false"],
    ["an empty group", dynamic(group("AND")), "false"],
    ["an empty OR group beside a filter", dynamic(group("OR", group("OR"), person("a", "is_set"))), `(false OR (${PROP(1)} IS NOT NULL))`],
    ["an empty group in an AND", dynamic(group("AND", person("a", "is_set"), group("AND"))), `((${PROP(1)} IS NOT NULL) AND false)`],
  ])("%s", (_name, cohort, condition) => {
    expect(persons(planCalculation(cohort)).text).toBe(condition);
  });
});

describe("the numeric guard of gt/gte/lt/lte", () => {
  // Only properties whose text is a number are compared; any other text is no match (never an error).
  const numeric = () => {
    const plan = persons(planCalculation(dynamic(group("AND", person("n", "gt", 0)))));
    return new RegExp(String(plan.values[1]));
  };
  it.each([
    ["5", true],
    [" -3.5e2 ", true],
    [".5", true],
    ["5.", true],
    ["+7", true],
    ["1E-3", true],
    ["abc", false],
    ["5a", false],
    ["", false],
    ["1e", false],
    ["1.2.3", false],
    ["- 1", false],
  ])("%j is a number: %s", (text, expected) => {
    expect(numeric().test(text)).toBe(expected);
  });
});
