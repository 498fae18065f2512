// Operator CLI commands of the cohorts area: persons (the members of
// cohorts; this API has no person mutations) and recalculating a cohort.
import type { Command } from "../../cli/index.js";
import { recalculateCohort } from "./calculation.js";
import { cohortRecord, insertPerson, personWithDistinctId } from "./store.js";

export const cohortsCommands: Record<string, Command> = {
  "person:create": {
    summary: "Create a person in an environment (recalculate dynamic cohorts afterwards).",
    options: {
      environment: { type: "string", required: true, help: "the environment's (or project's) integer id" },
      "distinct-id": { type: "string", required: true, help: "the person's distinct id (unique in the environment)" },
      properties: { type: "string", help: 'person properties as a JSON object, e.g. \'{"plan":"paid"}\' (default {})' },
    },
    async run(db, o) {
      const environmentId = Number(o.environment);
      if (!Number.isInteger(environmentId) || environmentId <= 0) throw new Error("--environment must be a positive integer.");
      const env = await db.prisma.environment.findUnique({ where: { id: environmentId } });
      if (!env || env.isPendingDeletion) throw new Error(`No environment ${environmentId}.`);
      const distinctId = String(o["distinct-id"]).trim();
      if (!distinctId || distinctId.length > 400) throw new Error("--distinct-id must be 1–400 characters.");
      let properties: unknown = {};
      if (o.properties !== undefined) {
        try {
          properties = JSON.parse(String(o.properties));
        } catch {
          throw new Error("--properties is not valid JSON.");
        }
      }
      if (!properties || typeof properties !== "object" || Array.isArray(properties))
        throw new Error("--properties must be a JSON object.");
      const taken = await personWithDistinctId(db.prisma, environmentId, distinctId);
      if (taken)
        throw new Error(
          `Distinct id ${JSON.stringify(distinctId)} already belongs to person ${taken.uuid} in environment ${environmentId}.`,
        );
      const person = await insertPerson(db.prisma, { environmentId, distinctId, properties });
      console.log(`Created person ${person.uuid} (id ${person.id}) in environment ${environmentId}.`);
    },
  },
  "cohort:recalculate": {
    summary: "Recalculate a dynamic cohort's members now (e.g. after person:create), then the cohorts that refer to it.",
    options: { id: { type: "string", required: true, help: "the cohort's integer id" } },
    async run(db, o) {
      const id = Number(o.id);
      if (!Number.isInteger(id) || id <= 0) throw new Error("--id must be a positive integer.");
      const cohort = await cohortRecord(db.prisma, id);
      if (!cohort || cohort.deleted) throw new Error(`No cohort ${id}.`);
      if (cohort.isStatic) throw new Error(`Cohort ${id} is static: its members are a fixed list.`);
      // The next version in one statement: an update through the API at the same moment gets a version of its own.
      const version = await recalculateCohort(db.prisma, id);
      if (version === null) throw new Error(`No cohort ${id}.`);
      const after = await cohortRecord(db.prisma, id);
      if (!after) throw new Error(`No cohort ${id}.`);
      console.log(
        after.lastErrorMessage && after.version !== version
          ? `Cohort ${id}: ${after.lastErrorMessage}`
          : `Cohort ${id}: ${after.count} members (version ${version}).`,
      );
    },
  },
};
