import { z } from "zod";

export const organizationName = z.string().trim().min(1, "Name must not be blank.").max(64, "Name must be at most 64 characters.");

export const createOrganizationInput = z.object({ name: organizationName });

export const updateOrganizationInput = z.object({
  id: z.string(),
  name: organizationName.optional(),
});
