import { z } from "zod";
import { logsKeyListSchema } from "../settings/registry.js";
import { settingsPatchShape } from "../settings/validation.js";

export const teamName = z.string().trim().min(1, "Name must not be blank.").max(200, "Name must be at most 200 characters.");

/** A product key such as `product_analytics` or `session_replay`. */
export const productType = z
  .string()
  .trim()
  .min(1, "Give a product key, e.g. product_analytics.")
  .max(64, "Product keys are at most 64 characters.")
  .regex(/^[a-z][a-z0-9_]*$/, "Product keys are snake_case, e.g. product_analytics.");

export const addProductIntentInput = z.object({
  productType,
  intentContext: z.string().trim().min(1).max(200).nullish(),
  metadata: z.record(z.string(), z.json()).nullish(),
});

export const completeOnboardingInput = z.object({ productType });

export const logsConfigInput = z
  .object({ logsDistinctIdAttributeKeys: logsKeyListSchema.optional(), logsSessionIdAttributeKeys: logsKeyListSchema.optional() })
  .refine((v) => v.logsDistinctIdAttributeKeys !== undefined || v.logsSessionIdAttributeKeys !== undefined, {
    message: "Give logsDistinctIdAttributeKeys, logsSessionIdAttributeKeys or both.",
  });

/** An environment update: its name and every setting. */
export const updateEnvironmentInput = z.object({ name: teamName.optional(), ...settingsPatchShape });

export const createEnvironmentInput = z.object({ name: teamName, ...settingsPatchShape });

/** The keys of an update input that are not settings. */
export const NON_SETTING_KEYS = new Set(["id", "name", "productDescription", "projectId", "organizationId"]);
