import { z } from "zod";
import { settingsCreateShape, settingsPatchShape } from "../settings/validation.js";
import { environmentName } from "../environments/validation.js";

/** A project's name: its primary environment carries the same. */
export const projectName = environmentName;
export const productDescription = z.string().trim().max(1000, "The description must be at most 1000 characters.");

export const createProjectInput = z.object({
  organizationId: z.string(),
  name: projectName,
  productDescription: productDescription.nullish(),
  // No primary dashboard yet: none of the new project's can exist (PostHog refuses another project's).
  ...settingsCreateShape,
});

export const updateProjectInput = z.object({
  id: z.string(),
  name: projectName.optional(),
  productDescription: productDescription.nullish(),
  ...settingsPatchShape,
});

export const changeOrganizationInput = z.object({ id: z.string(), organizationId: z.string() });
