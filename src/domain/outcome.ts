// What a service answers: the changed object, or the reasons nothing changed
// (userErrors). Services know nothing of GraphQL; the schema modules map an
// Outcome to a `...Payload` (src/schema/payloads.ts).
import type { ZodError } from "zod";

/** Why an input was refused; the schema's UserErrorCode enum is built from this table. */
export const USER_ERROR_CODES = {
  INVALID: "The value is malformed or out of range.",
  REQUIRED: "A value is required here.",
  TAKEN: "The value must be unique and is already used.",
  NOT_FOUND: "The value names something that does not exist or that you may not see.",
  CONFLICT: "The change conflicts with the object's current state.",
} as const;

export type UserErrorCodeValue = keyof typeof USER_ERROR_CODES;

export interface UserError {
  /** The path to the input field at fault, starting with "input"; null for the input as a whole. */
  field: string[] | null;
  message: string;
  code: UserErrorCodeValue;
}

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
