// The authorization policy as a table: principal × action × target →
// allowed / FORBIDDEN / NOT_FOUND, with no database and no HTTP. The end-to-end
// tests (test/projects/authorization.test.ts and each area's) check that the
// services ask the policy; this checks what it answers.
import { describe, expect, it } from "vitest";
import { ACTIONS, assertCan, decide, isVisible, reachableTeams, type Action, type Placement } from "../../../src/auth/policy.js";
import { MembershipLevel } from "../../../src/auth/levels.js";
import type { Principal } from "../../../src/auth/principal.js";
import { ORG, OTHER_ORG, principal } from "../principals.js";

const PRINCIPALS = {
  owner: principal({ level: MembershipLevel.OWNER }),
  admin: principal({ level: MembershipLevel.ADMIN }),
  member: principal({ level: MembershipLevel.MEMBER }),
  "admin, read-only key": principal({
    level: MembershipLevel.ADMIN,
    scopes: ["project:read", "organization:read", "annotation:read", "cohort:read"],
  }),
  "admin, key for project 7 only": principal({ level: MembershipLevel.ADMIN, scopedTeams: [7] }),
  "admin, key for another organization": principal({ level: MembershipLevel.ADMIN, scopedOrganizations: [OTHER_ORG] }),
};

const TARGETS: Record<string, Placement> = {
  organization: { organizationId: ORG },
  "project 7": { organizationId: ORG, projectId: 7 },
  "environment 8 of project 7": { organizationId: ORG, projectId: 7, environmentId: 8 },
  "project 9": { organizationId: ORG, projectId: 9 },
  "project 7, pending deletion": { organizationId: ORG, projectId: 7, pendingDeletion: true },
  "organization-wide annotation in project 9": { organizationId: ORG, projectId: 9, environmentId: 9, organizationWide: true },
  "another organization's project": { organizationId: OTHER_ORG, projectId: 50 },
};

type Expected = "allowed" | "FORBIDDEN" | "NOT_FOUND";
const answer = (p: Principal, action: Action, at: Placement): Expected => {
  const d = decide(p, action, at);
  return d.allowed ? "allowed" : d.code;
};

describe("policy table", () => {
  // [principal, action, target, expected]
  const table: [keyof typeof PRINCIPALS, Action, string, Expected][] = [
    // Members read; admins change.
    ["member", "project:read", "project 7", "allowed"],
    ["member", "project:update", "project 7", "FORBIDDEN"],
    ["member", "project:update-member-settings", "project 7", "allowed"],
    ["admin", "project:update", "project 7", "allowed"],
    ["owner", "project:rotate-secret", "environment 8 of project 7", "allowed"],
    ["member", "project:rotate-secret", "environment 8 of project 7", "FORBIDDEN"],
    ["member", "project:add-product-intent", "project 7", "allowed"],
    ["member", "project:create", "organization", "FORBIDDEN"],
    ["admin", "project:create", "organization", "allowed"],
    ["member", "role:read", "organization", "allowed"],
    ["member", "role:create", "organization", "FORBIDDEN"],
    ["admin", "role:change-members", "organization", "allowed"],
    ["member", "cohort:write", "environment 8 of project 7", "allowed"],
    ["member", "annotation:write", "project 7", "allowed"],
    // Scope first: a key without it is refused whatever the target (even one it cannot see).
    ["admin, read-only key", "project:read", "project 7", "allowed"],
    ["admin, read-only key", "project:update", "project 7", "FORBIDDEN"],
    ["admin, read-only key", "project:update", "another organization's project", "FORBIDDEN"],
    ["admin, read-only key", "role:create", "organization", "FORBIDDEN"],
    // Visibility before level: what you cannot see is NOT_FOUND, never FORBIDDEN.
    ["member", "project:update", "another organization's project", "NOT_FOUND"],
    ["member", "project:read", "project 7, pending deletion", "NOT_FOUND"],
    ["owner", "project:delete", "project 7, pending deletion", "NOT_FOUND"],
    // A key limited to project 7 reaches it and its environments, nothing else of the organization's projects.
    ["admin, key for project 7 only", "project:update", "project 7", "allowed"],
    ["admin, key for project 7 only", "project:update", "environment 8 of project 7", "allowed"],
    ["admin, key for project 7 only", "project:read", "project 9", "NOT_FOUND"],
    ["admin, key for project 7 only", "organization:update", "organization", "allowed"],
    // ... except organization-wide annotations, which every member of the organization sees.
    ["admin, key for project 7 only", "annotation:read", "organization-wide annotation in project 9", "allowed"],
    // A key limited to another organization sees nothing of this one.
    ["admin, key for another organization", "organization:read", "organization", "NOT_FOUND"],
    ["admin, key for another organization", "project:read", "project 7", "NOT_FOUND"],
  ];

  it.each(table)("%s → %s on %s: %s", (who, action, target, expected) => {
    expect(answer(PRINCIPALS[who], action, TARGETS[target])).toBe(expected);
  });

  it("answers every action of the catalogue for an owner with every scope, and nothing for a stranger", () => {
    for (const action of Object.keys(ACTIONS) as Action[]) {
      expect(answer(PRINCIPALS.owner, action, TARGETS["environment 8 of project 7"]), action).toBe("allowed");
      expect(answer(PRINCIPALS.owner, action, TARGETS["another organization's project"]), action).toBe("NOT_FOUND");
    }
  });
});

describe("visibility", () => {
  it("needs membership, the key's reach and a target not pending deletion", () => {
    expect(isVisible(PRINCIPALS.member, TARGETS["project 9"])).toBe(true);
    expect(isVisible(PRINCIPALS["admin, key for project 7 only"], TARGETS["project 9"])).toBe(false);
    expect(isVisible(PRINCIPALS.owner, TARGETS["project 7, pending deletion"])).toBe(false);
    expect(isVisible(PRINCIPALS.owner, TARGETS["another organization's project"])).toBe(false);
  });
});

describe("reachableTeams (visibility as a list filter)", () => {
  it("is the key's project limit, or null for a key that reaches every project of its organizations", () => {
    expect(reachableTeams(PRINCIPALS["admin, key for project 7 only"])).toEqual([7]);
    expect(reachableTeams(PRINCIPALS.owner)).toBeNull();
  });
});

describe("assertCan", () => {
  it("throws NOT_FOUND naming the target, FORBIDDEN saying what the caller may not do", () => {
    const code = (fn: () => void) => {
      try {
        fn();
        return { code: "allowed", message: "" };
      } catch (error) {
        return { code: (error as { extensions: { code: string } }).extensions.code, message: (error as Error).message };
      }
    };
    expect(
      code(() => assertCan(PRINCIPALS.member, "project:read", TARGETS["another organization's project"], { typename: "Project", id: 50 })),
    ).toEqual({
      code: "NOT_FOUND",
      message: 'Project "50" not found.',
    });
    expect(code(() => assertCan(PRINCIPALS.member, "project:delete", TARGETS["project 7"], { typename: "Project", id: 7 }))).toEqual({
      code: "FORBIDDEN",
      message: "Only organization admins (level 8 or more) may delete projects.",
    });
    expect(
      code(() =>
        assertCan(PRINCIPALS.member, "project:update", TARGETS["project 7"], { typename: "Project", verb: "change: name, timezone" }),
      ).message,
    ).toBe("Only organization admins (level 8 or more) may change: name, timezone.");
    expect(
      code(() => assertCan(PRINCIPALS["admin, read-only key"], "cohort:write", TARGETS["project 7"], { typename: "Cohort" })).message,
    ).toBe("The API key lacks the scope this needs: cohort:write.");
    expect(code(() => assertCan(PRINCIPALS.owner, "project:delete", TARGETS["project 7"], { typename: "Project" })).code).toBe("allowed");
  });
});
