// Cohort input rules (zod): the shape of every field, the shape of `filters`
// (`{properties: {type: AND|OR, values: [...]}}`, nested groups allowed), and
// the rules between fields (static ↔ persons, filters xor query, cohortType
// agreeing with what the filters imply). Every problem is reported at once.
import { z } from "zod";
import type { UserError } from "../outcome.js";
import { userError, userErrorsFromZod } from "../outcome.js";

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
export interface FilterGroup {
  type: "AND" | "OR";
  values: (FilterGroup | PersonFilter | BehavioralFilter)[];
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

const groupShape = z.looseObject({
  type: z.enum(["AND", "OR"], { error: "A group's `type` must be AND or OR." }),
  values: z
    .array(z.unknown(), { error: "A group needs `values`: a list of filters and groups." })
    .min(1, "A group needs at least one filter."),
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
    const schema = type === "person" ? personFilter : type === "behavioral" ? behavioralFilter : null;
    if (!schema) {
      issues.push(
        at({
          path: ["type"],
          message:
            type === "cohort"
              ? "Filters on other cohorts (type `cohort`) are not supported by this API; use person or behavioral filters."
              : "A filter's `type` must be `person` (a person property) or `behavioral` (what a person did); " +
                "a group has `type` AND|OR and `values`.",
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
  .string({
    error: (issue) =>
      issue.input === undefined
        ? "Name is required."
        : issue.input === null
          ? "Name must not be null; omit it to keep the current name."
          : "Name must be a string.",
  })
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
export function filtersOf(group: FilterGroup): (PersonFilter | BehavioralFilter)[] {
  return group.values.flatMap((v) => ("values" in v ? filtersOf(v as FilterGroup) : [v as PersonFilter | BehavioralFilter]));
}

/** The cohort type the definition implies, as PostHog determines it. */
export function impliedCohortType(def: { isStatic: boolean; filters: unknown; query: unknown }): CohortTypeValue | null {
  if (def.isStatic) return "static";
  if (present(def.query)) return "analytical";
  const props = (def.filters as CohortFilters | null | undefined)?.properties;
  if (!props) return null;
  const all = filtersOf(props);
  if (all.some((f) => f.type === "behavioral" && ANALYTICAL_BEHAVIORAL_TYPES.has(String(f.value)))) return "analytical";
  if (all.some((f) => f.type === "behavioral")) return "behavioral";
  return all.length ? "person_property" : null;
}

/**
 * The rules between fields, for the definition a cohort will have after the
 * change (`def`); `given` says which fields the input named (for error paths).
 */
export function definitionErrors(
  def: { isStatic: boolean; filters: unknown; query: unknown; cohortType: CohortTypeValue | null | undefined; staticPersonIds?: unknown },
  given: { filters: boolean; query: boolean; cohortType: boolean },
  filtersValid: boolean,
): UserError[] {
  const errors: UserError[] = [];
  if (def.isStatic) {
    if (present(def.filters))
      errors.push(userError(["filters"], "A static cohort is a list of persons: it takes no filters (give staticPersonIds instead)."));
    if (present(def.query))
      errors.push(userError(["query"], "A static cohort is a list of persons: it takes no query (give staticPersonIds instead)."));
  } else {
    if (present(def.filters) && present(def.query)) {
      errors.push(userError([given.query || !given.filters ? "query" : "filters"], "Give filters or a query, not both.", "CONFLICT"));
    } else if (!present(def.filters) && !present(def.query)) {
      errors.push(userError(["filters"], "A dynamic cohort needs filters or a query (set isStatic for a list of persons).", "REQUIRED"));
    }
    if (present(def.staticPersonIds))
      errors.push(userError(["staticPersonIds"], "Only static cohorts take person ids (set isStatic: true)."));
  }
  if (given.cohortType && def.cohortType && errors.length === 0 && filtersValid) {
    const expected = impliedCohortType(def);
    if (expected && expected !== def.cohortType) {
      errors.push(userError(["cohortType"], `Cohort type \`${def.cohortType}\` does not match the definition: expected \`${expected}\`.`));
    }
  }
  return errors;
}

/** Create: zod issues and cross-field rules, all at once. */
export function validateCreateCohort(input: unknown): { ok: true; data: CreateCohortData } | { ok: false; errors: UserError[] } {
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
  );
  const errors = [...zodErrors, ...rules.filter((r) => !zodErrors.some((z) => z.field?.[1] === r.field?.[1]))];
  if (errors.length || !parsed.success) return { ok: false, errors };
  return { ok: true, data: parsed.data };
}

/** Update: zod issues, and the cross-field rules on the definition after the change. */
export function validateUpdateCohort(
  input: unknown,
  current: { isStatic: boolean; filters: unknown; query: unknown },
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
      )
    : [];
  const errors = [...zodErrors, ...rules.filter((r) => !zodErrors.some((z) => z.field?.[1] === r.field?.[1]))];
  if (errors.length || !parsed.success) return { ok: false, errors };
  return { ok: true, data: parsed.data };
}
