// The mutation convention: one `input` argument, and a `...Payload` holding
// the changed object (null when nothing changed) and `userErrors`. Business
// and validation failures are userErrors; authentication, scope, level and
// unknown ids are top-level errors (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND).
import type { ZodError } from "zod";
import { builder } from "./builder.js";

export const UserErrorCode = builder.enumType("UserErrorCode", {
  description: "Why an input was refused; clients branch on it.",
  values: {
    INVALID: { description: "The value is malformed or out of range." },
    REQUIRED: { description: "A value is required here." },
    TAKEN: { description: "The value must be unique and is already used." },
    NOT_FOUND: { description: "The value names something that does not exist or that you may not see." },
    CONFLICT: { description: "The change conflicts with the object's current state." },
    UNSUPPORTED: { description: "The change is valid in PostHog but not offered by this API (see the message)." },
  } as const,
});

export type UserErrorCodeValue = "INVALID" | "REQUIRED" | "TAKEN" | "NOT_FOUND" | "CONFLICT" | "UNSUPPORTED";

export interface UserError {
  field: string[] | null;
  message: string;
  code: UserErrorCodeValue;
}

export const UserErrorRef = builder.objectRef<UserError>("UserError").implement({
  description: "A problem with a mutation's input. Nothing was changed when a payload has any.",
  fields: (t) => ({
    field: t.stringList({
      nullable: true,
      description: "The path to the input field at fault, e.g. `[\"input\", \"timezone\"]`; null when it is the input as a whole.",
      resolve: (e) => e.field,
    }),
    message: t.exposeString("message", { description: "What is wrong, for people." }),
    code: t.field({ type: UserErrorCode, description: "What is wrong, for programs.", resolve: (e) => e.code }),
  }),
});

/** A service outcome: the changed object, or the reasons nothing changed. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; userErrors: UserError[] };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const refused = <T = never>(...userErrors: UserError[]): Outcome<T> => ({ ok: false, userErrors });
/**
 * Thrown inside a transaction to roll back what it wrote so far and answer
 * userErrors instead (a rule that can only be checked against the locked,
 * current rows, after an earlier step wrote). `refusedOnRollback` turns it
 * back into an outcome.
 */
export class RefusedInTransaction extends Error {
  constructor(readonly userErrors: UserError[]) {
    super("refused");
  }
}

/** Runs `run` (a transaction); a RefusedInTransaction it throws is answered as the refusal it carries. */
export async function refusedOnRollback<T>(run: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RefusedInTransaction) return refused(...error.userErrors);
    throw error;
  }
}

export const userError = (field: string[] | null, message: string, code: UserErrorCodeValue = "INVALID"): UserError => ({
  field: field ? ["input", ...field] : null,
  message,
  code,
});

/** Every zod issue as a userError under `input`, so all invalid fields are reported at once. */
export function userErrorsFromZod(error: ZodError): UserError[] {
  return error.issues.map((issue) => ({
    field: ["input", ...issue.path.map(String)],
    message: issue.message,
    // A missing or null value where one is needed. Services parse with
    // { reportInput: true } so the issue carries the value; else the message tells.
    code:
      issue.code === "invalid_type" && ("input" in issue ? issue.input == null : /received (undefined|null)$/.test(issue.message))
        ? "REQUIRED"
        : "INVALID",
  }));
}

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
export function definePayload<T>(
  name: string,
  key: string,
  ref: unknown,
  description: string,
  objectDescription: string,
) {
  const payload = builder.objectRef<Record<string, unknown> & { userErrors: UserError[] }>(name);
  payload.implement({
    description,
    fields: (t) => ({
      [key]: t.field({
        type: ref as never,
        nullable: true,
        description: objectDescription,
        resolve: (p: Record<string, unknown>) => (p[key] ?? null) as never,
      }),
      userErrors: t.field({ type: [UserErrorRef], description: USER_ERRORS_DESCRIPTION, resolve: (p) => p.userErrors }),
    }),
  });
  return payload as unknown as typeof payload & { __shape?: T };
}
