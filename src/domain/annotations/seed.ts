// Demo data of the annotations area (called by src/db/seed-domain.ts): a
// dashboard, an insight on it, and a few annotations in the demo's first
// project, one of them ORGANIZATION-scoped (listed in every project).
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { DemoContext } from "../../db/seed-domain.js";

export async function seedAnnotations(prisma: PrismaClient, demo: DemoContext): Promise<void> {
  const project = await prisma.project.findFirst({ where: { organizationId: demo.organizationId }, orderBy: { id: "asc" } });
  if (!project) return;
  const environmentId = project.id; // the primary environment shares the project's id
  const dashboard = await prisma.dashboard.create({ data: { environmentId, name: "Weekly KPIs" } });
  const insight = await prisma.insight.create({
    data: { environmentId, shortId: `demo${project.id}sgn`, name: "Sign-ups", derivedName: "Pageview count of /signup" },
  });
  const base = { organizationId: demo.organizationId, environmentId, createdById: demo.userId };
  await prisma.annotation.createMany({
    data: [
      { ...base, content: "Launched the new pricing page", dateMarker: new Date("2026-03-02T09:00:00Z"), scope: "project" },
      {
        ...base,
        content: "Sign-up form redesign shipped",
        dateMarker: new Date("2026-03-09T14:30:00Z"),
        dashboardItemId: insight.id,
        dashboardId: dashboard.id,
      },
      {
        ...base,
        content: "Tracking outage (events missing)",
        dateMarker: new Date("2026-03-15T00:00:00Z"),
        scope: "dashboard",
        dashboardId: dashboard.id,
      },
      { ...base, content: "Deployed v2.4.0", dateMarker: new Date("2026-03-20T17:45:00Z"), creationType: "GIT", scope: "project" },
      { ...base, content: "Company-wide launch week", dateMarker: new Date("2026-04-06T08:00:00Z"), scope: "organization" },
    ],
  });
}
