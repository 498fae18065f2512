// Demo projects, created through the stores' inserts (fresh tokens, shared ids).
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { DemoContext } from "../../db/seed-domain.js";
import { insertProject } from "./store.js";
import { insertEnvironment } from "../environments/store.js";

export async function seedProjects(prisma: PrismaClient, demo: DemoContext): Promise<void> {
  const web = await insertProject(prisma, demo.organizationId, "Hogflix Web", {
    timezone: "Europe/London",
    appUrls: ["https://hogflix.example.com"],
  });
  await insertEnvironment(prisma, web.project, "Staging");
  await prisma.groupTypeMapping.create({
    data: { environmentId: web.environment.id, groupType: "company", groupTypeIndex: 0, nameSingular: "Company", namePlural: "Companies" },
  });
  await insertProject(prisma, demo.organizationId, "Hogflix Mobile", { timezone: "America/New_York" });
}
