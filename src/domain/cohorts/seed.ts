// Demo data of the cohorts area (called by src/db/seed-domain.ts): persons in
// the demo's first project, a static cohort of some of them and a person
// property cohort whose members are calculated here, as the background job would.
import type { Prisma, PrismaClient } from "../../generated/prisma/client.js";
import type { DemoContext } from "../../db/seed-domain.js";
import { calculateCohort } from "./calculation.js";

const PERSONS: { distinctId: string; properties: Record<string, unknown> }[] = [
  { distinctId: "ada", properties: { email: "ada@hogflix.example.com", plan: "paid", country: "GB" } },
  { distinctId: "grace", properties: { email: "grace@hogflix.example.com", plan: "paid", country: "US" } },
  { distinctId: "linus", properties: { email: "linus@example.org", plan: "free", country: "FI" } },
  { distinctId: "margaret", properties: { email: "margaret@example.org", plan: "paid", country: "US" } },
  { distinctId: "alan", properties: { email: "alan@example.net", plan: "free", country: "GB" } },
  { distinctId: "barbara", properties: { email: "barbara@example.net", country: "US" } },
];

export async function seedCohorts(prisma: PrismaClient, demo: DemoContext): Promise<void> {
  const project = await prisma.project.findFirst({ where: { organizationId: demo.organizationId }, orderBy: { id: "asc" } });
  if (!project) return;
  const environmentId = project.id;
  const persons = [];
  for (const p of PERSONS) {
    persons.push(
      await prisma.person.create({
        data: { environmentId, distinctIds: [p.distinctId], properties: p.properties as Prisma.InputJsonValue },
      }),
    );
  }
  const beta = persons.slice(0, 3);
  await prisma.cohort.create({
    data: {
      environmentId,
      name: "Beta testers",
      description: "Persons invited to the beta, by hand.",
      isStatic: true,
      cohortType: "static",
      createdById: demo.userId,
      count: beta.length,
      lastCalculation: new Date(),
      persons: { create: beta.map((p) => ({ personId: p.id })) },
    },
  });
  const paid = await prisma.cohort.create({
    data: {
      environmentId,
      name: "Paying customers in the US or GB",
      description: "Persons on the paid plan in the United States or the United Kingdom.",
      filters: {
        properties: {
          type: "AND",
          values: [
            { type: "person", key: "plan", operator: "exact", value: "paid" },
            { type: "OR", values: [{ type: "person", key: "country", operator: "exact", value: ["US", "GB"] }] },
          ],
        },
      },
      cohortType: "person_property",
      createdById: demo.userId,
      isCalculating: true,
      pendingVersion: 1,
    },
  });
  await calculateCohort(prisma, paid.id, 1);
}
