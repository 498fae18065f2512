// Query.rateLimit: the caller's rate-limit figures, as GitHub's `rateLimit`
// shows them. It reads what this request's charge answered (src/rate-limits/),
// so it costs no statement, and the figures are those of `extensions.rateLimit`
// and the RateLimit-* headers. Selecting it costs 1 point, like any object.
import { builder } from "../../schema/builder.js";
import { rateLimitOf, type Figures } from "../../rate-limits/service.js";

const RateLimitRef = builder.objectRef<Figures>("RateLimit").implement({
  description:
    "The API key's budget of cost points for the current window (GitHub's model): each request is charged its cost " +
    "(the `extensions.cost.requested` of its response) before it runs, and refused with RATE_LIMITED (HTTP 429) when it " +
    "does not fit what remains.",
  fields: (t) => ({
    limit: t.exposeInt("limit", { description: "Points the key may spend per window (RATE_LIMIT_POINTS)." }),
    cost: t.exposeInt("cost", { description: "Points this request was charged (its cost; at least 1)." }),
    used: t.exposeInt("used", { description: "Points spent in the current window, this request included." }),
    remaining: t.exposeInt("remaining", { description: "Points left in the current window, after this request." }),
    resetAt: t.field({
      type: "DateTime",
      description: "When the current window ends and the budget is whole again.",
      resolve: (f) => f.resetAt,
    }),
  }),
});

builder.queryField("rateLimit", (t) =>
  t.field({
    type: RateLimitRef,
    nullable: true,
    description: "The API key's rate-limit figures after this request was charged; null when rate limits are off (RATE_LIMIT=off).",
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => rateLimitOf(ctx),
  }),
);
