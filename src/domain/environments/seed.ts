// Demo data of the environments area (called by src/db/seed-domain.ts).
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { DemoContext } from "../../db/seed-domain.js";

export async function seedEnvironments(_prisma: PrismaClient, _demo: DemoContext): Promise<void> {}
