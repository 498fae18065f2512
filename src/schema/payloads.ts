// The mutation convention: one `input` argument, and a `...Payload` holding
// the changed object (null when nothing changed) and `userErrors`. Business
// and validation failures are userErrors; authentication, scope, level and
// unknown ids are top-level errors (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND).
import type { ObjectRef } from "@pothos/core";
import { builder, type Types } from "./builder.js";
import { USER_ERROR_CODES, type Outcome, type UserError, type UserErrorCodeValue } from "../domain/outcome.js";

export const UserErrorCode = builder.enumType("UserErrorCode", {
  description: "Why an input was refused; clients branch on it.",
  values: Object.fromEntries(Object.entries(USER_ERROR_CODES).map(([code, description]) => [code, { description }])) as {
    [K in UserErrorCodeValue]: { description: string };
  },
});

export const UserErrorRef = builder.objectRef<UserError>("UserError").implement({
  description: "A problem with a mutation's input. Nothing was changed when a payload has any.",
  fields: (t) => ({
    field: t.stringList({
      nullable: true,
      description: 'The path to the input field at fault, e.g. `["input", "timezone"]`; null when it is the input as a whole.',
      resolve: (e) => e.field,
    }),
    message: t.exposeString("message", { description: "What is wrong, for people." }),
    code: t.field({ type: UserErrorCode, description: "What is wrong, for programs.", resolve: (e) => e.code }),
  }),
});

/** The payload shape the schema layer resolves: the object under `key`, plus userErrors. */
export function toPayload<K extends string, T>(key: K, outcome: Outcome<T>): Record<K, T | null> & { userErrors: UserError[] } {
  return (outcome.ok ? { [key]: outcome.value, userErrors: [] } : { [key]: null, userErrors: outcome.userErrors }) as Record<
    K,
    T | null
  > & { userErrors: UserError[] };
}

/** The description of every payload's `userErrors` field. */
export const USER_ERRORS_DESCRIPTION = "Why the input was refused; empty on success. Nothing was changed when it has any.";

/**
 * Defines `<Name>Payload { <key>: <ref> (nullable), userErrors }`, the shape
 * every mutation returns (resolve it with `toPayload(key, outcome)`).
 */
export function definePayload<K extends string, T>(
  name: string,
  key: K,
  ref: ObjectRef<Types, T>,
  description: string,
  objectDescription: string,
) {
  const payload = builder.objectRef<Record<K, T | null> & { userErrors: UserError[] }>(name);
  payload.implement({
    description,
    fields: (t) => ({
      // The ref's own shape type stays generic here, so TypeScript cannot check the resolver against it: the
      // payload's shape (Record<K, T | null>) is what guarantees it.
      [key]: t.field({
        type: ref as ObjectRef<Types, unknown>,
        nullable: true,
        description: objectDescription,
        resolve: (p): unknown => p[key],
      }),
      userErrors: t.field({ type: [UserErrorRef], description: USER_ERRORS_DESCRIPTION, resolve: (p) => p.userErrors }),
    }),
  });
  return payload;
}
