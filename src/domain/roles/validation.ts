import { z } from "zod";
import { nameTypeError } from "../names.js";

export const ROLE_NAME_MAX = 200;

export const roleName = z
  .string({ error: nameTypeError })
  .trim()
  .min(1, "Name must not be blank.")
  .max(ROLE_NAME_MAX, `Name must be at most ${ROLE_NAME_MAX} characters.`);

export const createRoleInput = z.object({
  organizationId: z.string(),
  name: roleName,
});

export const updateRoleInput = z.object({
  id: z.string(),
  // Omitted: unchanged. Null is refused (a role always has a name).
  name: roleName.optional(),
});

export const roleMemberInput = z.object({
  roleId: z.string(),
  userId: z.string().trim().min(1, "A user id is required."),
});

export const setOrganizationDefaultRoleInput = z.object({
  organizationId: z.string(),
  // Null (or omitted) clears the default role.
  roleId: z.string().trim().min(1, "A role id must not be blank; pass null to clear the default role.").nullish(),
});
