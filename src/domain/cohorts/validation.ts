// Cohort input rules (zod): the shape of every field, the shape of `filters`
// (`{properties: {type: AND|OR, values: [...]}}`, nested groups allowed; a
// value is a person, behavioral or cohort filter, or a group), and the rules
// between fields (static ↔ persons, filters xor query, cohortType agreeing
// with what the filters imply, the cohorts referred to: references.ts).
// Every problem is reported at once.
import { z } from "zod";
import { nameTypeError } from "../names.js";
import type { UserError } from "../outcome.js";
import { userError, userErrorsFromZod } from "../outcome.js";
import { EMPTY_GRAPH, referenceErrors, referredId, type CohortGraph } from "./references.js";

export const COHORT_NAME_MAX = 400;
export const COHORT_DESCRIPTION_MAX = 1000;
export const STATIC_PERSON_IDS_MAX = 10_000;
export const FILTER_DEPTH_MAX = 10;

/** PostHog's cohort types, as stored (lowercase). */
export const COHORT_TYPES = ["static", "person_property", "behavioral", "realtime", "analytical"] as const;
export type CohortTypeValue = (typeof COHORT_TYPES)[number];

/** Operators of a person property filter that this service calculates. */
export const PERSON_OPERATORS = [
  "exact",
  "is_not",
  "icontains",
  "not_icontains",
  "regex",
  "not_regex",
  "gt",
  "gte",
  "lt",
  "lte",
  "is_set",
  "is_not_set",
] as const;
export type PersonOperator = (typeof PERSON_OPERATORS)[number];

/** PostHog's behavioral filter kinds; the last five make a cohort analytical, as in PostHog. */
export const BEHAVIORAL_TYPES = [
  "performed_event",
  "performed_event_multiple",
  "performed_event_first_time",
  "performed_event_sequence",
  "performed_event_regularly",
  "stopped_performing_event",
  "restarted_performing_event",
] as const;
export const ANALYTICAL_BEHAVIORAL_TYPES = new Set<string>([
  "performed_event_first_time",
  "performed_event_sequence",
  "performed_event_regularly",
  "stopped_performing_event",
  "restarted_performing_event",
]);

type Scalar = string | number | boolean;

export interface PersonFilter {
  type: "person";
  key: string;
  operator?: PersonOperator;
  value?: Scalar | Scalar[] | null;
  negation?: boolean;
}
export interface BehavioralFilter {
  type: "behavioral";
  key: string | number;
  value: (typeof BEHAVIORAL_TYPES)[number];
  negation?: boolean;
  [extra: string]: unknown;
}
/** Persons who are (or, with `negation`, are not) members of another cohort of the project (PostHog's cohort filter). */
export interface CohortFilter {
  type: "cohort";
  key: "id";
  /** The referred cohort's integer id (or its digits). */
  value: number | string;
  negation?: boolean;
}
export type PropertyFilter = PersonFilter | BehavioralFilter | CohortFilter;
export interface FilterGroup {
  type: "AND" | "OR";
  /** Filters and groups; an empty group matches nobody. */
  values: (FilterGroup | PropertyFilter)[];
}
export interface CohortFilters {
  properties: FilterGroup;
}

const scalar = z.union([z.string(), z.number(), z.boolean()], { error: "Must be a string, a number or a boolean." });

const personFilter = z
  .looseObject({
    type: z.literal("person"),
    key: z
      .string({ error: "A person filter needs a property `key` (a string)." })
      .trim()
      .min(1, "The property key must not be blank.")
      .max(400, "The property key must be at most 400 characters."),
    operator: z.enum(PERSON_OPERATORS, { error: `The operator must be one of: ${PERSON_OPERATORS.join(", ")}.` }).optional(),
    value: z.union([scalar, z.array(scalar)], { error: "The value must be a string, a number, a boolean or a list of them." }).nullish(),
    negation: z.boolean({ error: "`negation` must be a boolean." }).optional(),
  })
  .superRefine((f, ctx) => {
    const op = f.operator ?? "exact";
    const v = f.value;
    const issue = (message: string) => ctx.addIssue({ code: "custom", path: ["value"], message });
    if (op === "is_set" || op === "is_not_set") return;
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return issue(`The operator \`${op}\` needs a value.`);
    if (op === "exact" || op === "is_not") return;
    if (Array.isArray(v)) return issue(`The operator \`${op}\` takes one value, not a list.`);
    if (op === "gt" || op === "gte" || op === "lt" || op === "lte") {
      if (typeof v === "boolean" || !Number.isFinite(Number(v)) || String(v).trim() === "")
        issue(`The operator \`${op}\` compares numbers: the value must be a number.`);
      return;
    }
    if (typeof v === "boolean" || String(v) === "") issue(`The operator \`${op}\` needs a non-empty text value.`);
  });

const behavioralFilter = z.looseObject({
  type: z.literal("behavioral"),
  key: z.union([z.string().trim().min(1), z.number().int()], {
    error: "A behavioral filter needs a `key`: the event name or the action id.",
  }),
  value: z.enum(BEHAVIORAL_TYPES, { error: `A behavioral filter's \`value\` must be one of: ${BEHAVIORAL_TYPES.join(", ")}.` }),
  event_type: z.enum(["events", "actions"], { error: "`event_type` must be `events` or `actions`." }).optional(),
  negation: z.boolean({ error: "`negation` must be a boolean." }).optional(),
});

const cohortFilter = z.looseObject({
  type: z.literal("cohort"),
  key: z.literal("id", { error: 'A cohort filter\'s `key` must be "id".' }),
  value: z.unknown().refine((v) => referredId(v) !== null, {
    error: "A cohort filter's `value` must be the integer id of a cohort of the same project.",
  }),
  negation: z.boolean({ error: "`negation` must be a boolean." }).optional(),
});

const groupShape = z.looseObject({
  type: z.enum(["AND", "OR"], { error: "A group's `type` must be AND or OR." }),
  // An empty group is allowed: it matches nobody.
  values: z.array(z.unknown(), { error: "A group needs `values`: a list of filters and groups." }),
});

type Issue = { path: (string | number)[]; message: string };

/** Checks a filter group recursively; returns the issues with paths relative to the group. */
function groupIssues(value: unknown, depth: number): Issue[] {
  if (depth > FILTER_DEPTH_MAX) return [{ path: [], message: `Groups nest at most ${FILTER_DEPTH_MAX} levels deep.` }];
  const shape = groupShape.safeParse(value);
  if (!shape.success) return shape.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message }));
  const issues: Issue[] = [];
  shape.data.values.forEach((item, index) => {
    const at = (i: Issue): Issue => ({ path: ["values", index, ...i.path], message: i.message });
    if (item && typeof item === "object" && !Array.isArray(item) && "values" in item) {
      issues.push(...groupIssues(item, depth + 1).map(at));
      return;
    }
    const type = item && typeof item === "object" ? (item as { type?: unknown }).type : undefined;
    const schema = type === "person" ? personFilter : type === "behavioral" ? behavioralFilter : type === "cohort" ? cohortFilter : null;
    if (!schema) {
      issues.push(
        at({
          path: ["type"],
          message:
            "A filter's `type` must be `person` (a person property), `behavioral` (what a person did) or `cohort` (a member " +
            "of another cohort); a group has `type` AND|OR and `values`.",
        }),
      );
      return;
    }
    const parsed = schema.safeParse(item, { reportInput: true });
    if (!parsed.success) issues.push(...parsed.error.issues.map((i) => at({ path: i.path as (string | number)[], message: i.message })));
  });
  return issues;
}

/** `filters`: `{properties: <group>}`, checked all the way down. */
export const cohortFilters = z.unknown().superRefine((value, ctx) => {
  if (value === null || value === undefined) return;
  if (typeof value !== "object" || Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: "Filters must be an object `{properties: {type: AND|OR, values: [...]}}`." });
    return;
  }
  const properties = (value as { properties?: unknown }).properties;
  if (properties === undefined || properties === null) {
    ctx.addIssue({ code: "custom", path: ["properties"], message: "Filters need `properties`: a group `{type: AND|OR, values: [...]}`." });
    return;
  }
  for (const issue of groupIssues(properties, 1))
    ctx.addIssue({ code: "custom", path: ["properties", ...issue.path], message: issue.message });
});

/** `query`: a PostHog query object (e.g. `{kind: "HogQLQuery", query: "..."}`). */
export const cohortQuery = z
  .looseObject(
    { kind: z.string({ error: "A query needs a `kind` (e.g. `HogQLQuery`)." }).min(1, "A query needs a `kind`.") },
    { error: "The query must be an object with a `kind`." },
  )
  .nullish();

const cohortName = z
  .string({ error: nameTypeError })
  .trim()
  .min(1, "Name must not be blank.")
  .max(COHORT_NAME_MAX, `Name must be at most ${COHORT_NAME_MAX} characters.`);

const description = z.string().max(COHORT_DESCRIPTION_MAX, `Description must be at most ${COHORT_DESCRIPTION_MAX} characters.`).nullish();
const groups = z.array(z.unknown(), { error: "`groups` (PostHog's legacy definition) must be a list." }).nullish();
const cohortType = z.enum(COHORT_TYPES).nullish();

export const createCohortInput = z.object({
  environmentId: z.union([z.string(), z.number()]).transform(String),
  name: cohortName,
  description,
  groups,
  filters: cohortFilters.optional(),
  query: cohortQuery,
  isStatic: z.boolean().nullish(),
  cohortType,
  staticPersonIds: z
    .array(z.guid({ error: "Each person id must be a UUID." }))
    .max(STATIC_PERSON_IDS_MAX, `At most ${STATIC_PERSON_IDS_MAX} person ids at once.`)
    .nullish(),
});

export const updateCohortInput = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  name: cohortName.optional(),
  description,
  groups,
  filters: cohortFilters.optional(),
  query: cohortQuery,
  cohortType,
});

export type CreateCohortData = z.infer<typeof createCohortInput>;
export type UpdateCohortData = z.infer<typeof updateCohortInput>;

const present = (v: unknown) => v !== undefined && v !== null;

/** Every property filter in a group tree. */
export function filtersOf(group: FilterGroup): PropertyFilter[] {
  return group.values.flatMap((v) => ("values" in v ? filtersOf(v as FilterGroup) : [v as PropertyFilter]));
}

/** The type of the cohort a cohort filter refers to (null when unknown). */
export type ReferredType = (id: number) => CohortTypeValue | null;

/** Precedence of the types a dynamic cohort's filters imply (PostHog's TYPE_PRIORITY): the highest wins. */
const TYPE_RANK: Partial<Record<CohortTypeValue, number>> = { person_property: 1, behavioral: 2, analytical: 3 };

/**
 * The cohort type the definition implies, as PostHog determines it: static,
 * analytical for a query, else the highest of its filters' types, where a
 * cohort filter counts as the type of the cohort it refers to. A static or
 * unknown referred cohort counts as person_property: its members are given,
 * so the referring cohort is calculated here as a person property one is.
 */
export function impliedCohortType(
  def: { isStatic: boolean; filters: unknown; query: unknown },
  referredType: ReferredType = () => null,
): CohortTypeValue | null {
  if (def.isStatic) return "static";
  if (present(def.query)) return "analytical";
  const props = (def.filters as CohortFilters | null | undefined)?.properties;
  if (!props || !Array.isArray(props.values)) return null;
  let best: CohortTypeValue | null = null;
  for (const f of filtersOf(props)) {
    let type: CohortTypeValue = "person_property";
    if (f.type === "behavioral") type = ANALYTICAL_BEHAVIORAL_TYPES.has(String(f.value)) ? "analytical" : "behavioral";
    if (f.type === "cohort") {
      const id = referredId(f.value);
      const referred = id === null ? null : referredType(id);
      type = referred && TYPE_RANK[referred] ? referred : "person_property";
    }
    if (!best || (TYPE_RANK[type] ?? 0) > (TYPE_RANK[best] ?? 0)) best = type;
  }
  return best;
}

/**
 * The rules between fields, for the definition a cohort will have after the
 * change (`def`); `given` says which fields the input named (for error paths).
 */
export function definitionErrors(
  def: { isStatic: boolean; filters: unknown; query: unknown; cohortType: CohortTypeValue | null | undefined; staticPersonIds?: unknown },
  given: { filters: boolean; query: boolean; cohortType: boolean },
  filtersValid: boolean,
  referredType?: ReferredType,
): UserError[] {
  const errors: UserError[] = [];
  if (def.isStatic) {
    if (present(def.filters))
      errors.push(userError(["filters"], "A static cohort is a list of persons: it takes no filters (give staticPersonIds instead)."));
    if (present(def.query))
      errors.push(userError(["query"], "A static cohort is a list of persons: it takes no query (give staticPersonIds instead)."));
  } else {
    // Neither filters nor a query is an empty cohort (as in PostHog): calculated, it has no members.
    if (present(def.filters) && present(def.query)) {
      errors.push(userError([given.query || !given.filters ? "query" : "filters"], "Give filters or a query, not both.", "CONFLICT"));
    }
    if (present(def.staticPersonIds))
      errors.push(userError(["staticPersonIds"], "Only static cohorts take person ids (set isStatic: true)."));
  }
  if (given.cohortType && def.cohortType && errors.length === 0 && filtersValid) {
    const expected = impliedCohortType(def, referredType);
    if (expected && expected !== def.cohortType) {
      errors.push(userError(["cohortType"], `Cohort type \`${def.cohortType}\` does not match the definition: expected \`${expected}\`.`));
    }
  }
  return errors;
}

/**
 * The type of each cohort of the project, as its stored definition implies it
 * (following its own references; a loop or a missing cohort gives null).
 */
export function referredTypeIn(graph: CohortGraph): ReferredType {
  const typeOf = (id: number, path: ReadonlySet<number>): CohortTypeValue | null => {
    const node = graph.get(id);
    if (!node || path.has(id)) return null;
    const inner = new Set(path).add(id);
    return impliedCohortType(node, (next) => typeOf(next, inner));
  };
  return (id) => typeOf(id, new Set());
}

/** The project's cohorts, for the rules on references: the cohort being changed (null while created) and the graph. */
export interface ReferenceContext {
  cohortId: number | null;
  graph: CohortGraph;
}

const NO_REFERENCES: ReferenceContext = { cohortId: null, graph: EMPTY_GRAPH };

/** Zod issues, cross-field rules (those on a field zod already faults are left out) and reference errors, in one list. */
function allErrors(zodErrors: UserError[], rules: UserError[], references: UserError[]): UserError[] {
  const samePath = (a: UserError, b: UserError) => a.field?.join(".") === b.field?.join(".");
  return [
    ...zodErrors,
    ...rules.filter((r) => !zodErrors.some((z) => z.field?.[1] === r.field?.[1])),
    ...references.filter((r) => !zodErrors.some((z) => samePath(z, r))),
  ];
}

/** Create: zod issues, cross-field rules and the cohorts referred to, all at once. */
export function validateCreateCohort(
  input: unknown,
  refs: ReferenceContext = NO_REFERENCES,
): { ok: true; data: CreateCohortData } | { ok: false; errors: UserError[] } {
  const parsed = createCohortInput.safeParse(input, { reportInput: true });
  const raw = (input ?? {}) as Record<string, unknown>;
  const zodErrors = parsed.success ? [] : userErrorsFromZod(parsed.error);
  const filtersValid = !zodErrors.some((e) => e.field?.[1] === "filters" || e.field?.[1] === "query");
  const cohortTypeValid = !zodErrors.some((e) => e.field?.[1] === "cohortType");
  const rules = definitionErrors(
    {
      isStatic: raw.isStatic === true,
      filters: raw.filters,
      query: raw.query,
      cohortType: cohortTypeValid ? (raw.cohortType as CohortTypeValue | null | undefined) : null,
      staticPersonIds: raw.staticPersonIds,
    },
    { filters: present(raw.filters), query: present(raw.query), cohortType: present(raw.cohortType) },
    filtersValid,
    referredTypeIn(refs.graph),
  );
  const references = raw.isStatic === true ? [] : referenceErrors(refs.cohortId, raw.filters, refs.graph);
  const errors = allErrors(zodErrors, rules, references);
  if (errors.length || !parsed.success) return { ok: false, errors };
  return { ok: true, data: parsed.data };
}

/** Update: zod issues, the cross-field rules on the definition after the change, and the cohorts new filters refer to. */
export function validateUpdateCohort(
  input: unknown,
  current: { isStatic: boolean; filters: unknown; query: unknown },
  refs: ReferenceContext = NO_REFERENCES,
): { ok: true; data: UpdateCohortData } | { ok: false; errors: UserError[] } {
  const parsed = updateCohortInput.safeParse(input, { reportInput: true });
  const raw = (input ?? {}) as Record<string, unknown>;
  const zodErrors = parsed.success ? [] : userErrorsFromZod(parsed.error);
  const filtersValid = !zodErrors.some((e) => e.field?.[1] === "filters" || e.field?.[1] === "query");
  const cohortTypeValid = !zodErrors.some((e) => e.field?.[1] === "cohortType");
  const touchesDefinition = raw.filters !== undefined || raw.query !== undefined || present(raw.cohortType);
  const rules = touchesDefinition
    ? definitionErrors(
        {
          isStatic: current.isStatic,
          filters: raw.filters !== undefined ? raw.filters : current.filters,
          query: raw.query !== undefined ? raw.query : current.query,
          cohortType: cohortTypeValid ? (raw.cohortType as CohortTypeValue | null | undefined) : null,
        },
        { filters: raw.filters !== undefined, query: raw.query !== undefined, cohortType: present(raw.cohortType) },
        filtersValid,
        referredTypeIn(refs.graph),
      )
    : [];
  // Only new filters are checked: stored references were checked when they were written.
  const references = raw.filters !== undefined && !current.isStatic ? referenceErrors(refs.cohortId, raw.filters, refs.graph) : [];
  const errors = allErrors(zodErrors, rules, references);
  if (errors.length || !parsed.success) return { ok: false, errors };
  return { ok: true, data: parsed.data };
}

/** The most persons one call adds or removes. */
export const PERSONS_PER_CALL_MAX = STATIC_PERSON_IDS_MAX;

/** addPersonsToStaticCohort / removePersonsFromStaticCohort: the cohort, and persons by UUID or distinct id (at least one). */
export const staticPersonsInput = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    personIds: z
      .array(z.guid({ error: "Each person id must be a UUID." }))
      .max(PERSONS_PER_CALL_MAX, `At most ${PERSONS_PER_CALL_MAX} person ids at once.`)
      .nullish(),
    distinctIds: z
      .array(
        z
          .string({ error: "Each distinct id must be a string." })
          .min(1, "A distinct id must not be empty.")
          .max(400, "A distinct id is at most 400 characters."),
      )
      .max(PERSONS_PER_CALL_MAX, `At most ${PERSONS_PER_CALL_MAX} distinct ids at once.`)
      .nullish(),
  })
  .superRefine((v, ctx) => {
    if (!v.personIds?.length && !v.distinctIds?.length)
      ctx.addIssue({ code: "custom", path: ["personIds"], message: "Name at least one person: give personIds or distinctIds." });
  });

export type StaticPersonsData = z.infer<typeof staticPersonsInput>;

/** The input of a change of a static cohort's persons, all problems at once. */
export function validateStaticPersons(input: unknown): { ok: true; data: StaticPersonsData } | { ok: false; errors: UserError[] } {
  const parsed = staticPersonsInput.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    // The "name at least one" rule is a missing value.
    return {
      ok: false,
      errors: userErrorsFromZod(parsed.error).map((e) => (e.message.startsWith("Name at least one") ? { ...e, code: "REQUIRED" } : e)),
    };
  }
  return { ok: true, data: parsed.data };
}
