// PostHog's product keys as the intent inputs validate them, with no
// database: only PostHog's `ProductKey` values pass; anything else is refused
// with a message listing the valid keys (PostHog: "invalid product_type,
// expected one of [...]").
import { describe, expect, it } from "vitest";
import { addProductIntentInput, completeOnboardingInput, PRODUCT_KEYS } from "../../../src/domain/environments/validation.js";

describe("product keys", () => {
  it("are unique snake_case keys", () => {
    expect(new Set(PRODUCT_KEYS).size).toBe(PRODUCT_KEYS.length);
    for (const key of PRODUCT_KEYS) expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it.each(PRODUCT_KEYS)("accepts %s", (key) => {
    expect(completeOnboardingInput.parse({ productType: key })).toEqual({ productType: key });
    expect(addProductIntentInput.parse({ productType: key, intentContext: "onboarding product selected - primary" }).productType).toBe(key);
  });

  it.each(["invalid_product", "PRODUCT_ANALYTICS", "Session Replay", "", "product_analytics "])(
    "refuses %j, listing every valid key",
    (productType) => {
      for (const schema of [completeOnboardingInput, addProductIntentInput]) {
        const result = schema.safeParse({ productType });
        expect(result.success).toBe(false);
        const issue = result.error!.issues[0];
        expect(issue.path).toEqual(["productType"]);
        expect(issue.message).toContain(`Unknown product key ${JSON.stringify(productType)}: expected one of`);
        for (const key of PRODUCT_KEYS) expect(issue.message).toContain(key);
      }
    },
  );

  it("requires one", () => {
    for (const input of [{}, { productType: null }]) {
      const result = completeOnboardingInput.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error!.issues[0].message).toBe("Give a product key, e.g. product_analytics.");
    }
  });
});
