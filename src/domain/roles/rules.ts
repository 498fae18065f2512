// The roles area's pure rules: what the activity log records of a role and of
// its members. No database, no GraphQL (unit-tested in test/unit/roles).
import { diffFields, type FieldChange } from "../activity/service.js";

/** The fields of a role recorded in the activity log. */
export const ROLE_FIELDS = ["name"] as const;

/** A role's member as the activity log records one. */
export interface RecordedRoleMember {
  userId: number;
  email: string;
}

const MEMBER_FIELDS = ["userId", "email"] as const;

/** The changes of a member joining (`before` null) or leaving (`after` null) a role. */
export function roleMemberChanges(before: RecordedRoleMember | null, after: RecordedRoleMember | null): FieldChange[] {
  return diffFields("RoleMember", before ? { ...before } : null, after ? { ...after } : null, MEMBER_FIELDS);
}
