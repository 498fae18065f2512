// Demo data of the roles area (called by src/db/seed-domain.ts): "Engineers"
// (the demo user is a member; the organization's default role) and "Analysts".
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { DemoContext } from "../../db/seed-domain.js";

export async function seedRoles(prisma: PrismaClient, demo: DemoContext): Promise<void> {
  const engineers = await prisma.role.create({
    data: {
      organizationId: demo.organizationId,
      name: "Engineers",
      createdById: demo.userId,
      members: { create: { userId: demo.userId } },
    },
  });
  await prisma.role.create({ data: { organizationId: demo.organizationId, name: "Analysts", createdById: demo.userId } });
  await prisma.organization.update({ where: { id: demo.organizationId }, data: { defaultRoleId: engineers.id } });
}
