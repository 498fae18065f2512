// Who may do what: the one place every authorization decision is made. A
// decision takes the caller (Principal: the key's scopes and limits, the
// user's memberships), an action from the catalogue below, and where the
// target lives (its organization, project and environment). It never queries:
// the principal was loaded with the request, and callers pass the target's
// placement from rows they already hold.
//
// The order of checks is one rule, the same for every action:
//   1. the key's scope for the action (FORBIDDEN): checked first, before the
//      target is even looked at, so a key without the scope learns nothing
//      about which ids exist (GitHub answers the same way);
//   2. visibility (NOT_FOUND, the same answer as for an id that does not
//      exist): a member of the organization, whose key reaches the project
//      or environment, and the target not pending deletion;
//   3. the membership level the action needs (FORBIDDEN).
// Services check input validity after authorization: a caller who may not
// act is never told what is wrong with the input.
//
// Scopes of reads are also declared on the schema's fields (Pothos
// scope-auth, src/schema/builder.ts), which asks `hasScope` here.
import type { GraphQLError } from "graphql";
import { forbidden, notFound } from "../errors.js";
import { MembershipLevel } from "./levels.js";
import type { Principal } from "./principal.js";
import { scopeAllows, type Scope } from "./scopes.js";

type Level = "member" | "admin";

interface ActionRule {
  /** The API-key scope the action needs. */
  scope: Scope;
  /** The membership level the action needs in the target's organization. */
  level: Level;
  /** What a refusal says the caller may not do: "Only organization admins ... may <verb>." */
  verb: string;
}

const member = (scope: Scope, verb: string): ActionRule => ({ scope, level: "member", verb });
const admin = (scope: Scope, verb: string): ActionRule => ({ scope, level: "admin", verb });

/**
 * Every action of the API and what it needs. PostHog's rules: members read
 * everything of their organizations and change cohorts, annotations, intents
 * and a few onboarding settings; admins (level 8+) change the rest.
 */
export const ACTIONS = {
  "organization:read": member("organization:read", "read the organization"),
  "organization:update": admin("organization:write", "update an organization"),
  "organization:set-default-role": admin("organization:write", "set the default role"),

  "role:read": member("organization:read", "read roles"),
  "role:create": admin("organization:write", "create roles"),
  "role:update": admin("organization:write", "change roles"),
  "role:delete": admin("organization:write", "delete roles"),
  "role:change-members": admin("organization:write", "change role members"),

  "project:read": member("project:read", "read the project"),
  /** Tokens in clear and other admin-only fields. */
  "project:read-secrets": admin("project:write", "read secret tokens"),
  /**
   * Being the project's admin, whatever the key may write (PostHog's
   * `user_access_level`: "admin"); each change also asks its own action.
   */
  "project:administer": admin("project:read", "administer the project"),
  "project:create": admin("project:write", "create projects"),
  /** Settings every member may change (PostHog's member-writable list). */
  "project:update-member-settings": member("project:write", "change these settings"),
  /** Name, description and every other setting. */
  "project:update": admin("project:write", "change the project"),
  "project:delete": admin("project:write", "delete projects"),
  "project:move-out": admin("project:write", "move projects out of this organization"),
  "project:move-in": admin("project:write", "move projects into that organization"),
  "project:reset-token": admin("project:write", "reset the project token"),
  "project:rotate-secret": admin("project:write", "rotate the secret token"),
  "project:delete-secret-backup": admin("project:write", "delete the secret token backup"),
  "project:generate-conversations-token": admin("project:write", "generate a conversations token"),
  "project:update-logs-config": admin("project:write", "change the logs configuration"),
  "project:add-product-intent": member("project:write", "add product intents"),
  "project:complete-onboarding": member("project:write", "complete product onboarding"),
  "environment:create": admin("project:write", "create environments"),
  "environment:delete": admin("project:write", "delete environments"),

  "annotation:read": member("annotation:read", "read annotations"),
  "annotation:write": member("annotation:write", "change annotations"),

  "cohort:read": member("cohort:read", "read cohorts"),
  "cohort:write": member("cohort:write", "change cohorts"),

  "activity:read": member("project:read", "read activity"),
} as const satisfies Record<string, ActionRule>;

export type Action = keyof typeof ACTIONS;

/**
 * Where a target lives. An organization-level target (the organization, a
 * role) names only its organization; anything of a project names the project
 * and, when it belongs to one, the environment.
 */
export interface Placement {
  organizationId: string;
  projectId?: number;
  environmentId?: number;
  /** The target, or the project or environment it belongs to, is pending deletion: hidden. */
  pendingDeletion?: boolean;
  /**
   * Visible to every member of the organization, even through a key limited
   * to other projects (PostHog's organization-scoped annotations).
   */
  organizationWide?: boolean;
}

export type Decision = { allowed: true } | { allowed: false; code: "FORBIDDEN" | "NOT_FOUND"; reason: string };

const ALLOWED: Decision = { allowed: true };

/** Whether the key holds a scope (write implies read; `*` holds all). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return scopeAllows(principal.key.scopes, scope);
}

/** Whether the caller can see something placed here (step 2 alone). */
export function isVisible(principal: Principal, at: Placement): boolean {
  if (at.pendingDeletion) return false;
  const teams = [at.projectId, at.environmentId].filter((id): id is number => id !== undefined);
  if (principal.canSee(at.organizationId, ...teams)) return true;
  return at.organizationWide === true && principal.canSee(at.organizationId);
}

/**
 * The project and environment ids the key is limited to (PostHog's
 * scoped_teams), or null when it reaches every one of its organizations':
 * visibility as a list filter, for lists that filter in SQL.
 */
export function reachableTeams(principal: Principal): readonly number[] | null {
  return principal.key.scopedTeams.length ? principal.key.scopedTeams : null;
}

const LEVELS: Record<Level, number> = { member: MembershipLevel.MEMBER, admin: MembershipLevel.ADMIN };

/** The decision for `action` on a target placed at `at`, in the order of the rule above. */
export function decide(principal: Principal, action: Action, at: Placement): Decision {
  const rule: ActionRule = ACTIONS[action];
  if (!hasScope(principal, rule.scope)) {
    return { allowed: false, code: "FORBIDDEN", reason: `The API key lacks the scope this needs: ${rule.scope}.` };
  }
  if (!isVisible(principal, at)) return { allowed: false, code: "NOT_FOUND", reason: "not found" };
  if ((principal.levelIn(at.organizationId) ?? 0) < LEVELS[rule.level]) {
    return { allowed: false, code: "FORBIDDEN", reason: `Only organization admins (level 8 or more) may ${rule.verb}.` };
  }
  return ALLOWED;
}

export const can = (principal: Principal, action: Action, at: Placement): boolean => decide(principal, action, at).allowed;

/** How a refusal names the target: NOT_FOUND says "<typename> <id> not found". */
export interface TargetName {
  typename: string;
  id?: string | number;
  /** Replaces the action's verb in a FORBIDDEN message (e.g. "change: name, timezone"). */
  verb?: string;
}

/** Throws the refusal (NOT_FOUND or FORBIDDEN, as top-level GraphQL errors) unless the action is allowed. */
export function assertCan(principal: Principal, action: Action, at: Placement, name: TargetName): void {
  const decision = decide(principal, action, at);
  if (decision.allowed) return;
  throw refusal(decision, name);
}

function refusal(decision: Exclude<Decision, { allowed: true }>, name: TargetName): GraphQLError {
  if (decision.code === "NOT_FOUND") return notFound(name.typename, name.id);
  return forbidden(
    name.verb && decision.reason.startsWith("Only") ? `Only organization admins (level 8 or more) may ${name.verb}.` : decision.reason,
  );
}
