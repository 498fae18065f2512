import { z } from "zod";
import { settingsPatchShape } from "../settings/validation.js";
import { teamName } from "../environments/validation.js";

export const projectName = teamName;
export const productDescription = z.string().trim().max(1000, "The description must be at most 1000 characters.");

export const createProjectInput = z.object({
  organizationId: z.string(),
  name: projectName,
  productDescription: productDescription.nullish(),
  ...settingsPatchShape,
});

export const updateProjectInput = z.object({
  id: z.string(),
  name: projectName.optional(),
  productDescription: productDescription.nullish(),
  ...settingsPatchShape,
});

export const changeOrganizationInput = z.object({ id: z.string(), organizationId: z.string() });

export const projectSearch = z.string().trim().max(200, "Search at most 200 characters.");
