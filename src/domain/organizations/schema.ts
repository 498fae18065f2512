// Organization, its members, the viewer, and their queries and mutations.
import type { Organization, OrganizationMembership } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { notFound } from "../../errors.js";
import { viewerOf } from "../../context.js";
import { isVisible } from "../../auth/policy.js";
import { pagedField } from "../../schema/paged-field.js";
import { readsColumns } from "../../schema/selection.js";
import { definePayload, toPayload } from "../../schema/payloads.js";
import { UserRef } from "../users/schema.js";
import { isUuid } from "../ids.js";
import { membershipLevelOf } from "./rules.js";
import { callerLevelIn, createOrganization, getCurrentOrganization, getVisibleOrganization, updateOrganization } from "./service.js";
import { membersPage, userOrganizationsPage } from "./store.js";

export { membershipLevelOf };

export const MembershipLevelEnum = builder.enumType("OrganizationMembershipLevel", {
  description: "A member's level in an organization (PostHog's numeric levels 1, 8 and 15).",
  values: {
    MEMBER: { value: 1, description: "Level 1: reads everything, changes a few personal settings." },
    ADMIN: { value: 8, description: "Level 8: manages projects, settings, tokens and roles." },
    OWNER: { value: 15, description: "Level 15: an admin who also owns the organization." },
  } as const,
});

export const OrganizationRef = builder.loadableNode("Organization", {
  description: "A PostHog organization: members, projects and roles belong to one.",
  id: { resolve: (o: Organization) => o.id },
  authScopes: { scope: "organization:read" },
  load: async (ids: string[], ctx) => {
    // Only ids the caller can see reach the database: an invisible or malformed id
    // costs no query, answers NOT_FOUND and cannot fail the batch of its siblings.
    const principal = viewerOf(ctx);
    const visible = ids.map((id) => {
      const uuid = isUuid(id) ? id.toLowerCase() : null;
      return uuid !== null && isVisible(principal, { organizationId: uuid }) ? uuid : null;
    });
    const wanted = visible.filter((id): id is string => id !== null);
    const orgs = await ctx.loaders.organizationById.loadMany(wanted);
    const byId = new Map(wanted.map((id, i) => [id, orgs[i]]));
    return visible.map((id, i) => {
      const org = id === null ? null : byId.get(id);
      // A fault (e.g. of the database) stays a fault, masked as INTERNAL_SERVER_ERROR; never a NOT_FOUND.
      if (org instanceof Error) return org;
      return org ?? notFound("Organization", ids[i]);
    });
  },
  fields: (t) => ({
    uuid: t.field({
      type: "UUID",
      description: "PostHog's id of the organization (a UUID).",
      extensions: readsColumns("id"),
      resolve: (o) => o.id,
    }),
    name: t.exposeString("name", { description: "Display name." }),
    slug: t.exposeString("slug", { description: "URL-friendly unique name, derived from the name at creation." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the organization was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When the organization last changed." }),
    membershipLevel: t.field({
      type: MembershipLevelEnum,
      nullable: true,
      description: "The caller's level in this organization.",
      extensions: readsColumns("id"),
      resolve: (o, _args, ctx) => membershipLevelOf(callerLevelIn(ctx, o.id)),
    }),
  }),
});

const OrganizationMemberRef = builder.objectRef<OrganizationMembership>("OrganizationMember").implement({
  description: "A user's membership of an organization.",
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: "The member.",
      resolve: async (m, _args, ctx) => (await ctx.loaders.userById.load(m.userId))!,
    }),
    level: t.field({
      type: MembershipLevelEnum,
      description: "The member's level.",
      resolve: (m) => membershipLevelOf(m.level),
    }),
    joinedAt: t.field({ type: "DateTime", description: "When the user joined.", resolve: (m) => m.joinedAt }),
  }),
});

const OrganizationMemberConnection = builder.connectionObject({
  type: OrganizationMemberRef,
  name: "OrganizationMemberConnection",
  description: "A page of an organization's members, oldest first.",
});

builder.objectField(OrganizationRef, "members", (t) =>
  pagedField(t, {
    type: OrganizationMemberConnection,
    description: "The organization's members, oldest membership first.",
    query: membersPage,
    parentId: (o) => o.id,
  }),
);

const OrganizationConnection = builder.connectionObject({
  type: OrganizationRef,
  name: "OrganizationConnection",
  description: "A page of organizations, by name.",
});

/** The viewer: the API key's user, what the key may do, and where. */
interface Viewer {
  userId: number;
}

const ApiKeyInfo = builder
  .objectRef<{ label: string; scopes: string[]; scopedOrganizations: string[]; scopedTeams: number[] }>("ApiKeyInfo")
  .implement({
    description: "The personal API key this request was made with (never its secret).",
    fields: (t) => ({
      label: t.exposeString("label", { description: "The key's label." }),
      scopes: t.exposeStringList("scopes", { description: "What the key may do: `object:read`, `object:write` (implies read) or `*`." }),
      scopedOrganizations: t.stringList({
        description: "Ids of the organizations the key is limited to; empty when it reaches all of the user's.",
        resolve: (k) => k.scopedOrganizations,
      }),
      scopedProjects: t.intList({
        description: "PostHog ids of the projects/environments the key is limited to; empty when it reaches all.",
        resolve: (k) => k.scopedTeams,
      }),
    }),
  });

const ViewerRef = builder.objectRef<Viewer>("Viewer").implement({
  description: "Who is calling: the API key's user, their organizations and the key itself.",
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: "The key's user.",
      resolve: async (v, _args, ctx) => (await ctx.loaders.userById.load(v.userId))!,
    }),
    apiKey: t.field({ type: ApiKeyInfo, description: "The key this request was made with.", resolve: (_v, _a, ctx) => viewerOf(ctx).key }),
    organizations: pagedField(t, {
      type: OrganizationConnection,
      description: "The organizations the user belongs to and the key reaches, by name.",
      authScopes: { scope: "organization:read" },
      // Only the organizations the key reaches (the principal's, decided when it was loaded).
      query: (ctx, _args, columns) => userOrganizationsPage(viewerOf(ctx).organizationIds, columns),
      parentId: (v) => v.userId,
    }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    description: "The caller: the API key's user and what the key reaches.",
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ({ userId: viewerOf(ctx).user.id }),
  }),
  organization: t.field({
    type: OrganizationRef,
    description: "An organization by its global id or its UUID. NOT_FOUND when you are not a member.",
    authScopes: { scope: "organization:read" },
    args: { id: t.arg.id({ required: true, description: "The organization's global id, or PostHog's UUID of it." }) },
    resolve: (_root, args, ctx) => getVisibleOrganization(ctx, String(args.id)),
  }),
  currentOrganization: t.field({
    type: OrganizationRef,
    nullable: true,
    description: "PostHog's `@current` organization: the user's current one, or their first; null when they have none.",
    authScopes: { scope: "organization:read" },
    resolve: (_root, _args, ctx) => getCurrentOrganization(ctx),
  }),
}));

const OrganizationPayload = definePayload(
  "OrganizationPayload",
  "organization",
  OrganizationRef,
  "The result of a change to an organization.",
  "The organization after the change; null when userErrors explain why nothing changed.",
);

const CreateOrganizationInput = builder.inputType("CreateOrganizationInput", {
  description: "A new organization. You become its owner.",
  fields: (t) => ({
    name: t.string({ required: true, description: "Display name, 1–64 characters." }),
  }),
});

const UpdateOrganizationInput = builder.inputType("UpdateOrganizationInput", {
  description: "Changes to an organization (admins only). Omitted fields stay as they are.",
  fields: (t) => ({
    id: t.id({ required: true, description: "The organization's global id or UUID." }),
    name: t.string({ required: false, description: "New display name, 1–64 characters." }),
  }),
});

builder.mutationFields((t) => ({
  createOrganization: t.field({
    type: OrganizationPayload,
    description: "Creates an organization with you as its owner.",
    authScopes: { scope: "organization:write" },
    args: { input: t.arg({ type: CreateOrganizationInput, required: true, description: "The new organization." }) },
    resolve: async (_root, { input }, ctx) => toPayload("organization", await createOrganization(ctx, input)),
  }),
  updateOrganization: t.field({
    type: OrganizationPayload,
    description: "Renames an organization. Needs admin level.",
    authScopes: { scope: "organization:write" },
    args: { input: t.arg({ type: UpdateOrganizationInput, required: true, description: "What to change." }) },
    resolve: async (_root, { input }, ctx) => toPayload("organization", await updateOrganization(ctx, { ...input, id: String(input.id) })),
  }),
}));
