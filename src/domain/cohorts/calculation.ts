// Calculating a dynamic cohort's membership in the background, as PostHog's
// workers do: a mutation marks the cohort calculating (pendingVersion) and
// returns; a job started after its transaction commits evaluates the person
// property filters against Person.properties in one INSERT ... SELECT and
// stores the members (CohortPerson), count, version and lastCalculation.
// Behavioral filters and HogQL queries need event data this service does not
// hold: the job finishes with a lastErrorMessage saying so (count null).
// The plan (which definitions are calculated, and the SQL condition of each
// filter) is made here; the statements are in store.ts.
import { Prisma, type PrismaClient } from "../../generated/prisma/client.js";
import type { CohortFilters, FilterGroup, PersonFilter } from "./validation.js";
import { filtersOf } from "./validation.js";
import { likeEscape } from "../../db/like.js";
import { checkPatterns, cohortRecord, lockForCalculation, recordCalculated, recordCalculationFailure, replaceMembers } from "./store.js";

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

function groupCondition(group: FilterGroup, patterns: string[]): Sql {
  const parts = group.values.map((v) =>
    "values" in v ? groupCondition(v as FilterGroup, patterns) : personCondition(v as PersonFilter, patterns),
  );
  return Prisma.sql`(${Prisma.join(parts, group.type === "OR" ? " OR " : " AND ")})`;
}

/** How a cohort's definition is calculated, or why it cannot be here. */
export function planCalculation(cohort: { filters: unknown; query: unknown }): CalculationPlan {
  if (cohort.query !== null && cohort.query !== undefined) return { kind: "unsupported", message: QUERY_MESSAGE };
  const properties = (cohort.filters as CohortFilters | null)?.properties;
  if (!properties) return { kind: "unsupported", message: "The cohort has no filters to calculate." };
  if (filtersOf(properties).some((f) => f.type !== "person")) return { kind: "unsupported", message: BEHAVIORAL_MESSAGE };
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
  const cohort = await cohortRecord(prisma, cohortId);
  if (!cohort || cohort.isStatic || cohort.pendingVersion !== version) return;
  const plan = planCalculation(cohort);
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

const running = new Set<Promise<void>>();

/**
 * Starts a calculation in the background (on the next turn of the event loop,
 * so after the caller's transaction has committed). The mutation's response
 * does not wait for it.
 */
export function scheduleCohortCalculation(prisma: PrismaClient, cohortId: number, version: number): void {
  const job = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => calculateCohort(prisma, cohortId, version))
    .catch((error: unknown) => {
      // The database went away (shutdown, a test's end): the cohort stays calculating, as after a worker crash in PostHog.
      console.warn(`cohort ${cohortId}: calculation of version ${version} stopped: ${(error as Error)?.message ?? error}`);
    });
  running.add(job);
  void job.finally(() => running.delete(job));
}

/** Resolves when every started calculation (and any they started) has finished. Tests and the CLI await it. */
export async function waitForCohortCalculations(): Promise<void> {
  while (running.size) await Promise.allSettled([...running]);
}
