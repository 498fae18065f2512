// Calculating a dynamic cohort's membership in the background, as PostHog's
// workers do: a mutation marks the cohort calculating (pendingVersion) and
// returns; a job started after its transaction commits evaluates the person
// property filters against Person.properties in one INSERT ... SELECT and
// stores the members (CohortPerson), count, version and lastCalculation.
// A cohort filter (`{type: "cohort", value: <id>}`) matches the members the
// referred cohort has stored: a static cohort's persons as given, a dynamic
// one's as last calculated. So calculations follow the references: the
// cohorts that refer to a recalculated cohort are marked calculating with it
// and recalculated after it, dependencies first, and every calculation of
// this process runs one after the other (a queue), in the order they were
// started.
// Behavioral filters and HogQL queries need event data this service does not
// hold: the job finishes with a lastErrorMessage saying so (count null), and
// so does a cohort referring to such a cohort.
// The plan (which definitions are calculated, and the SQL condition of each
// filter) is made here; the statements are in store.ts.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";
import type { CohortFilter, CohortFilters, FilterGroup, PersonFilter, PropertyFilter } from "./validation.js";
import { filtersOf } from "./validation.js";
import { likeEscape } from "../../db/like.js";
import {
  checkPatterns,
  cohortGraph,
  lockForCalculation,
  markCalculating,
  recordCalculated,
  recordCalculationFailure,
  replaceMembers,
} from "./store.js";
import { EMPTY_GRAPH, dependentsInOrder, referencesOf, referredId, type CohortGraph } from "./references.js";

type Sql = Prisma.Sql;

/** What a calculation will do with a cohort's definition. */
export type CalculationPlan = { kind: "persons"; where: Sql; patterns: string[] } | { kind: "unsupported"; message: string };

export const BEHAVIORAL_MESSAGE =
  "Behavioral filters need event data, which this service does not hold: the cohort is stored, but its members cannot be calculated " +
  "here (count is null).";
export const QUERY_MESSAGE =
  "Cohorts defined by a query need PostHog's event store, which this service does not have: the cohort is stored, but its members " +
  "cannot be calculated here (count is null).";

const NUMERIC = "^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$";

const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "boolean" ? (v ? "true" : "false") : String(v));

/** The SQL condition of one person property filter on `p` (a "Person" row); never NULL. */
function personCondition(f: PersonFilter, patterns: string[]): Sql {
  const prop = Prisma.sql`(p.properties ->> ${f.key}::text)`;
  const num = Prisma.sql`(CASE WHEN ${prop} ~ ${NUMERIC}::text THEN ${prop}::float8 END)`;
  const values = (Array.isArray(f.value) ? f.value : [f.value]).filter((v) => v !== null && v !== undefined).map(text);
  const one = values[0] ?? "";
  let cond: Sql;
  switch (f.operator ?? "exact") {
    case "exact":
      cond = Prisma.sql`coalesce(${prop} = ANY(${values}::text[]), false)`;
      break;
    case "is_not":
      cond = Prisma.sql`NOT coalesce(${prop} = ANY(${values}::text[]), false)`;
      break;
    case "icontains":
      cond = Prisma.sql`coalesce(${prop} ILIKE ${`%${likeEscape(one)}%`}::text, false)`;
      break;
    case "not_icontains":
      cond = Prisma.sql`NOT coalesce(${prop} ILIKE ${`%${likeEscape(one)}%`}::text, false)`;
      break;
    case "regex":
      patterns.push(one);
      cond = Prisma.sql`coalesce(${prop} ~ ${one}::text, false)`;
      break;
    case "not_regex":
      patterns.push(one);
      cond = Prisma.sql`NOT coalesce(${prop} ~ ${one}::text, false)`;
      break;
    case "gt":
      cond = Prisma.sql`coalesce(${num} > ${Number(one)}::float8, false)`;
      break;
    case "gte":
      cond = Prisma.sql`coalesce(${num} >= ${Number(one)}::float8, false)`;
      break;
    case "lt":
      cond = Prisma.sql`coalesce(${num} < ${Number(one)}::float8, false)`;
      break;
    case "lte":
      cond = Prisma.sql`coalesce(${num} <= ${Number(one)}::float8, false)`;
      break;
    case "is_set":
      cond = Prisma.sql`(${prop} IS NOT NULL)`;
      break;
    case "is_not_set":
      cond = Prisma.sql`(${prop} IS NULL)`;
      break;
  }
  return f.negation ? Prisma.sql`(NOT ${cond})` : cond;
}

/** The SQL condition of a cohort filter on `p`: a member (or, negated, not a member) of the referred cohort as stored. */
function cohortCondition(f: CohortFilter): Sql {
  const member = Prisma.sql`(p.id IN (SELECT cp."personId" FROM "CohortPerson" cp WHERE cp."cohortId" = ${referredId(f.value)}::int))`;
  return f.negation ? Prisma.sql`(NOT ${member})` : member;
}

function groupCondition(group: FilterGroup, patterns: string[]): Sql {
  // An empty group matches nobody.
  if (group.values.length === 0) return Prisma.sql`false`;
  const parts = group.values.map((v) =>
    "values" in v
      ? groupCondition(v as FilterGroup, patterns)
      : (v as PropertyFilter).type === "cohort"
        ? cohortCondition(v as CohortFilter)
        : personCondition(v as PersonFilter, patterns),
  );
  return Prisma.sql`(${Prisma.join(parts, group.type === "OR" ? " OR " : " AND ")})`;
}

/** Why a referred cohort's members cannot be relied on here, or null when they can (static, or calculable all the way down). */
function referenceProblem(graph: CohortGraph, id: number, path: ReadonlySet<number>): string | null {
  const node = graph.get(id);
  if (!node || node.deleted) return `The cohort refers to cohort ${id}, which is deleted or not in this project.`;
  if (node.isStatic) return null;
  const why = (reason: string) => `The cohort refers to cohort ${id}, whose members cannot be calculated here (${reason}).`;
  if (path.has(id)) return why("cohorts refer to each other in a loop");
  if (node.query !== null && node.query !== undefined) return why("it is defined by a query");
  const properties = (node.filters as CohortFilters | null)?.properties;
  if (properties && Array.isArray(properties.values) && filtersOf(properties).some((f) => f.type === "behavioral"))
    return why("behavioral filters");
  const inner = new Set(path).add(id);
  for (const next of referencesOf(node)) if (referenceProblem(graph, next, inner)) return why(`it refers to cohort ${next}`);
  return null;
}

export const referenceMessage = (problem: string) => `${problem} Its members cannot be calculated either (count is null).`;

/**
 * How a cohort's definition is calculated, or why it cannot be here. `graph`:
 * the cohorts of its project, for the cohorts it refers to. No filters (an
 * empty cohort) and empty groups match nobody.
 */
export function planCalculation(
  cohort: { id?: number; filters: unknown; query: unknown },
  graph: CohortGraph = EMPTY_GRAPH,
): CalculationPlan {
  if (cohort.query !== null && cohort.query !== undefined) return { kind: "unsupported", message: QUERY_MESSAGE };
  const properties = (cohort.filters as CohortFilters | null)?.properties;
  if (!properties) return { kind: "persons", where: Prisma.sql`false`, patterns: [] };
  const all = filtersOf(properties);
  if (all.some((f) => f.type === "behavioral")) return { kind: "unsupported", message: BEHAVIORAL_MESSAGE };
  const path = new Set(cohort.id === undefined ? [] : [cohort.id]);
  for (const f of all) {
    if (f.type !== "cohort") continue;
    const problem = referenceProblem(graph, referredId(f.value) ?? 0, path);
    if (problem) return { kind: "unsupported", message: referenceMessage(problem) };
  }
  const patterns: string[] = [];
  return { kind: "persons", where: groupCondition(properties, patterns), patterns };
}

/** The database's own words for a failed statement (e.g. an invalid regular expression). */
function failureMessage(error: unknown): string {
  const e = error as {
    message?: string;
    meta?: { message?: string; driverAdapterError?: { cause?: { message?: string } } };
    cause?: { message?: string; originalMessage?: string };
  };
  const detail =
    e?.meta?.driverAdapterError?.cause?.message ??
    e?.cause?.originalMessage ??
    e?.cause?.message ??
    e?.meta?.message ??
    e?.message ??
    String(error);
  return `The calculation failed: ${detail.split("\n").filter(Boolean).at(-1)?.trim() ?? "unknown error"}`;
}

/**
 * Calculates version `version` of a cohort's membership. Does nothing when a
 * newer change superseded this version (its own job will write). Never throws
 * for a bad definition: the failure is recorded on the cohort.
 */
export async function calculateCohort(prisma: PrismaClient, cohortId: number, version: number): Promise<void> {
  const graph = await cohortGraph(prisma, { cohortId });
  const cohort = graph.get(cohortId);
  if (!cohort || cohort.isStatic || cohort.pendingVersion !== version) return;
  const plan = planCalculation(cohort, graph);
  const fail = (message: string) =>
    prisma.$transaction(async (tx) => {
      const row = await lockForCalculation(tx, cohortId);
      if (row?.pendingVersion !== version) return;
      await recordCalculationFailure(tx, cohortId, message, plan.kind === "unsupported");
    });
  if (plan.kind === "unsupported") return fail(plan.message);
  try {
    await prisma.$transaction(async (tx) => {
      const row = await lockForCalculation(tx, cohortId);
      if (row?.pendingVersion !== version) return;
      // Invalid patterns fail here, even when no person has the property.
      if (plan.patterns.length) await checkPatterns(tx, plan.patterns);
      const count = await replaceMembers(tx, cohortId, row.environmentId, version, plan.where);
      await recordCalculated(tx, cohortId, version, count);
    });
  } catch (error) {
    await fail(failureMessage(error));
  }
}

// ---- the background jobs ---------------------------------------------------------

/** One cohort's calculation: the version to calculate. */
export interface CalculationStep {
  cohortId: number;
  version: number;
}

/** The end of the queue: every calculation of this process runs after the ones started before it. */
let queue: Promise<void> = Promise.resolve();
let pending = 0;

/**
 * Starts calculations in the background, one after the other in the given
 * order (after every calculation started before: so a cohort referring to
 * another is calculated after it), on a later turn of the event loop, so
 * after the caller's transaction has committed. The mutation's response does
 * not wait for them.
 */
export function scheduleCohortCalculations(prisma: PrismaClient, steps: readonly CalculationStep[]): void {
  if (steps.length === 0) return;
  pending += 1;
  queue = queue
    .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
    .then(async () => {
      for (const { cohortId, version } of steps) {
        try {
          await calculateCohort(prisma, cohortId, version);
        } catch (error) {
          // The database went away (shutdown, a test's end): the cohort stays calculating, as after a worker crash in PostHog.
          console.warn(`cohort ${cohortId}: calculation of version ${version} stopped: ${(error as Error)?.message ?? error}`);
        }
      }
    })
    .finally(() => {
      pending -= 1;
    });
}

/** Starts the calculation of one version of a cohort (see scheduleCohortCalculations). */
export function scheduleCohortCalculation(prisma: PrismaClient, cohortId: number, version: number): void {
  scheduleCohortCalculations(prisma, [{ cohortId, version }]);
}

/**
 * Marks the cohorts that refer to `cohortId` (directly or not; dynamic, not
 * deleted) calculating their next version, in one statement; answers their
 * steps in the order they are recalculated (dependencies first). `graph`: the
 * cohort's project's cohorts, as read in the same transaction.
 */
export async function markDependents(tx: Prisma.TransactionClient, graph: CohortGraph, cohortId: number): Promise<CalculationStep[]> {
  const order = dependentsInOrder(graph, cohortId);
  if (order.length === 0) return [];
  const versions = new Map((await markCalculating(tx, order)).map((r) => [r.id, r.version]));
  return order.flatMap((id) => (versions.has(id) ? [{ cohortId: id, version: versions.get(id) as number }] : []));
}

/**
 * Recalculates a dynamic cohort now, and then the cohorts that refer to it
 * (the operator CLI's `cohort:recalculate`); answers the cohort's version, or
 * null when there is no such dynamic, not deleted cohort.
 */
export async function recalculateCohort(prisma: PrismaClient, cohortId: number): Promise<number | null> {
  const steps = await prisma.$transaction(async (tx) => {
    const graph = await cohortGraph(tx, { cohortId });
    const [own] = await markCalculating(tx, [cohortId]);
    if (!own) return null;
    return [{ cohortId, version: own.version }, ...(await markDependents(tx, graph, cohortId))];
  });
  if (!steps) return null;
  await waitForCohortCalculations();
  for (const step of steps) await calculateCohort(prisma, step.cohortId, step.version);
  return steps[0].version;
}

/** Resolves when every started calculation (and any they started) has finished. Tests and the CLI await it. */
export async function waitForCohortCalculations(): Promise<void> {
  while (pending > 0) await queue;
}
