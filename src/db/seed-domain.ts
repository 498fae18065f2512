// The demo's domain data (projects, environments, ...), grown by each area.
import type { PrismaClient } from "../generated/prisma/client.js";

export async function demoDomainData(_prisma: PrismaClient, _owner: { userId: number; organizationId: string }): Promise<void> {
  // Projects and environments arrive with the projects area.
}
