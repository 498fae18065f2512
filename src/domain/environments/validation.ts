import { z } from "zod";
import { logsKeyListSchema } from "../settings/registry.js";
import { settingsPatchShape } from "../settings/validation.js";

export const environmentName = z.string().trim().min(1, "Name must not be blank.").max(200, "Name must be at most 200 characters.");

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

/** A key list, or null or nothing for "unchanged". */
const logsKeyListChange = logsKeyListSchema.nullish().transform((keys) => keys ?? undefined);

export const logsConfigInput = z
  .object({ logsDistinctIdAttributeKeys: logsKeyListChange, logsSessionIdAttributeKeys: logsKeyListChange })
  .refine((v) => v.logsDistinctIdAttributeKeys !== undefined || v.logsSessionIdAttributeKeys !== undefined, {
    message: "Give logsDistinctIdAttributeKeys, logsSessionIdAttributeKeys or both.",
  });

/** An environment update: its name and every setting. */
export const updateEnvironmentInput = z.object({ name: environmentName.optional(), ...settingsPatchShape });

export const createEnvironmentInput = z.object({ name: environmentName, ...settingsPatchShape });
