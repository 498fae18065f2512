// The actions that run on an environment, declared once as a table: each
// becomes a Project mutation (run on the project's primary environment,
// logged as the project) and an Environment mutation (logged as the
// environment, PostHog's "Team"), each with its input type. A mutation is
// named `<verb><Target><object>`, its input `<Verb><Target><object>Input`:
// resetProjectToken(input: ResetProjectTokenInput), resetEnvironmentToken(...).
import type { InputFieldMap, ObjectRef } from "@pothos/core";
import { builder } from "../../schema/builder.js";
import { toPayload } from "../../schema/payloads.js";
import type { Context } from "../../context.js";
import type { Outcome, UserError } from "../outcome.js";
import type { Types } from "../../schema/builder.js";
import {
  addProductIntent,
  completeProductOnboarding,
  deleteSecretTokenBackup,
  generateConversationsToken,
  resetToken,
  rotateSecretToken,
  updateLogsConfig,
  type EnvironmentAction,
} from "./service.js";
import { PRODUCT_KEYS, type ProductKeyValue } from "./validation.js";

export type Target = "project" | "environment";

/** PostHog's product keys as a GraphQL enum: UPPER_CASE names, PostHog's snake_case keys as values (stored as such). */
export const ProductKeyEnum = builder.enumType("ProductKey", {
  description:
    "A PostHog product, as product intents and onboarding name it (PostHog's `ProductKey`). Each value is PostHog's snake_case key " +
    "in UPPER_CASE (`SESSION_REPLAY` is `session_replay`); intents store and answer PostHog's key. Any other value is refused.",
  values: Object.fromEntries(
    PRODUCT_KEYS.map((key) => [key.toUpperCase(), { value: key, description: `PostHog's \`${key}\`.` }]),
  ) as Record<Uppercase<ProductKeyValue>, { value: ProductKeyValue; description: string }>,
});

/** A description: the same for both targets, one naming the target, or one of its own for each. */
type Text = string | ((target: Target) => string) | Record<Target, string>;

interface ActionSpec {
  verb: string;
  object: string;
  /** The mutation's description. */
  description: Text;
  /** The input type's description. */
  input: Text;
  /** The `input` argument's description. */
  arg: Text;
  /** The input's fields besides `id`. */
  fields?: (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">, target: Target) => InputFieldMap;
  /** The service action; it gets the whole input (id included) and validates it. */
  run: EnvironmentAction<unknown>;
}

/** Where the actions are declared: the target's payload, and how an action runs on it (visibility, reload). */
export interface ActionTarget<Shape> {
  target: Target;
  payload: ObjectRef<Types, Record<string, unknown> & { userErrors: UserError[] }>;
  act: (ctx: Context, id: string, action: EnvironmentAction<unknown>, input: unknown) => Promise<Outcome<Shape>>;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const text = (value: Text, target: Target) =>
  typeof value === "string" ? value : typeof value === "function" ? value(target) : value[target];

/** Declares one action's input type and mutation for one target. */
function declareAction<Shape>(spec: ActionSpec, { target, payload, act }: ActionTarget<Shape>): void {
  const name = `${spec.verb}${capitalize(target)}${spec.object}`;
  const Input = builder.inputType(`${capitalize(name)}Input`, {
    description: text(spec.input, target),
    fields: (t) => ({
      id: t.id({ required: true, description: `The ${target}'s global id, or PostHog's integer id of it.` }),
      ...spec.fields?.(t, target),
    }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: payload,
      description: text(spec.description, target),
      authScopes: { scope: "project:write" },
      args: { input: t.arg({ type: Input, required: true, description: text(spec.arg, target) }) },
      resolve: async (_root, { input }, ctx) => toPayload(target, await act(ctx, String(input.id), spec.run, input)),
    }),
  );
}

/** Every action, in the order the mutations are declared. */
export const ENVIRONMENT_ACTIONS: ActionSpec[] = [
  {
    verb: "add",
    object: "ProductIntent",
    description: "Registers intent to use one of PostHog's products (get-or-create; counts the context).",
    input: (target) => `A product someone intends to use in the ${target}. Any member may add one.`,
    arg: (target) => `The ${target} and product.`,
    fields: (t, target) => ({
      productType: t.field({
        type: ProductKeyEnum,
        required: true,
        description: text(
          {
            project: "The product, e.g. `PRODUCT_ANALYTICS`, `SESSION_REPLAY` (stored as PostHog's `product_analytics`, ...).",
            environment: "The product, e.g. `PRODUCT_ANALYTICS` (stored as PostHog's `product_analytics`).",
          },
          target,
        ),
      }),
      intentContext: t.string({
        required: false,
        description: "Where the intent came from, e.g. `onboarding product selected - primary`.",
      }),
      metadata: t.field({ type: "JSON", required: false, description: "Free-form facts about the intent (a JSON object)." }),
    }),
    run: addProductIntent,
  },
  {
    verb: "complete",
    object: "ProductOnboarding",
    description:
      "Records that a product's onboarding is complete: its intent (created if needed) gets `onboardingCompletedAt` = now, on every " +
      "completion, as PostHog records it. `hasCompletedOnboardingFor` is a separate setting, left as it is.",
    input: "A product whose onboarding is complete. Any member may record it.",
    arg: (target) => `The ${target} and product.`,
    fields: (t) => ({
      productType: t.field({
        type: ProductKeyEnum,
        required: true,
        description: "The product, e.g. `PRODUCT_ANALYTICS` (stored as PostHog's `product_analytics`).",
      }),
    }),
    run: completeProductOnboarding,
  },
  {
    verb: "reset",
    object: "Token",
    description: {
      project: "Replaces the public project token (`phc_`); the old one stops working at once. Admins only.",
      environment: "Replaces the public token (`phc_`); the old one stops working at once. Admins only.",
    },
    input: (target) => `The ${target} whose public token to replace. Admins only.`,
    arg: (target) => `The ${target}.`,
    run: resetToken,
  },
  {
    verb: "rotate",
    object: "SecretToken",
    description: "Issues a new secret token; the current one becomes the backup (still valid until deleted). Admins only.",
    input: (target) => `The ${target} whose secret token to rotate. Admins only.`,
    arg: (target) => `The ${target}.`,
    run: rotateSecretToken,
  },
  {
    verb: "delete",
    object: "SecretTokenBackup",
    description: "Deletes the backup secret token (succeeds when there is none). Admins only.",
    input: (target) => `The ${target} whose backup secret token to delete. Admins only.`,
    arg: (target) => `The ${target}.`,
    run: deleteSecretTokenBackup,
  },
  {
    verb: "generate",
    object: "ConversationsPublicToken",
    description: {
      project: "Sets a new conversations widget token (`conversationsSettings.widget_public_token`). Admins only.",
      environment: "Sets a new conversations widget token. Admins only.",
    },
    input: (target) => `The ${target} that gets a new conversations widget token. Admins only.`,
    arg: (target) => `The ${target}.`,
    run: generateConversationsToken,
  },
  {
    verb: "update",
    object: "LogsConfig",
    description: "Changes which log attributes identify persons and sessions. Admins only.",
    input: "New logs attribute keys (give one list or both). Admins only.",
    arg: (target) => `The ${target} and its keys.`,
    fields: (t) => ({
      logsDistinctIdAttributeKeys: t.stringList({ required: false, description: "1–10 unique, non-blank keys of ≤200 characters." }),
      logsSessionIdAttributeKeys: t.stringList({ required: false, description: "1–10 unique, non-blank keys of ≤200 characters." }),
    }),
    run: updateLogsConfig,
  },
];

/** Declares every action's mutation and input type for one target. */
export function declareEnvironmentActions<Shape>(on: ActionTarget<Shape>): void {
  for (const spec of ENVIRONMENT_ACTIONS) declareAction(spec, on);
}
