// A cohort's persons: the Person type, Cohort.persons (a page of members per
// cohort, one statement for many cohorts) and the two mutations that change a
// static cohort's persons (PostHog's add_persons_to_static_cohort and
// remove_person_from_static_cohort). Declared by schema.ts, which owns the
// Cohort type and its payload.
import { builder, type Types } from "../../schema/builder.js";
import { toPayload } from "../../schema/payloads.js";
import { pagedField } from "../../schema/paged-field.js";
import type { CohortPayload, CohortRef } from "./schema.js";
import { addPersonsToStaticCohort, removePersonsFromStaticCohort } from "./service.js";
import { cohortPersonsPageQuery, type PersonRow } from "./store.js";
import { PERSONS_PER_CALL_MAX } from "./validation.js";

export const PersonRef = builder.objectRef<PersonRow>("Person").implement({
  description: "A person of an environment (PostHog's person), as a member of a cohort.",
  fields: (t) => ({
    uuid: t.field({ type: "UUID", description: "PostHog's id of the person (its UUID).", resolve: (p) => p.uuid }),
    distinctIds: t.stringList({ description: "The distinct ids the person was identified by.", resolve: (p) => p.distinctIds }),
    properties: t.field({ type: "JSON", description: "The person's properties.", resolve: (p) => p.properties ?? {} }),
    createdAt: t.field({ type: "DateTime", description: "When the person was first seen.", resolve: (p) => p.createdAt }),
  }),
});

const PersonConnection = builder.connectionObject({
  type: PersonRef,
  name: "PersonConnection",
  description: "A page of persons, newest first.",
});

/** Declares Cohort.persons and the mutations (called by schema.ts with its Cohort type and payload). */
export function declareCohortPersons(cohort: typeof CohortRef, payload: typeof CohortPayload) {
  builder.objectField(cohort, "persons", (t) =>
    pagedField(t, {
      type: PersonConnection,
      description:
        "The cohort's members, newest person first: a static cohort's persons as added, a dynamic cohort's as last calculated " +
        "(empty while never calculated). Needs `cohort:read`.",
      authScopes: { scope: "cohort:read" },
      query: cohortPersonsPageQuery,
      parentId: (c) => c.id,
    }),
  );

  const personsFields = (what: string) => (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
    id: t.id({ required: true, description: "The static cohort's global id, or PostHog's integer id of it." }),
    personIds: t.field({
      type: ["UUID"],
      required: false,
      description: `The UUIDs of the persons to ${what} (at most ${PERSONS_PER_CALL_MAX}).`,
    }),
    distinctIds: t.stringList({
      required: false,
      description: `Distinct ids of the persons to ${what} (at most ${PERSONS_PER_CALL_MAX}); each names the person holding it.`,
    }),
  });

  const AddInput = builder.inputType("AddPersonsToStaticCohortInput", {
    description:
      "Persons to add to a static cohort, by UUID or distinct id (at least one). Each must name a person of the cohort's " + "environment.",
    fields: personsFields("add"),
  });
  const RemoveInput = builder.inputType("RemovePersonsFromStaticCohortInput", {
    description:
      "Persons to remove from a static cohort, by UUID or distinct id (at least one). Each must name a person of the cohort's " +
      "environment.",
    fields: personsFields("remove"),
  });

  builder.mutationFields((t) => ({
    addPersonsToStaticCohort: t.field({
      type: payload,
      description:
        "Adds persons to a static cohort (PostHog's `add_persons_to_static_cohort`). Adding a member again changes nothing; a " +
        "call that adds nobody writes nothing. Refused with userErrors, and nothing written: a dynamic cohort (`CONFLICT`), ids " +
        "that name no person of the cohort's environment (`NOT_FOUND`). Cohorts referring to it are recalculated.",
      authScopes: { scope: "cohort:write" },
      args: { input: t.arg({ type: AddInput, required: true, description: "The cohort and the persons." }) },
      resolve: async (_r, { input }, ctx) => toPayload("cohort", await addPersonsToStaticCohort(ctx, input)),
    }),
    removePersonsFromStaticCohort: t.field({
      type: payload,
      description:
        "Removes persons from a static cohort (PostHog's `remove_person_from_static_cohort`). Removing a person who is not a " +
        "member changes nothing; a call that removes nobody writes nothing. Refused as addPersonsToStaticCohort is. Cohorts " +
        "referring to it are recalculated.",
      authScopes: { scope: "cohort:write" },
      args: { input: t.arg({ type: RemoveInput, required: true, description: "The cohort and the persons." }) },
      resolve: async (_r, { input }, ctx) => toPayload("cohort", await removePersonsFromStaticCohort(ctx, input)),
    }),
  }));
}
