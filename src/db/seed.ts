// Demo data for a fresh embedded database: an organization, a user, two
// projects with environments, and a demo API key with every scope.
import type { PrismaClient } from "../generated/prisma/client.js";
import { createApiKey } from "../auth/api-keys.js";
import { MembershipLevel } from "../auth/levels.js";
import { demoDomainData } from "./seed-domain.js";

export const DEMO_EMAIL = "demo@posthog.local";
export const DEMO_KEY_LABEL = "demo key (printed at start)";

export async function isEmpty(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.user.count()) === 0;
}

/** Seeds the demo organization and user. Idempotent: does nothing when the demo user exists. */
export async function seedDemo(prisma: PrismaClient): Promise<void> {
  if (await prisma.user.findUnique({ where: { email: DEMO_EMAIL } })) return;
  const user = await prisma.user.create({
    data: { email: DEMO_EMAIL, distinctId: "demo-user", firstName: "Demo", lastName: "User", isEmailVerified: true, roleAtOrganization: "engineering" },
  });
  const org = await prisma.organization.create({
    data: { name: "Hogflix", slug: "hogflix", memberships: { create: { userId: user.id, level: MembershipLevel.OWNER } } },
  });
  await prisma.user.update({ where: { id: user.id }, data: { currentOrganizationId: org.id } });
  await demoDomainData(prisma, { userId: user.id, organizationId: org.id });
}

/** Issues a fresh demo key (revoking earlier ones), since a key's secret is shown only once. */
export async function issueDemoKey(prisma: PrismaClient): Promise<string | null> {
  const user = await prisma.user.findUnique({ where: { email: DEMO_EMAIL } });
  if (!user) return null;
  await prisma.personalApiKey.updateMany({ where: { userId: user.id, label: DEMO_KEY_LABEL, revokedAt: null }, data: { revokedAt: new Date() } });
  return (await createApiKey(prisma, { userId: user.id, label: DEMO_KEY_LABEL, scopes: ["*"] })).key;
}
