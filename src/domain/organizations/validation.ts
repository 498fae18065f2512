import { z } from "zod";

export const organizationName = z
  .string({
    error: (issue) => (issue.input === null ? "Name must not be null; omit it to keep the current name." : "Name must be a string."),
  })
  .trim()
  .min(1, "Name must not be blank.")
  .max(64, "Name must be at most 64 characters.")
  // PostgreSQL text cannot hold NUL, and no display name needs a control character.
  .regex(/^[^\p{Cc}]*$/u, "Name must not contain control characters.");

export const createOrganizationInput = z.object({ name: organizationName });

export const updateOrganizationInput = z.object({
  id: z.string(),
  name: organizationName.optional(),
});
