// Cohorts that refer to cohorts (a filter `{type: "cohort", key: "id", value:
// <cohort id>}`), as in PostHog: the references in a definition, the checks of
// a new definition against the project's cohorts (a missing, foreign or
// deleted cohort, a self-reference, a loop), the cohort type a definition
// implies through what it refers to, and the order in which calculations
// follow the references (a cohort after the cohorts it refers to). Pure: the
// project's cohorts come in as a graph, read in one statement by store.ts.
import type { UserError } from "../outcome.js";
import { userError } from "../outcome.js";

/** What the rules need of one cohort of the project. */
export interface CohortNode {
  id: number;
  name: string | null;
  /** Deleted, or in an environment being deleted: it cannot be referred to, and it is not recalculated. */
  deleted: boolean;
  isStatic: boolean;
  filters: unknown;
  query: unknown;
}

/** The cohorts of one project, by id. */
export type CohortGraph = ReadonlyMap<number, CohortNode>;

export const EMPTY_GRAPH: CohortGraph = new Map();

export const graphOf = (nodes: Iterable<CohortNode>): CohortGraph => new Map([...nodes].map((n) => [n.id, n]));

/** One cohort filter of a definition. */
export interface CohortReference {
  /** The referred cohort's id. */
  id: number;
  negation: boolean;
  /** Where its `value` sits in the input, from `filters` (e.g. `["filters", "properties", "values", 0, "value"]`). */
  path: (string | number)[];
}

/** The referred cohort's id a cohort filter's `value` names: a positive integer, or its digits; null for anything else. */
export function referredId(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 && n <= 2_147_483_647 ? n : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Every cohort filter with a valid id in a definition's `filters`
 * (`{properties: group}`), in document order. Tolerates any shape: what is
 * not a group or a cohort filter is skipped (validation reports it).
 */
export function cohortReferences(filters: unknown): CohortReference[] {
  const found: CohortReference[] = [];
  const walk = (group: unknown, path: (string | number)[], depth: number) => {
    if (!isObject(group) || !Array.isArray(group.values) || depth > 20) return;
    group.values.forEach((item, i) => {
      if (!isObject(item)) return;
      const at = [...path, "values", i];
      if (Array.isArray(item.values)) walk(item, at, depth + 1);
      else if (item.type === "cohort") {
        const id = referredId(item.value);
        if (id !== null) found.push({ id, negation: item.negation === true, path: [...at, "value"] });
      }
    });
  };
  if (isObject(filters)) walk(filters.properties, ["filters", "properties"], 0);
  return found;
}

/** The ids a stored cohort refers to (none for a static cohort). */
export const referencesOf = (node: CohortNode): number[] => (node.isStatic ? [] : cohortReferences(node.filters).map((r) => r.id));

/**
 * A chain of references from `from` that comes back to `to` (`[from, ..., to]`),
 * following the stored definitions (deleted cohorts included: restoring one
 * must not close a loop); null when there is none.
 */
function pathBack(graph: CohortGraph, from: number, to: number): number[] | null {
  const seen = new Set<number>();
  const visit = (id: number): number[] | null => {
    if (id === to) return [id];
    if (seen.has(id)) return null;
    seen.add(id);
    const node = graph.get(id);
    if (!node) return null;
    for (const next of referencesOf(node)) {
      const rest = visit(next);
      if (rest) return [id, ...rest];
    }
    return null;
  };
  return visit(from);
}

/**
 * What is wrong with the cohorts a new definition refers to: for the cohort
 * `cohortId` (null while it is being created), whose new `filters` are given,
 * among the project's cohorts `graph`. One userError per bad reference, on
 * its `value`: a cohort of no one or of another project (NOT_FOUND), a
 * deleted one (NOT_FOUND), the cohort itself (INVALID), a loop back to the
 * cohort (CONFLICT: it depends on what the other cohorts refer to now).
 */
export function referenceErrors(cohortId: number | null, filters: unknown, graph: CohortGraph): UserError[] {
  const errors: UserError[] = [];
  for (const ref of cohortReferences(filters)) {
    const field = ref.path.map(String);
    const node = graph.get(ref.id);
    if (ref.id === cohortId) {
      errors.push(userError(field, "A cohort cannot refer to itself."));
    } else if (!node) {
      errors.push(
        userError(field, `No cohort ${ref.id} in this project: a cohort refers only to cohorts of its own project.`, "NOT_FOUND"),
      );
    } else if (node.deleted) {
      errors.push(userError(field, `Cohort ${ref.id} is deleted: restore it, or refer to another cohort.`, "NOT_FOUND"));
    } else if (cohortId !== null) {
      const back = pathBack(graph, ref.id, cohortId);
      if (back) {
        const loop = [cohortId, ...back].join(" → ");
        errors.push(userError(field, `Cohorts cannot refer to each other in a loop: cohort ${loop}.`, "CONFLICT"));
      }
    }
  }
  return errors;
}

/**
 * Orders cohorts so that each comes after every cohort of the list it refers
 * to, directly or not (dependencies first); ties in id order. Cohorts caught
 * in a loop (which the checks above never let in) come last, in id order.
 */
export function calculationOrder(graph: CohortGraph, ids: Iterable<number>): number[] {
  const wanted = new Set(ids);
  const order: number[] = [];
  const placed = new Set<number>();
  const visiting = new Set<number>();
  const inLoop = new Set<number>();
  const visit = (id: number): boolean => {
    if (placed.has(id)) return true;
    if (visiting.has(id)) return false;
    visiting.add(id);
    const node = graph.get(id);
    let ok = true;
    // Dependencies outside the list are walked too: A → B → C with only A and C listed still puts C first.
    for (const dep of node ? referencesOf(node) : []) if (!visit(dep)) ok = false;
    visiting.delete(id);
    if (!ok) {
      inLoop.add(id);
      return false;
    }
    placed.add(id);
    if (wanted.has(id)) order.push(id);
    return true;
  };
  for (const id of [...wanted].sort((a, b) => a - b)) visit(id);
  return [...order, ...[...wanted].filter((id) => !placed.has(id) && inLoop.has(id)).sort((a, b) => a - b)];
}

/**
 * The dynamic, not deleted cohorts that refer to `id`, directly or through
 * others, in the order they are recalculated after it (dependencies first).
 */
export function dependentsInOrder(graph: CohortGraph, id: number): number[] {
  const referrers = new Map<number, number[]>();
  for (const node of graph.values()) {
    if (node.deleted || node.isStatic) continue;
    for (const target of new Set(referencesOf(node))) referrers.set(target, [...(referrers.get(target) ?? []), node.id]);
  }
  const found = new Set<number>();
  const queue = [id];
  while (queue.length) {
    for (const referrer of referrers.get(queue.shift() as number) ?? []) {
      if (referrer === id || found.has(referrer)) continue;
      found.add(referrer);
      queue.push(referrer);
    }
  }
  return calculationOrder(graph, found);
}
