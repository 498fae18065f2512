// Organization membership levels, as in PostHog.
export const MembershipLevel = { MEMBER: 1, ADMIN: 8, OWNER: 15 } as const;
export type MembershipLevelValue = (typeof MembershipLevel)[keyof typeof MembershipLevel];

export function isAdminLevel(level: number | null | undefined): boolean {
  return level != null && level >= MembershipLevel.ADMIN;
}
