// The one place that creates Project and Environment rows: it draws the ids
// (a project and its primary environment share one id from the Environment
// id sequence) and mints the fresh public and secret tokens. The createProject
// and createEnvironment mutations call these inside their transactions; the
// demo seed, the benchmark dataset and the test fixtures call them directly.
// No access checks and no activity logging here: callers own those.
import type { Prisma, PrismaClient } from "../../generated/prisma/client.js";
import { generateToken, TOKEN_PREFIX } from "../../auth/tokens.js";

type Db = PrismaClient | Prisma.TransactionClient;

/** Fresh public and secret tokens for a new environment. */
const freshTokens = () => ({
  apiToken: generateToken(TOKEN_PREFIX.publicProject),
  secretApiToken: generateToken(TOKEN_PREFIX.secretProject),
});

/** Inserts a project and its primary environment (same id) with fresh tokens: three statements. */
export async function insertProject(
  db: Db,
  organizationId: string,
  name: string,
  settings: Record<string, unknown> = {},
  { productDescription = null }: { productDescription?: string | null } = {},
) {
  const [{ id }] = await db.$queryRaw<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence('"Environment"', 'id'))::int AS id`;
  const project = await db.project.create({ data: { id, organizationId, name, productDescription } });
  const environment = await db.environment.create({
    data: { id, projectId: id, organizationId, name, ...freshTokens(), settings: settings as Prisma.InputJsonValue },
  });
  return { project, environment };
}

/** Inserts a further environment of a project (id from the sequence) with fresh tokens: one statement. */
export async function insertEnvironment(
  db: Db,
  project: { id: number; organizationId: string },
  name: string,
  settings: Record<string, unknown> = {},
) {
  return db.environment.create({
    data: { projectId: project.id, organizationId: project.organizationId, name, ...freshTokens(), settings: settings as Prisma.InputJsonValue },
  });
}
