import { z } from "zod";
import { logsKeyListSchema } from "../settings/registry.js";
import { settingsCreateShape, settingsPatchShape } from "../settings/validation.js";

export const environmentName = z.string().trim().min(1, "Name must not be blank.").max(200, "Name must be at most 200 characters.");

/**
 * PostHog's product keys (posthog/schema.py `ProductKey`, generated from the
 * frontend's schema), as PostHog stores them: the only values
 * add_product_intent and complete_product_onboarding accept. The schema's
 * `ProductKey` enum is built from this list (UPPER_CASE names).
 */
export const PRODUCT_KEYS = [
  "actions",
  "alerts",
  "annotations",
  "cohorts",
  "comments",
  "conversations",
  "customer_analytics",
  "data_warehouse",
  "data_warehouse_saved_queries",
  "early_access_features",
  "endpoints",
  "error_tracking",
  "experiments",
  "feature_flags",
  "group_analytics",
  "heatmaps",
  "history",
  "ingestion_warnings",
  "integrations",
  "links",
  "live_debugger",
  "llm_analytics",
  "llm_clusters",
  "llm_datasets",
  "llm_evaluations",
  "llm_prompts",
  "logs",
  "marketing_analytics",
  "max",
  "mobile_replay",
  "notebooks",
  "persons",
  "pipeline_batch_exports",
  "pipeline_destinations",
  "pipeline_transformations",
  "platform_and_support",
  "product_analytics",
  "product_tours",
  "revenue_analytics",
  "session_replay",
  "site_apps",
  "surveys",
  "tasks",
  "teams",
  "toolbar",
  "user_interviews",
  "visual_review",
  "web_analytics",
  "workflows",
] as const;

export type ProductKeyValue = (typeof PRODUCT_KEYS)[number];

/** One of PostHog's product keys; anything else is refused listing them, as PostHog does ("expected one of [...]"). */
export const productType = z.enum(PRODUCT_KEYS, {
  error: (issue) =>
    issue.input == null
      ? "Give a product key, e.g. product_analytics."
      : `Unknown product key ${JSON.stringify(issue.input)}: expected one of ${PRODUCT_KEYS.join(", ")}.`,
});

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

export const createEnvironmentInput = z.object({ name: environmentName, ...settingsCreateShape });
