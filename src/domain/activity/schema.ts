// ActivityEntry: one logged change, and the connection fields that list them.
import type { ActivityLog } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { UserRef } from "../users/schema.js";
import { activityPageQuery } from "./store.js";
import { detailOf, type ActivityDetail, type FieldChange } from "./service.js";

const ActivityChangeRef = builder.objectRef<FieldChange>("ActivityChange").implement({
  description: "One field's change within an activity entry. Secret tokens appear only masked (`phs_...abcd`).",
  fields: (t) => ({
    type: t.exposeString("type", { description: "The kind of object changed (PostHog's scope, e.g. `Team`, `Project`)." }),
    action: t.exposeString("action", { description: "`changed`, `created` or `deleted`." }),
    field: t.exposeString("field", { description: "The field's GraphQL name, e.g. `timezone`." }),
    before: t.field({ type: "JSON", nullable: true, description: "The value before the change.", resolve: (c) => c.before ?? null }),
    after: t.field({ type: "JSON", nullable: true, description: "The value after the change.", resolve: (c) => c.after ?? null }),
  }),
});

const ActivityDetailRef = builder.objectRef<ActivityDetail>("ActivityDetail").implement({
  description: "What an activity entry changed.",
  fields: (t) => ({
    name: t.string({ nullable: true, description: "The changed object's name at the time.", resolve: (d) => d.name ?? null }),
    changes: t.field({ type: [ActivityChangeRef], description: "Field-level changes, before and after.", resolve: (d) => d.changes ?? [] }),
    context: t.field({
      type: "JSON",
      nullable: true,
      description: "Extra facts about special actions (e.g. the product of an intent).",
      resolve: (d) => d.context ?? null,
    }),
  }),
});

export const ActivityEntryRef = builder.objectRef<ActivityLog>("ActivityEntry").implement({
  description: "One entry of the activity log: who did what to which object, and when.",
  fields: (t) => ({
    id: t.field({ type: "UUID", description: "PostHog's id of the entry.", resolve: (a) => a.id }),
    activity: t.exposeString("activity", { description: "What happened: `created`, `updated`, `deleted`, or an action name." }),
    scope: t.exposeString("scope", {
      description: "The kind of object (PostHog's scope): `Project`, `Team` (an environment), `Role`, `Annotation`, `Cohort`.",
    }),
    itemId: t.exposeString("itemId", { description: "PostHog's id of the object." }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: "Who did it; null for the system.",
      resolve: (a, _args, ctx) => (a.userId == null ? null : ctx.loaders.userById.load(a.userId)),
    }),
    detail: t.field({ type: ActivityDetailRef, description: "The changes.", resolve: (a) => detailOf(a) }),
    createdAt: t.field({ type: "DateTime", description: "When it happened.", resolve: (a) => a.createdAt }),
  }),
});

export const ActivityConnection = builder.connectionObject({
  type: ActivityEntryRef,
  name: "ActivityEntryConnection",
  description: "A page of activity entries, newest first.",
});

/** The activity of projects or environments (by column), newest first, as pagedField pages it (Project.activity, Environment.activity). */
export const activityQuery = activityPageQuery;
