// The demo's domain data, contributed by each area's seed.ts, in dependency order.
import type { PrismaClient } from "../generated/prisma/client.js";
import { seedProjects } from "../domain/projects/seed.js";
import { seedRoles } from "../domain/roles/seed.js";
import { seedAnnotations } from "../domain/annotations/seed.js";
import { seedCohorts } from "../domain/cohorts/seed.js";

export interface DemoContext {
  userId: number;
  organizationId: string;
}

export async function demoDomainData(prisma: PrismaClient, demo: DemoContext): Promise<void> {
  await seedProjects(prisma, demo);
  await seedRoles(prisma, demo);
  await seedAnnotations(prisma, demo);
  await seedCohorts(prisma, demo);
}
