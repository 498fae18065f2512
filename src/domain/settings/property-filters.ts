// Property filters as PostHog's query schema defines them (posthog/types.py
// AnyPropertyFilter, the pydantic models of posthog/schema.py, all
// extra="forbid"): testAccountFilters is a list of them
// (validate_test_account_filters in posthog/api/team.py). And the narrower
// filters of recording trigger groups (_validate_trigger_property_filters).
// Each problem is reported with its path inside the value.

export type AddIssue = (path: (string | number)[], message: string) => void;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** PostHog's PropertyOperator. */
export const PROPERTY_OPERATORS = [
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
  "is_date_exact",
  "is_date_before",
  "is_date_after",
  "between",
  "not_between",
  "min",
  "max",
  "in",
  "not_in",
  "is_cleaned_path_exact",
  "flag_evaluates_to",
  "semver_eq",
  "semver_neq",
  "semver_gt",
  "semver_gte",
  "semver_lt",
  "semver_lte",
  "semver_tilde",
  "semver_caret",
  "semver_wildcard",
  "icontains_multi",
  "not_icontains_multi",
] as const;

interface FilterSpec {
  /** Whether `operator` must be given (most filters), may be (event, cohort), or must not be (hogql). */
  operator: "required" | "optional" | "none";
  /** Further keys this type takes, with their checks (a message when the value is wrong, else null). */
  extra?: Record<string, (value: unknown) => string | null>;
}

const nullableString = (v: unknown) => (v === null || typeof v === "string" ? null : "Must be a string or null.");
const STANDARD: FilterSpec = { operator: "required" };

/** The filter types of AnyPropertyFilter (`type` is each model's literal; a filter without one is an event filter). */
const FILTER_TYPES: Record<string, FilterSpec> = {
  event: { operator: "optional" },
  person: STANDARD,
  person_metadata: STANDARD,
  element: STANDARD,
  event_metadata: STANDARD,
  revenue_analytics: STANDARD,
  account_custom_property: STANDARD,
  session: STANDARD,
  log_entry: STANDARD,
  cohort: { operator: "optional", extra: { cohort_name: nullableString } },
  recording: STANDARD,
  group: {
    operator: "required",
    extra: {
      group_type_index: (v) => (v === null || Number.isInteger(v) ? null : "Must be an integer or null."),
      group_key_names: (v) =>
        v === null || (isPlainObject(v) && Object.values(v).every((n) => typeof n === "string"))
          ? null
          : "Must be an object of strings or null.",
    },
  },
  feature: STANDARD,
  flag: { operator: "optional" },
  hogql: { operator: "none" },
  data_warehouse: STANDARD,
  data_warehouse_person_property: STANDARD,
  error_tracking_issue: STANDARD,
  log: STANDARD,
  log_attribute: STANDARD,
  log_resource_attribute: STANDARD,
  metric_attribute: STANDARD,
  span: STANDARD,
  span_attribute: STANDARD,
  span_resource_attribute: STANDARD,
  workflow_variable: STANDARD,
};

const ELEMENT_KEYS = ["tag_name", "text", "href", "selector"];

const isScalar = (v: unknown) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

/** A filter's `value`: a string, number or boolean, a list of them, or null. */
const isFilterValue = (v: unknown) => v === null || isScalar(v) || (Array.isArray(v) && v.every(isScalar));

/** Checks one property filter of AnyPropertyFilter, reporting under `path`. */
export function checkPropertyFilter(filter: unknown, path: (string | number)[], add: AddIssue): void {
  if (!isPlainObject(filter)) {
    add(path, "Must be a property filter object, e.g. {key, type, operator, value}.");
    return;
  }
  const type = filter.type === undefined ? "event" : filter.type;
  // EmptyPropertyFilter: {} or {type: "empty"} and nothing else.
  if (type === "empty" || (filter.type === undefined && Object.keys(filter).length === 0)) {
    for (const key of Object.keys(filter)) if (key !== "type") add([...path, key], `An empty filter takes no ${key}.`);
    return;
  }
  const spec = typeof type === "string" ? FILTER_TYPES[type] : undefined;
  if (!spec) {
    add([...path, "type"], `Must be one of the property filter types: ${Object.keys(FILTER_TYPES).join(", ")}, empty.`);
    return;
  }
  const allowed = new Set([
    "key",
    "label",
    "type",
    "value",
    ...(spec.operator === "none" ? [] : ["operator"]),
    ...Object.keys(spec.extra ?? {}),
  ]);
  for (const key of Object.keys(filter)) {
    if (!allowed.has(key)) add([...path, key], `A ${type} filter takes no ${key}; it takes ${[...allowed].join(", ")}.`);
  }
  // key: required, except on cohort filters (always "id"); element filters name an element attribute.
  if (type === "cohort") {
    if (filter.key !== undefined && filter.key !== "id") add([...path, "key"], 'A cohort filter\'s key is "id".');
  } else if (typeof filter.key !== "string") {
    add([...path, "key"], "Give the property's key (a string).");
  } else if (type === "element" && !ELEMENT_KEYS.includes(filter.key)) {
    add([...path, "key"], `An element filter's key is one of ${ELEMENT_KEYS.join(", ")}.`);
  }
  if (filter.label !== undefined) {
    const problem = nullableString(filter.label);
    if (problem) add([...path, "label"], problem);
  }
  if (spec.operator !== "none") {
    const op = filter.operator;
    if (op === undefined || op === null) {
      if (spec.operator === "required") add([...path, "operator"], `A ${type} filter needs an operator.`);
    } else if (type === "flag" ? op !== "flag_evaluates_to" : !(PROPERTY_OPERATORS as readonly unknown[]).includes(op)) {
      add(
        [...path, "operator"],
        type === "flag" ? 'A flag filter\'s operator is "flag_evaluates_to".' : `Must be one of ${PROPERTY_OPERATORS.join(", ")}.`,
      );
    }
  }
  // value: a cohort's id, a flag's expected value, or a scalar or list (or null / absent: `is_set` needs none).
  if (type === "cohort") {
    if (!Number.isInteger(filter.value)) add([...path, "value"], "A cohort filter's value is the cohort's id (an integer).");
  } else if (type === "flag") {
    if (typeof filter.value !== "boolean" && typeof filter.value !== "string") {
      add([...path, "value"], "A flag filter's value is true, false or a variant name.");
    }
  } else if (filter.value !== undefined && !isFilterValue(filter.value)) {
    add([...path, "value"], "Must be a string, number or boolean, a list of them, or null.");
  }
  for (const [key, check] of Object.entries(spec.extra ?? {})) {
    if (filter[key] === undefined) continue;
    const problem = check(filter[key]);
    if (problem) add([...path, key], problem);
  }
}

/** Operators a recording trigger may use (the SDK evaluates them client-side). */
const TRIGGER_OPERATORS = ["exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "lt"];
const TRIGGER_TYPES = ["event", "person"];

/** A trigger group's property filters: a list of {key, type (event|person), operator?, value}. */
export function checkTriggerPropertyFilters(properties: unknown, path: (string | number)[], add: AddIssue): void {
  if (!Array.isArray(properties)) {
    add(path, "Must be a list of property filters.");
    return;
  }
  properties.forEach((prop, i) => {
    const at = [...path, i];
    if (!isPlainObject(prop)) {
      add(at, "Must be a property filter object.");
      return;
    }
    if (typeof prop.key !== "string") add([...at, "key"], "Give the property's key (a string).");
    if (!TRIGGER_TYPES.includes(prop.type as string)) add([...at, "type"], `Must be one of ${TRIGGER_TYPES.join(", ")}.`);
    if ("operator" in prop && !TRIGGER_OPERATORS.includes(prop.operator as string)) {
      add([...at, "operator"], `Invalid operator; triggers take ${TRIGGER_OPERATORS.join(", ")}.`);
    }
    // Every supported operator compares with a value (is_set / is_not_set are not supported).
    if (!("value" in prop)) add([...at, "value"], "Give the value to compare with.");
  });
}
