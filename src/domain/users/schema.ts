// User: a person, as PostHog shows one in `created_by` and in member lists.
import type { UserRecord } from "./store.js";
import { builder } from "../../schema/builder.js";
import { readsColumns } from "../../schema/selection.js";
import { parseRowId } from "../ids.js";
import { loadReferencedUser, visibleUser } from "./service.js";

export { loadReferencedUser };

const ROLE_AT_ORGANIZATION = ["engineering", "data", "product", "founder", "leadership", "marketing", "sales", "other"] as const;

const RoleAtOrganization = builder.enumType("RoleAtOrganization", {
  description: "What a user said they do in their organization.",
  values: Object.fromEntries(ROLE_AT_ORGANIZATION.map((r) => [r.toUpperCase(), { value: r, description: `Works in ${r}.` }])),
});

export const UserRef = builder.loadableNode("User", {
  description: "A person who uses PostHog. Visible to themself and to members of an organization they belong to.",
  // What the fields read: a stored user, or an author joined into a page's statement with only these columns.
  id: { resolve: (u: UserRecord) => u.id },
  authScopes: { authenticated: true },
  load: async (ids: string[], ctx) => {
    // A malformed or out-of-range id answers NOT_FOUND without a query; a fault (e.g. of
    // the database) stays a fault, masked as INTERNAL_SERVER_ERROR, never a NOT_FOUND.
    const wanted = ids.map(parseRowId);
    const valid = wanted.filter((id): id is number => id !== null);
    const users = await ctx.loaders.userById.loadMany(valid);
    const byId = new Map(valid.map((id, i) => [id, users[i]]));
    return Promise.all(
      wanted.map((id) => {
        const user = id === null ? null : byId.get(id);
        return user instanceof Error ? user : visibleUser(ctx, user ?? null);
      }),
    );
  },
  fields: (t) => ({
    databaseId: t.exposeInt("id", { description: "PostHog's integer id of the user." }),
    uuid: t.field({ type: "UUID", extensions: readsColumns("uuid"), description: "PostHog's UUID of the user.", resolve: (u) => u.uuid }),
    distinctId: t.exposeString("distinctId", { description: "The distinct id PostHog uses for this user's own events." }),
    firstName: t.exposeString("firstName", { description: "Given name; may be empty." }),
    lastName: t.exposeString("lastName", { description: "Family name; may be empty." }),
    email: t.exposeString("email", { description: "Email address the user signs in with." }),
    isEmailVerified: t.exposeBoolean("isEmailVerified", {
      nullable: true,
      description: "Whether the email address was verified; null when unknown.",
    }),
    hedgehogConfig: t.field({
      type: "JSON",
      nullable: true,
      extensions: readsColumns("hedgehogConfig"),
      description: "The user's hedgehog mascot settings, or null.",
      resolve: (u) => u.hedgehogConfig,
    }),
    roleAtOrganization: t.field({
      type: RoleAtOrganization,
      nullable: true,
      extensions: readsColumns("roleAtOrganization"),
      description: "What the user said they do, or null.",
      resolve: (u) => (u.roleAtOrganization as (typeof ROLE_AT_ORGANIZATION)[number] | null) ?? null,
    }),
  }),
});
