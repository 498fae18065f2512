// Principals for the unit tier: a user with one membership and a key, built
// without a database (the policy decides from these alone).
import { Principal } from "../../src/auth/principal.js";
import { MembershipLevel } from "../../src/auth/levels.js";

export const ORG = "00000000-0000-4000-8000-000000000001";
export const OTHER_ORG = "00000000-0000-4000-8000-000000000002";

export interface PrincipalOptions {
  level?: number;
  scopes?: string[];
  scopedOrganizations?: string[];
  scopedTeams?: number[];
  /** The organization the user is a member of (default ORG). */
  org?: string;
}

export function principal(opts: PrincipalOptions = {}): Principal {
  const user = {
    id: 1,
    uuid: "00000000-0000-4000-8000-0000000000aa",
    email: "someone@example.com",
    firstName: "Some",
    lastName: "One",
    distinctId: "someone",
    isEmailVerified: true,
    hedgehogConfig: null,
    roleAtOrganization: null,
    currentOrganizationId: ORG,
    createdAt: new Date(0),
  };
  const key = {
    id: "k",
    label: "key",
    scopes: opts.scopes ?? ["*"],
    scopedOrganizations: opts.scopedOrganizations ?? [],
    scopedTeams: opts.scopedTeams ?? [],
  };
  return new Principal(user, key, [{ organizationId: opts.org ?? ORG, level: opts.level ?? MembershipLevel.MEMBER }]);
}
