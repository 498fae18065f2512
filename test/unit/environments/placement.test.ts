// How projects and environments are placed for the policy, with no database:
// what the area's rows answer for the actions its services and fields ask.
import { describe, expect, it } from "vitest";
import { decide, type Action } from "../../../src/auth/policy.js";
import type { Principal } from "../../../src/auth/principal.js";
import { ORG, principal as unitPrincipal } from "../principals.js";
import { MembershipLevel } from "../../../src/auth/levels.js";
import { environmentPlacement } from "../../../src/domain/environments/access.js";
import { projectPlacement } from "../../../src/domain/projects/access.js";

/** A user at `level` in ORG, with a key of these scopes (limited to these projects/environments). */
const principal = (level: number, scopes: string[] = ["*"], scopedTeams: number[] = []): Principal =>
  unitPrincipal({ level, scopes, scopedTeams });

const project = { id: 7, organizationId: ORG, isPendingDeletion: false };
const primary = { id: 7, projectId: 7, organizationId: ORG, isPendingDeletion: false };
const staging = { id: 8, projectId: 7, organizationId: ORG, isPendingDeletion: false };

const answer = (p: Principal, action: Action, at: Parameters<typeof decide>[2]) => {
  const d = decide(p, action, at);
  return d.allowed ? "allowed" : d.code;
};

describe("project and environment placements", () => {
  const admin = principal(MembershipLevel.ADMIN);
  const member = principal(MembershipLevel.MEMBER);

  const who = { admin, member };

  it.each([
    ["member", "project:read", "allowed"],
    ["member", "project:update-member-settings", "allowed"],
    ["member", "project:add-product-intent", "allowed"],
    ["member", "project:update", "FORBIDDEN"],
    ["member", "project:reset-token", "FORBIDDEN"],
    ["member", "project:administer", "FORBIDDEN"],
    ["admin", "project:administer", "allowed"],
    ["admin", "environment:delete", "allowed"],
  ] as const)("%s → %s on a project and its environments: %s", (name, action, expected) => {
    for (const at of [projectPlacement(project), environmentPlacement(primary), environmentPlacement(staging)])
      expect(answer(who[name], action, at)).toBe(expected);
  });

  it("shows secrets only to admins whose key may write, and calls a read-only admin an admin still", () => {
    const readOnlyAdmin = principal(MembershipLevel.ADMIN, ["project:read"]);
    expect(answer(admin, "project:read-secrets", environmentPlacement(staging))).toBe("allowed");
    expect(answer(member, "project:read-secrets", environmentPlacement(staging))).toBe("FORBIDDEN");
    expect(answer(readOnlyAdmin, "project:read-secrets", environmentPlacement(staging))).toBe("FORBIDDEN");
    expect(answer(readOnlyAdmin, "project:administer", environmentPlacement(staging))).toBe("allowed");
  });

  it("hides what is pending deletion", () => {
    expect(answer(admin, "project:read", projectPlacement({ ...project, isPendingDeletion: true }))).toBe("NOT_FOUND");
    expect(answer(admin, "project:read", environmentPlacement({ ...staging, isPendingDeletion: true }))).toBe("NOT_FOUND");
  });

  it("lets a key limited to a project reach its environments, and no other project's", () => {
    const scoped = principal(MembershipLevel.ADMIN, ["*"], [7]);
    expect(answer(scoped, "project:read", environmentPlacement(staging))).toBe("allowed");
    expect(answer(scoped, "project:read", projectPlacement({ ...project, id: 9 }))).toBe("NOT_FOUND");
    expect(
      answer(scoped, "project:read", environmentPlacement({ id: 10, projectId: 9, organizationId: ORG, isPendingDeletion: false })),
    ).toBe("NOT_FOUND");
    // A key limited to one environment reaches that environment, not its project's others.
    const envScoped = principal(MembershipLevel.ADMIN, ["*"], [8]);
    expect(answer(envScoped, "project:read", environmentPlacement(staging))).toBe("allowed");
    expect(answer(envScoped, "project:read", projectPlacement(project))).toBe("NOT_FOUND");
  });
});
