// Product intents and onboarding completion, restating PostHog's own tests
// (posthog/api/test/test_team.py: test_can_add_product_intent,
// test_can_update_product_intent_if_already_exists,
// test_can_complete_product_onboarding(_as_member)) and its rules
// (posthog/models/product_intent: `product_type` is one of PostHog's
// ProductKey values; complete_product_onboarding answers "invalid
// product_type, expected one of [...]" for any other and sets
// `onboarding_completed_at` to now on every completion, leaving
// `has_completed_onboarding_for` alone), for both Project and Environment.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { PRODUCT_KEYS } from "../../src/domain/environments/validation.js";
import { environmentGid, helpers, MembershipLevel, projectGid, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const member = await h.userAt(MembershipLevel.MEMBER);

const INTENT = "productIntents { productType contexts createdAt updatedAt onboardingCompletedAt }";
const ADD = {
  project: `mutation($input: AddProjectProductIntentInput!) { addProjectProductIntent(input: $input) {
    project { ${INTENT} hasCompletedOnboardingFor } ${USER_ERRORS} } }`,
  environment: `mutation($input: AddEnvironmentProductIntentInput!) { addEnvironmentProductIntent(input: $input) {
    environment { ${INTENT} hasCompletedOnboardingFor } ${USER_ERRORS} } }`,
};
const COMPLETE = {
  project: `mutation($input: CompleteProjectProductOnboardingInput!) { completeProjectProductOnboarding(input: $input) {
    project { ${INTENT} hasCompletedOnboardingFor } ${USER_ERRORS} } }`,
  environment: `mutation($input: CompleteEnvironmentProductOnboardingInput!) { completeEnvironmentProductOnboarding(input: $input) {
    environment { ${INTENT} hasCompletedOnboardingFor } ${USER_ERRORS} } }`,
};
const TARGETS = ["project", "environment"] as const;
type Target = (typeof TARGETS)[number];

/** A fresh target: a project (its primary environment) or a further environment of one; `id` is its global id. */
async function target(kind: Target) {
  const { project } = await h.project();
  if (kind === "project") return { id: projectGid(project.id), envId: project.id };
  const env = await h.environment(project);
  return { id: environmentGid(env.id), envId: env.id };
}

/** The payload's object (project or environment) of a mutation that must succeed without userErrors. */
async function run(query: string, kind: Target, input: Record<string, unknown>, key?: string) {
  const data = await h.ok(query, { input }, key);
  const payload = Object.values(data)[0] as any;
  expect(payload.userErrors).toEqual([]);
  return payload[kind];
}

const intentRows = (environmentId: number) => prisma.productIntent.findMany({ where: { environmentId }, orderBy: { id: "asc" } });

describe.each(TARGETS)("%s product intents", (kind) => {
  it("adds an intent: created now, not completed, stored with PostHog's snake_case key (test_can_add_product_intent)", async () => {
    const { id, envId } = await target(kind);
    const start = Date.now();
    const after = await run(ADD[kind], kind, {
      id,
      productType: "PRODUCT_ANALYTICS",
      intentContext: "onboarding product selected - primary",
    });
    expect(after.productIntents).toEqual([
      {
        productType: "product_analytics",
        contexts: { "onboarding product selected - primary": 1 },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        onboardingCompletedAt: null,
      },
    ]);
    expect(new Date(after.productIntents[0].createdAt).getTime()).toBeGreaterThanOrEqual(start - 1000);
    expect((await intentRows(envId)).map((i) => i.productType)).toEqual(["product_analytics"]);
  });

  it("updates an existing intent: updatedAt moves, createdAt stays, still not completed (test_can_update_product_intent_if_already_exists)", async () => {
    const { id, envId } = await target(kind);
    const longAgo = new Date("2024-01-01T00:00:00Z");
    await prisma.productIntent.create({
      data: { environmentId: envId, productType: "product_analytics", createdAt: longAgo, updatedAt: longAgo },
    });
    const after = await run(ADD[kind], kind, { id, productType: "PRODUCT_ANALYTICS" });
    const [intent] = after.productIntents;
    expect(intent.createdAt).toBe(longAgo.toISOString());
    expect(new Date(intent.updatedAt).getTime()).toBeGreaterThan(longAgo.getTime());
    expect(intent.onboardingCompletedAt).toBeNull();
    expect(await intentRows(envId)).toHaveLength(1);
  });

  it("completes onboarding, as a member too: onboardingCompletedAt is now, on every completion (test_can_complete_product_onboarding)", async () => {
    const { id, envId } = await target(kind);
    const longAgo = new Date("2024-01-01T00:00:00Z");
    await prisma.productIntent.create({
      data: { environmentId: envId, productType: "product_analytics", createdAt: longAgo, updatedAt: longAgo },
    });
    const start = Date.now();
    const first = (await run(COMPLETE[kind], kind, { id, productType: "PRODUCT_ANALYTICS" }, member.key)).productIntents[0];
    expect(first.createdAt).toBe(longAgo.toISOString());
    const firstAt = new Date(first.onboardingCompletedAt).getTime();
    expect(firstAt).toBeGreaterThanOrEqual(start - 1000);
    expect(first.updatedAt).toBe(first.onboardingCompletedAt);
    // PostHog sets onboarding_completed_at = now each time: a second completion records its own time.
    await new Promise((r) => setTimeout(r, 20));
    const second = (await run(COMPLETE[kind], kind, { id, productType: "PRODUCT_ANALYTICS" })).productIntents[0];
    expect(new Date(second.onboardingCompletedAt).getTime()).toBeGreaterThan(firstAt);
    // Adding an intent afterwards keeps the completion time.
    const added = (await run(ADD[kind], kind, { id, productType: "PRODUCT_ANALYTICS" })).productIntents[0];
    expect(added.onboardingCompletedAt).toBe(second.onboardingCompletedAt);
  });

  it("completing creates the intent when there is none and leaves hasCompletedOnboardingFor alone", async () => {
    const { id, envId } = await target(kind);
    const before = (await prisma.environment.findUniqueOrThrow({ where: { id: envId } })).settings as Record<string, unknown>;
    const after = await run(COMPLETE[kind], kind, { id, productType: "SESSION_REPLAY" });
    expect(after.productIntents).toEqual([expect.objectContaining({ productType: "session_replay", contexts: {} })]);
    expect(after.productIntents[0].onboardingCompletedAt).toEqual(expect.any(String));
    expect(after.hasCompletedOnboardingFor ?? null).toEqual((before.hasCompletedOnboardingFor as unknown) ?? null);
    expect((await prisma.environment.findUniqueOrThrow({ where: { id: envId } })).settings).toEqual(before);
  });

  it.each([
    ["add", ADD],
    ["complete", COMPLETE],
  ] as const)("%s: refuses a product type that is not one of PostHog's product keys, writing nothing", async (_what, mutation) => {
    const { id } = await target(kind);
    const before = await h.everything();
    // Sent as a variable: BAD_USER_INPUT naming the enum (whose values are the valid keys).
    for (const productType of ["invalid_product", "INVALID_PRODUCT", "product_analytics", "Session Replay", ""]) {
      const res = await t.gql(mutation[kind], { input: { id, productType } });
      expect(res.errors?.[0].extensions?.code, productType).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0].message).toMatch(/ProductKey/);
      expect(res.data ?? null).toBeNull();
    }
    // Missing (PostHog: "product_type is required").
    const missing = await t.gql(mutation[kind], { input: { id } });
    expect(missing.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(missing.errors?.[0].message).toMatch(/productType/);
    // Inline in the document: the document does not validate.
    const name = `${_what}${kind === "project" ? "Project" : "Environment"}${_what === "add" ? "ProductIntent" : "ProductOnboarding"}`;
    const inline = await t.gql(`mutation { ${name}(input: { id: "${id}", productType: invalid_product }) { userErrors { code } } }`);
    expect(inline.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await h.everything()).toBe(before);
  });
});

describe("the ProductKey enum", () => {
  const INTROSPECT = `{
    key: __type(name: "ProductKey") { kind enumValues { name description } }
    addP: __type(name: "AddProjectProductIntentInput") { inputFields { name type { kind ofType { name kind } } } }
    addE: __type(name: "AddEnvironmentProductIntentInput") { inputFields { name type { kind ofType { name kind } } } }
    doneP: __type(name: "CompleteProjectProductOnboardingInput") { inputFields { name type { kind ofType { name kind } } } }
    doneE: __type(name: "CompleteEnvironmentProductOnboardingInput") { inputFields { name type { kind ofType { name kind } } } }
  }`;

  it("lists PostHog's product keys, UPPER_CASE, each naming its snake_case key; every intent input takes it", async () => {
    const data = await h.ok(INTROSPECT);
    expect(data.key.kind).toBe("ENUM");
    expect(data.key.enumValues.map((v: { name: string }) => v.name)).toEqual(PRODUCT_KEYS.map((k) => k.toUpperCase()));
    for (const v of data.key.enumValues) expect(v.description).toContain(`\`${v.name.toLowerCase()}\``);
    for (const input of [data.addP, data.addE, data.doneP, data.doneE]) {
      const field = input.inputFields.find((f: { name: string }) => f.name === "productType");
      expect(field.type).toEqual({ kind: "NON_NULL", ofType: { name: "ProductKey", kind: "ENUM" } });
    }
  });

  it("holds PostHog's keys (posthog/schema.py ProductKey)", () => {
    expect(PRODUCT_KEYS).toEqual(
      expect.arrayContaining([
        "product_analytics",
        "web_analytics",
        "session_replay",
        "feature_flags",
        "experiments",
        "surveys",
        "data_warehouse",
        "error_tracking",
        "llm_analytics",
        "revenue_analytics",
        "marketing_analytics",
        "cohorts",
        "actions",
        "annotations",
        "persons",
      ]),
    );
    expect(PRODUCT_KEYS).toHaveLength(49);
  });
});
