// The roles area's GraphQL types, queries and mutations (registered on import).
import type { Organization, Role, RoleMembership } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { notFound } from "../../errors.js";
import { viewerOf } from "../../context.js";
import { isVisible } from "../../auth/policy.js";
import { encodeId } from "../ids.js";
import { pagedField } from "../../schema/paged-field.js";
import { definePayload, toPayload, UserErrorRef, USER_ERRORS_DESCRIPTION } from "../../schema/payloads.js";
import type { UserError } from "../outcome.js";
import { UserRef } from "../users/schema.js";
import { loadReferencedUser } from "../users/service.js";
import { OrganizationRef } from "../organizations/schema.js";
import {
  addRoleMember,
  createRole,
  deleteRole,
  getVisibleRole,
  removeRoleMember,
  setOrganizationDefaultRole,
  updateRole,
} from "./service.js";
import { organizationRolesPage, roleMembersPage } from "./store.js";

export const RoleRef = builder.loadableNode("Role", {
  description: "A role in an organization: a named group of the organization's members. Any member reads roles; admins change them.",
  id: { resolve: (r: Role) => r.id },
  authScopes: { scope: "organization:read" },
  load: async (ids: string[], ctx) => {
    const principal = viewerOf(ctx);
    const roles = await ctx.loaders.roleById.loadMany(ids);
    return roles.map((r, i) =>
      r && !(r instanceof Error) && isVisible(principal, { organizationId: r.organizationId }) ? r : notFound("Role", ids[i]),
    );
  },
  fields: (t) => ({
    uuid: t.field({ type: "UUID", description: "PostHog's id of the role (a UUID).", resolve: (r) => r.id }),
    name: t.exposeString("name", { description: "The role's name, unique in its organization ignoring case (1–200 characters)." }),
    createdAt: t.field({ type: "DateTime", description: "When the role was created.", resolve: (r) => r.createdAt }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: "Who created the role; null when unknown or the user was deleted.",
      resolve: (r, _args, ctx) => loadReferencedUser(ctx, r.createdById),
    }),
    isDefault: t.boolean({
      description: "Whether this is its organization's default role (PostHog's `is_default`).",
      resolve: async (r, _args, ctx) => (await ctx.loaders.organizationById.load(r.organizationId))?.defaultRoleId === r.id,
    }),
  }),
});

const RoleMemberRef = builder.objectRef<RoleMembership>("RoleMember").implement({
  description: "A user's membership of a role.",
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: "The member.",
      resolve: async (m, _args, ctx) => (await ctx.loaders.userById.load(m.userId))!,
    }),
    joinedAt: t.field({ type: "DateTime", description: "When the user joined the role.", resolve: (m) => m.joinedAt }),
  }),
});

const RoleMemberConnection = builder.connectionObject({
  type: RoleMemberRef,
  name: "RoleMemberConnection",
  description: "A page of a role's members, oldest membership first.",
});

builder.objectField(RoleRef, "members", (t) =>
  pagedField(t, {
    type: RoleMemberConnection,
    description: "The role's members, oldest membership first.",
    query: roleMembersPage,
    parentId: (r) => r.id,
  }),
);

const RoleConnection = builder.connectionObject({
  type: RoleRef,
  name: "RoleConnection",
  description: "A page of an organization's roles, oldest first.",
});

builder.objectField(OrganizationRef, "roles", (t) =>
  pagedField(t, {
    type: RoleConnection,
    description: "The organization's roles, oldest first.",
    query: organizationRolesPage,
    parentId: (o) => o.id,
  }),
);

builder.objectField(OrganizationRef, "defaultRole", (t) =>
  t.field({
    type: RoleRef,
    nullable: true,
    description: "The organization's default role (the role new members join); null when it has none.",
    resolve: (o, _args, ctx) => (o.defaultRoleId ? ctx.loaders.roleById.load(o.defaultRoleId) : null),
  }),
);

builder.queryField("role", (t) =>
  t.field({
    type: RoleRef,
    description: "A role by its global id or its UUID. NOT_FOUND when you are not a member of its organization.",
    authScopes: { scope: "organization:read" },
    args: { id: t.arg.id({ required: true, description: "The role's global id, or PostHog's UUID of it." }) },
    resolve: (_root, args, ctx) => getVisibleRole(ctx, String(args.id)),
  }),
);

// Payloads.

const RolePayload = definePayload(
  "RolePayload",
  "role",
  RoleRef,
  "The result of creating or changing a role.",
  "The role after the change; null when userErrors explain why nothing changed.",
);

const DeleteRolePayload = builder
  .objectRef<{ deleted: { role: Role; organization: Organization } | null; userErrors: UserError[] }>("DeleteRolePayload")
  .implement({
    description: "The result of deleting a role.",
    fields: (t) => ({
      deletedRoleId: t.id({
        nullable: true,
        description: "The global id of the deleted role; null when userErrors explain why nothing changed.",
        resolve: (p) => (p.deleted ? encodeId("Role", p.deleted.role.id) : null),
      }),
      organization: t.field({
        type: OrganizationRef,
        nullable: true,
        description: "The role's organization after the delete (its default role cleared if it was this one).",
        resolve: (p) => p.deleted?.organization ?? null,
      }),
      userErrors: t.field({
        type: [UserErrorRef],
        description: USER_ERRORS_DESCRIPTION,
        resolve: (p) => p.userErrors,
      }),
    }),
  });

const RoleMemberPayload = builder
  .objectRef<{ change: { role: Role; member: RoleMembership } | null; userErrors: UserError[] }>("RoleMemberPayload")
  .implement({
    description: "The result of adding a user to a role or removing one from it.",
    fields: (t) => ({
      role: t.field({
        type: RoleRef,
        nullable: true,
        description: "The role after the change; null when userErrors explain why nothing changed.",
        resolve: (p) => p.change?.role ?? null,
      }),
      member: t.field({
        type: RoleMemberRef,
        nullable: true,
        description: "The membership added, or the one removed; null when userErrors explain why nothing changed.",
        resolve: (p) => p.change?.member ?? null,
      }),
      userErrors: t.field({
        type: [UserErrorRef],
        description: USER_ERRORS_DESCRIPTION,
        resolve: (p) => p.userErrors,
      }),
    }),
  });

const SetOrganizationDefaultRolePayload = builder
  .objectRef<{ change: { organization: Organization; role: Role | null } | null; userErrors: UserError[] }>(
    "SetOrganizationDefaultRolePayload",
  )
  .implement({
    description: "The result of setting or clearing an organization's default role.",
    fields: (t) => ({
      organization: t.field({
        type: OrganizationRef,
        nullable: true,
        description: "The organization after the change; null when userErrors explain why nothing changed.",
        resolve: (p) => p.change?.organization ?? null,
      }),
      defaultRole: t.field({
        type: RoleRef,
        nullable: true,
        description: "The organization's default role after the change; null when it was cleared or nothing changed.",
        resolve: (p) => p.change?.role ?? null,
      }),
      userErrors: t.field({
        type: [UserErrorRef],
        description: USER_ERRORS_DESCRIPTION,
        resolve: (p) => p.userErrors,
      }),
    }),
  });

// Inputs.

const CreateRoleInput = builder.inputType("CreateRoleInput", {
  description: "A new role in an organization (admins only).",
  fields: (t) => ({
    organizationId: t.id({ required: true, description: "The organization's global id or UUID." }),
    name: t.string({ required: true, description: "The role's name: 1–200 characters, unique in the organization ignoring case." }),
  }),
});

const UpdateRoleInput = builder.inputType("UpdateRoleInput", {
  description: "Changes to a role (admins only). Omitted fields stay as they are.",
  fields: (t) => ({
    id: t.id({ required: true, description: "The role's global id or UUID." }),
    name: t.string({ required: false, description: "New name: 1–200 characters, unique in the organization ignoring case." }),
  }),
});

const DeleteRoleInput = builder.inputType("DeleteRoleInput", {
  description: "The role to delete (admins only). Deleting is permanent and removes its memberships.",
  fields: (t) => ({
    id: t.id({ required: true, description: "The role's global id or UUID." }),
  }),
});

const AddRoleMemberInput = builder.inputType("AddRoleMemberInput", {
  description: "A user to add to a role (admins only). The user must be a member of the role's organization.",
  fields: (t) => ({
    roleId: t.id({ required: true, description: "The role's global id or UUID." }),
    userId: t.id({ required: true, description: "The user's global id or PostHog's integer id of the user." }),
  }),
});

const RemoveRoleMemberInput = builder.inputType("RemoveRoleMemberInput", {
  description: "A user to remove from a role (admins only).",
  fields: (t) => ({
    roleId: t.id({ required: true, description: "The role's global id or UUID." }),
    userId: t.id({ required: true, description: "The user's global id or PostHog's integer id of the user." }),
  }),
});

const SetOrganizationDefaultRoleInput = builder.inputType("SetOrganizationDefaultRoleInput", {
  description: "The default role of an organization (admins only).",
  fields: (t) => ({
    organizationId: t.id({ required: true, description: "The organization's global id or UUID." }),
    roleId: t.id({
      required: false,
      description: "The global id or UUID of one of the organization's roles; null (or omitted) clears the default role.",
    }),
  }),
});

builder.mutationFields((t) => ({
  createRole: t.field({
    type: RolePayload,
    description: "Creates a role in an organization. Needs admin level.",
    authScopes: { scope: "organization:write" },
    args: { input: t.arg({ type: CreateRoleInput, required: true, description: "The new role." }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload("role", await createRole(ctx, { organizationId: String(input.organizationId), name: input.name })),
  }),
  updateRole: t.field({
    type: RolePayload,
    description: "Renames a role. Needs admin level.",
    authScopes: { scope: "organization:write" },
    args: { input: t.arg({ type: UpdateRoleInput, required: true, description: "What to change." }) },
    resolve: async (_root, { input }, ctx) => toPayload("role", await updateRole(ctx, { ...input, id: String(input.id) })),
  }),
  deleteRole: t.field({
    type: DeleteRolePayload,
    description:
      "Deletes a role and its memberships for good; if it was the organization's default role, the organization has none " +
      "afterwards. Needs admin level.",
    authScopes: { scope: "organization:write" },
    args: { input: t.arg({ type: DeleteRoleInput, required: true, description: "The role to delete." }) },
    resolve: async (_root, { input }, ctx) => toPayload("deleted", await deleteRole(ctx, { id: String(input.id) })),
  }),
  addRoleMember: t.field({
    type: RoleMemberPayload,
    description: "Adds a member of the organization to one of its roles. Needs admin level.",
    authScopes: { scope: "organization:write" },
    args: { input: t.arg({ type: AddRoleMemberInput, required: true, description: "The role and the user." }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload("change", await addRoleMember(ctx, { roleId: String(input.roleId), userId: String(input.userId) })),
  }),
  removeRoleMember: t.field({
    type: RoleMemberPayload,
    description: "Removes a user from a role. Needs admin level.",
    authScopes: { scope: "organization:write" },
    args: { input: t.arg({ type: RemoveRoleMemberInput, required: true, description: "The role and the user." }) },
    resolve: async (_root, { input }, ctx) =>
      toPayload("change", await removeRoleMember(ctx, { roleId: String(input.roleId), userId: String(input.userId) })),
  }),
  setOrganizationDefaultRole: t.field({
    type: SetOrganizationDefaultRolePayload,
    description: "Sets or clears an organization's default role (the role new members join). Needs admin level.",
    authScopes: { scope: "organization:write" },
    args: {
      input: t.arg({ type: SetOrganizationDefaultRoleInput, required: true, description: "The organization and its new default role." }),
    },
    resolve: async (_root, { input }, ctx) =>
      toPayload(
        "change",
        await setOrganizationDefaultRole(ctx, {
          organizationId: String(input.organizationId),
          roleId: input.roleId == null ? input.roleId : String(input.roleId),
        }),
      ),
  }),
}));
