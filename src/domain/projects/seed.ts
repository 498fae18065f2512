// Demo projects, and the helper that inserts a project with its primary
// environment directly (seed, benchmark dataset, test fixtures).
import type { Prisma, PrismaClient } from "../../generated/prisma/client.js";
import type { DemoContext } from "../../db/seed-domain.js";
import { generateToken, TOKEN_PREFIX } from "../../auth/tokens.js";

type Db = PrismaClient | Prisma.TransactionClient;

/** Inserts a project and its primary environment (same id) with fresh tokens. */
export async function insertProject(db: Db, organizationId: string, name: string, settings: Record<string, unknown> = {}) {
  const [{ id }] = await db.$queryRaw<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence('"Environment"', 'id'))::int AS id`;
  const project = await db.project.create({ data: { id, organizationId, name } });
  const environment = await db.environment.create({
    data: {
      id,
      projectId: id,
      organizationId,
      name,
      apiToken: generateToken(TOKEN_PREFIX.publicProject),
      secretApiToken: generateToken(TOKEN_PREFIX.secretProject),
      settings: settings as Prisma.InputJsonValue,
    },
  });
  return { project, environment };
}

/** Inserts a further environment of a project. */
export async function insertEnvironment(db: Db, project: { id: number; organizationId: string }, name: string) {
  return db.environment.create({
    data: {
      projectId: project.id,
      organizationId: project.organizationId,
      name,
      apiToken: generateToken(TOKEN_PREFIX.publicProject),
      secretApiToken: generateToken(TOKEN_PREFIX.secretProject),
    },
  });
}

export async function seedProjects(prisma: PrismaClient, demo: DemoContext): Promise<void> {
  const web = await insertProject(prisma, demo.organizationId, "Hogflix Web", { timezone: "Europe/London", appUrls: ["https://hogflix.example.com"] });
  await insertEnvironment(prisma, web.project, "Staging");
  await prisma.groupTypeMapping.create({ data: { environmentId: web.environment.id, groupType: "company", groupTypeIndex: 0, nameSingular: "Company", namePlural: "Companies" } });
  await insertProject(prisma, demo.organizationId, "Hogflix Mobile", { timezone: "America/New_York" });
}
