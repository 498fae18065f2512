// Who sees and changes an annotation, with no database: the annotation's
// placement (annotationPlacement) as the policy judges it. ORGANIZATION-scoped
// annotations reach every member of the organization, whichever projects the
// key is limited to; the others are seen with their environment.
import { describe, expect, it } from "vitest";
import { decide, isVisible } from "../../../src/auth/policy.js";
import type { Annotation, Environment } from "../../../src/generated/prisma/client.js";
import { annotationPlacement } from "../../../src/domain/annotations/service.js";
import { ORG, OTHER_ORG, principal } from "../principals.js";

const environment = (id: number, projectId: number, pending = false) =>
  ({ id, projectId, organizationId: ORG, isPendingDeletion: pending }) as Environment;
const annotation = (scope: string, environmentId: number) =>
  ({ id: 1, organizationId: ORG, environmentId, scope, deleted: false }) as Annotation;

const PRINCIPALS = {
  member: principal(),
  "member, key for project 7 only": principal({ scopedTeams: [7] }),
  "member, key for environment 8 only": principal({ scopedTeams: [8] }),
  "member, read-only key": principal({ scopes: ["annotation:read"] }),
  "member of another organization": principal({ org: OTHER_ORG }),
};

const TARGETS = {
  "a project annotation in environment 8 of project 7": [annotation("project", 8), environment(8, 7)],
  "a project annotation in project 9": [annotation("project", 9), environment(9, 9)],
  "an organization annotation in project 9": [annotation("organization", 9), environment(9, 9)],
  "an organization annotation of an environment pending deletion": [annotation("organization", 9), environment(9, 9, true)],
  "a dashboard annotation of an environment pending deletion": [annotation("dashboard", 8), environment(8, 7, true)],
} as const satisfies Record<string, readonly [Annotation, Environment]>;

type Expected = "allowed" | "FORBIDDEN" | "NOT_FOUND";

describe("annotations as the policy sees them", () => {
  // [principal, target, visible, annotation:write]
  const table: [keyof typeof PRINCIPALS, keyof typeof TARGETS, boolean, Expected][] = [
    ["member", "a project annotation in environment 8 of project 7", true, "allowed"],
    ["member", "an organization annotation in project 9", true, "allowed"],
    ["member, key for project 7 only", "a project annotation in environment 8 of project 7", true, "allowed"],
    ["member, key for environment 8 only", "a project annotation in environment 8 of project 7", true, "allowed"],
    ["member, key for project 7 only", "a project annotation in project 9", false, "NOT_FOUND"],
    // Organization-wide: seen (and changed, as in PostHog) through a key limited to another project.
    ["member, key for project 7 only", "an organization annotation in project 9", true, "allowed"],
    ["member", "an organization annotation of an environment pending deletion", false, "NOT_FOUND"],
    ["member", "a dashboard annotation of an environment pending deletion", false, "NOT_FOUND"],
    ["member of another organization", "an organization annotation in project 9", false, "NOT_FOUND"],
    // Scope first: a read-only key is refused writing, even what it cannot see.
    ["member, read-only key", "a project annotation in project 9", true, "FORBIDDEN"],
    ["member, read-only key", "a dashboard annotation of an environment pending deletion", false, "FORBIDDEN"],
  ];

  it.each(table)("%s, %s: visible %s, write %s", (who, target, visible, write) => {
    const [a, env] = TARGETS[target];
    const at = annotationPlacement(a, env);
    expect(isVisible(PRINCIPALS[who], at)).toBe(visible);
    const decision = decide(PRINCIPALS[who], "annotation:write", at);
    expect(decision.allowed ? "allowed" : decision.code).toBe(write);
  });
});
