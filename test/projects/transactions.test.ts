// Multi-step mutations are transactional: when their last step (the
// activity entry) fails, nothing of the earlier steps remains. The failure is
// injected with a trigger on this file's own database.
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { helpers, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

// Any activity entry whose detail names something starting with "FAIL" cannot be written.
beforeAll(async () => {
  await prisma.$executeRawUnsafe(`
    CREATE FUNCTION fail_activity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.detail->>'name' LIKE 'FAIL%' THEN RAISE EXCEPTION 'injected failure'; END IF;
      RETURN NEW;
    END $$`);
  await prisma.$executeRawUnsafe(
    `CREATE TRIGGER fail_activity BEFORE INSERT ON "ActivityLog" FOR EACH ROW EXECUTE FUNCTION fail_activity()`,
  );
});

const { org: target } = await h.seed.home.owner.createOrg();

const M = (name: string, input: string) => `mutation($input: ${input}!) { ${name}(input: $input) { ${USER_ERRORS} } }`;

async function expectFaultAndNothingWritten(name: string, input: string, vars: Record<string, unknown>) {
  const before = await h.everything();
  const res = await t.gql(M(name, input), { input: vars });
  expect(res.errors?.[0].extensions?.code, JSON.stringify(res)).toBe("INTERNAL_SERVER_ERROR");
  expect(JSON.stringify(res)).not.toContain("injected");
  expect(await h.everything()).toBe(before);
}

describe("a failure at the last step leaves nothing half-done", () => {
  it("createProject: no project, no environment", async () => {
    const projects = await prisma.project.count();
    await expectFaultAndNothingWritten("createProject", "CreateProjectInput", {
      organizationId: t.org.id,
      name: "FAIL create",
      timezone: "Europe/Paris",
    });
    expect(await prisma.project.count()).toBe(projects);
  });

  it("updateProject: neither the project's name nor its settings change", async () => {
    const p = await h.project({}, "FAIL update");
    await expectFaultAndNothingWritten("updateProject", "UpdateProjectInput", {
      id: String(p.project.id),
      name: "FAIL renamed",
      productDescription: "x",
      timezone: "Europe/Paris",
    });
  });

  it("changeProjectOrganization: neither the project nor any environment moves", async () => {
    const p = await h.project({}, "FAIL move");
    await h.environment(p.project);
    await expectFaultAndNothingWritten("changeProjectOrganization", "ChangeProjectOrganizationInput", {
      id: String(p.project.id),
      organizationId: target.id,
    });
  });

  it("deleteProject: the project and its environments stay", async () => {
    const p = await h.project({}, "FAIL delete");
    await h.environment(p.project);
    await expectFaultAndNothingWritten("deleteProject", "DeleteProjectInput", { id: String(p.project.id) });
  });

  it.each([
    ["resetProjectToken", "ResetProjectTokenInput", {}],
    ["rotateProjectSecretToken", "RotateProjectSecretTokenInput", {}],
    ["generateProjectConversationsPublicToken", "GenerateProjectConversationsPublicTokenInput", {}],
    ["updateProjectLogsConfig", "UpdateProjectLogsConfigInput", { logsDistinctIdAttributeKeys: ["x"] }],
    ["addProjectProductIntent", "AddProjectProductIntentInput", { productType: "SURVEYS" }],
    ["completeProjectProductOnboarding", "CompleteProjectProductOnboardingInput", { productType: "SURVEYS" }],
  ])("%s: tokens, settings and intents stay", async (name, input, extra) => {
    const p = await h.project({}, `FAIL ${name}`);
    await expectFaultAndNothingWritten(name, input, { id: String(p.project.id), ...extra });
  });

  it("createEnvironment and deleteEnvironment", async () => {
    const p = await h.project();
    await expectFaultAndNothingWritten("createEnvironment", "CreateEnvironmentInput", {
      projectId: String(p.project.id),
      name: "FAIL env",
    });
    const env = await h.environment(p.project, "FAIL staging");
    await expectFaultAndNothingWritten("deleteEnvironment", "DeleteEnvironmentInput", { id: String(env.id) });
    await expectFaultAndNothingWritten("rotateEnvironmentSecretToken", "RotateEnvironmentSecretTokenInput", { id: String(env.id) });
  });

  it("works normally otherwise", async () => {
    const p = await h.project();
    const data = await h.ok(M("updateProject", "UpdateProjectInput"), { input: { id: String(p.project.id), timezone: "Europe/Paris" } });
    expect(data.updateProject.userErrors).toEqual([]);
  });
});
