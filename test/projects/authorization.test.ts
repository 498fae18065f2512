// Who may reach projects and environments: another organization's are
// NOT_FOUND everywhere (reads, node(id:), every mutation); a key without the
// scope is FORBIDDEN; a key limited to some projects sees only those. And bad
// input: garbage ids, out-of-range page sizes, wrongly typed variables.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { encodeId } from "../../src/domain/ids.js";
import { environmentGid, helpers, orgGid, projectGid, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

// Another organization, with a project and a further environment, that the owner is not in.
const stranger = await h.seed.ownerWithOrg();
const theirOrg = stranger.org;
const theirs = await stranger.createProject("Their project");
const theirEnv = await stranger.createEnvironment(theirs.project, "Their staging");

// Two projects of the owner's organization.
const one = await h.project({}, "Project One");
const oneEnv = await h.environment(one.project, "One staging");
const two = await h.project({}, "Project Two");

const PROJECT_MUTATIONS: [string, string, (id: string) => Record<string, unknown>][] = [
  ["updateProject", "UpdateProjectInput", (id) => ({ id, timezone: "Europe/Paris" })],
  ["deleteProject", "DeleteProjectInput", (id) => ({ id })],
  ["changeProjectOrganization", "ChangeProjectOrganizationInput", (id) => ({ id, organizationId: t.org.id })],
  ["addProjectProductIntent", "AddProjectProductIntentInput", (id) => ({ id, productType: "SURVEYS" })],
  ["completeProjectProductOnboarding", "CompleteProjectProductOnboardingInput", (id) => ({ id, productType: "SURVEYS" })],
  ["resetProjectToken", "ResetProjectTokenInput", (id) => ({ id })],
  ["rotateProjectSecretToken", "RotateProjectSecretTokenInput", (id) => ({ id })],
  ["deleteProjectSecretTokenBackup", "DeleteProjectSecretTokenBackupInput", (id) => ({ id })],
  ["generateProjectConversationsPublicToken", "GenerateProjectConversationsPublicTokenInput", (id) => ({ id })],
  ["updateProjectLogsConfig", "UpdateProjectLogsConfigInput", (id) => ({ id, logsDistinctIdAttributeKeys: ["x"] })],
  ["createEnvironment", "CreateEnvironmentInput", (id) => ({ projectId: id, name: "Sneaky" })],
];
const ENVIRONMENT_MUTATIONS: [string, string, (id: string) => Record<string, unknown>][] = [
  ["updateEnvironment", "UpdateEnvironmentInput", (id) => ({ id, timezone: "Europe/Paris" })],
  ["deleteEnvironment", "DeleteEnvironmentInput", (id) => ({ id })],
  ["addEnvironmentProductIntent", "AddEnvironmentProductIntentInput", (id) => ({ id, productType: "SURVEYS" })],
  ["completeEnvironmentProductOnboarding", "CompleteEnvironmentProductOnboardingInput", (id) => ({ id, productType: "SURVEYS" })],
  ["resetEnvironmentToken", "ResetEnvironmentTokenInput", (id) => ({ id })],
  ["rotateEnvironmentSecretToken", "RotateEnvironmentSecretTokenInput", (id) => ({ id })],
  ["deleteEnvironmentSecretTokenBackup", "DeleteEnvironmentSecretTokenBackupInput", (id) => ({ id })],
  ["generateEnvironmentConversationsPublicToken", "GenerateEnvironmentConversationsPublicTokenInput", (id) => ({ id })],
  ["updateEnvironmentLogsConfig", "UpdateEnvironmentLogsConfigInput", (id) => ({ id, logsDistinctIdAttributeKeys: ["x"] })],
];
const mutation = (name: string, input: string) => `mutation($input: ${input}!) { ${name}(input: $input) { ${USER_ERRORS} } }`;

describe("another organization's projects and environments", () => {
  it("are NOT_FOUND in project(id:), environment(id:), node(id:) and nodes(ids:), by every kind of id", async () => {
    for (const id of [String(theirs.project.id), projectGid(theirs.project.id)]) {
      await h.fails("NOT_FOUND", `query($id: ID!) { project(id: $id) { name } }`, { id });
    }
    for (const id of [String(theirEnv.id), environmentGid(theirEnv.id), String(theirs.project.id)]) {
      await h.fails("NOT_FOUND", `query($id: ID!) { environment(id: $id) { name } }`, { id });
    }
    for (const id of [projectGid(theirs.project.id), environmentGid(theirEnv.id), environmentGid(theirs.project.id)]) {
      const res = await h.fails("NOT_FOUND", `query($id: ID!) { node(id: $id) { id } }`, { id });
      expect(res.data).toEqual({ node: null });
    }
    const res = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: [projectGid(one.project.id), projectGid(theirs.project.id)],
    });
    expect(res.data.nodes).toEqual([{ id: projectGid(one.project.id) }, null]);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
  });

  it("answer exactly like ids that do not exist", async () => {
    const theirsRes = await t.gql(`query($id: ID!) { project(id: $id) { name } }`, { id: String(theirs.project.id) });
    const unknown = await t.gql(`query($id: ID!) { project(id: $id) { name } }`, { id: "2147483000" });
    expect(theirsRes.errors![0].message.replace(String(theirs.project.id), "X")).toBe(
      unknown.errors![0].message.replace("2147483000", "X"),
    );
  });

  it("are not listed under any organization the caller can see", async () => {
    const data = await h.ok(
      `{ viewer { organizations(first: 10) { nodes { projects(first: 100) { nodes { databaseId environments { nodes {
        databaseId } } } } } } } }`,
    );
    const ids = JSON.stringify(data);
    expect(ids).not.toContain(`"databaseId":${theirs.project.id}}`);
    expect(ids).not.toContain(`"databaseId":${theirEnv.id}}`);
    await h.fails("NOT_FOUND", `query($id: ID!) { organization(id: $id) { projects { totalCount } } }`, { id: theirOrg.id });
  });

  it.each(PROJECT_MUTATIONS)("are NOT_FOUND in %s, which writes nothing", async (name, input, vars) => {
    const before = await h.everything();
    for (const id of [String(theirs.project.id), projectGid(theirs.project.id)]) {
      await h.fails("NOT_FOUND", mutation(name, input), { input: vars(id) });
    }
    expect(await h.everything()).toBe(before);
  });

  it.each(ENVIRONMENT_MUTATIONS)("are NOT_FOUND in %s, which writes nothing", async (name, input, vars) => {
    const before = await h.everything();
    for (const id of [String(theirEnv.id), environmentGid(theirEnv.id), String(theirs.project.id)]) {
      await h.fails("NOT_FOUND", mutation(name, input), { input: vars(id) });
    }
    expect(await h.everything()).toBe(before);
  });

  it("cannot be the target of a move", async () => {
    await h.refused(
      { code: "NOT_FOUND", field: "input.organizationId" },
      `mutation($input: ChangeProjectOrganizationInput!) { changeProjectOrganization(input: $input) { ${USER_ERRORS} } }`,
      "changeProjectOrganization",
      { input: { id: String(one.project.id), organizationId: orgGid(theirOrg.id) } },
    );
  });
});

describe("scopes", () => {
  it("refuses a key without project:read with FORBIDDEN on every read", async () => {
    const key = await h.seed.home.scopedKey(["organization:read", "annotation:write"]);
    await h.fails("FORBIDDEN", `query($id: ID!) { project(id: $id) { name } }`, { id: String(one.project.id) }, key);
    await h.fails("FORBIDDEN", `query($id: ID!) { environment(id: $id) { name } }`, { id: String(oneEnv.id) }, key);
    await h.fails("FORBIDDEN", `query($id: ID!) { node(id: $id) { id } }`, { id: projectGid(one.project.id) }, key);
    const res = await t.gql(`query($id: ID!) { organization(id: $id) { name projects { totalCount } } }`, { id: t.org.id }, { key });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it.each([...PROJECT_MUTATIONS, ...ENVIRONMENT_MUTATIONS])(
    "refuses %s to a project:read key with FORBIDDEN, writing nothing",
    async (name, input, vars) => {
      const key = await h.seed.home.scopedKey(["project:read", "organization:write"]);
      const before = await h.everything();
      const id = name.includes("Environment") && name !== "createEnvironment" ? String(oneEnv.id) : String(one.project.id);
      await h.fails("FORBIDDEN", mutation(name, input), { input: vars(id) }, key);
      expect(await h.everything()).toBe(before);
    },
  );

  it("answers UNAUTHENTICATED without a key", async () => {
    const res = await t.gql(`query($id: ID!) { project(id: $id) { name } }`, { id: String(one.project.id) }, { key: null });
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    const m = await t.gql(mutation("deleteProject", "DeleteProjectInput"), { input: { id: String(one.project.id) } }, { key: null });
    expect(m.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect((await prisma.project.findUniqueOrThrow({ where: { id: one.project.id } })).isPendingDeletion).toBe(false);
  });
});

describe("keys limited to some projects (scopedTeams)", () => {
  it("see only those projects and their environments", async () => {
    const key = await h.seed.home.scopedKey(["*"], { projects: [one.project.id] });
    expect((await h.ok(`query($id: ID!) { project(id: $id) { name } }`, { id: String(one.project.id) }, key)).project.name).toBe(
      "Project One",
    );
    expect((await h.ok(`query($id: ID!) { environment(id: $id) { name } }`, { id: String(oneEnv.id) }, key)).environment.name).toBe(
      "One staging",
    );
    await h.fails("NOT_FOUND", `query($id: ID!) { project(id: $id) { name } }`, { id: String(two.project.id) }, key);
    await h.fails("NOT_FOUND", `query($id: ID!) { environment(id: $id) { name } }`, { id: String(two.environment.id) }, key);
    await h.fails("NOT_FOUND", `query($id: ID!) { node(id: $id) { id } }`, { id: projectGid(two.project.id) }, key);
    const list = await h.ok(
      `query($id: ID!) { organization(id: $id) { projects { totalCount nodes { name environments { totalCount } } } } }`,
      { id: t.org.id },
      key,
    );
    expect(list.organization.projects).toEqual({ totalCount: 1, nodes: [{ name: "Project One", environments: { totalCount: 2 } }] });
  });

  it("cannot change the other projects", async () => {
    const key = await h.seed.home.scopedKey(["*"], { projects: [one.project.id] });
    const before = await h.everything();
    await h.fails(
      "NOT_FOUND",
      mutation("updateProject", "UpdateProjectInput"),
      { input: { id: String(two.project.id), timezone: "Europe/Paris" } },
      key,
    );
    await h.fails("NOT_FOUND", mutation("deleteProject", "DeleteProjectInput"), { input: { id: String(two.project.id) } }, key);
    await h.fails(
      "NOT_FOUND",
      mutation("resetEnvironmentToken", "ResetEnvironmentTokenInput"),
      { input: { id: String(two.environment.id) } },
      key,
    );
    expect(await h.everything()).toBe(before);
    // but can change its own
    const { updateProject } = await h.ok(
      mutation("updateProject", "UpdateProjectInput"),
      { input: { id: String(one.project.id), timezone: "Europe/Paris" } },
      key,
    );
    expect(updateProject.userErrors).toEqual([]);
  });

  it("limited to organizations, see nothing of the others", async () => {
    const { org: second } = await h.seed.home.owner.createOrg();
    const secondProject = await h.project({}, "In second", second.id);
    const key = await h.seed.home.scopedKey(["*"], { organizations: [second.id] });
    await h.fails("NOT_FOUND", `query($id: ID!) { project(id: $id) { name } }`, { id: String(one.project.id) }, key);
    expect((await h.ok(`query($id: ID!) { project(id: $id) { name } }`, { id: String(secondProject.project.id) }, key)).project.name).toBe(
      "In second",
    );
  });
});

describe("bad input", () => {
  it.each([
    ["garbage", "!!!"],
    ["an empty string", ""],
    ["zero", "0"],
    ["a negative id", "-1"],
    ["an id beyond int4", "99999999999"],
    ["a decimal", "1.5"],
    ["a UUID", "6a1f0d2e-5b9c-4e0f-9b1a-2b3c4d5e6f70"],
    ["another type's global id", encodeId("Organization", "6a1f0d2e-5b9c-4e0f-9b1a-2b3c4d5e6f70")],
    ["a non-integer project global id", encodeId("Project", "abc")],
    ["a huge project global id", encodeId("Project", "99999999999")],
    ["a very long id", "A".repeat(5000)],
  ])("answers %s as an id with NOT_FOUND, never a fault", async (_what, id) => {
    await h.fails("NOT_FOUND", `query($id: ID!) { project(id: $id) { name } }`, { id });
    await h.fails("NOT_FOUND", `query($id: ID!) { environment(id: $id) { name } }`, { id });
    await h.fails("NOT_FOUND", mutation("updateProject", "UpdateProjectInput"), { input: { id, timezone: "UTC" } });
    await h.fails("NOT_FOUND", mutation("resetEnvironmentToken", "ResetEnvironmentTokenInput"), { input: { id } });
  });

  it.each([
    ["node(id:) with a non-integer project id", encodeId("Project", "abc")],
    ["node(id:) with a huge environment id", encodeId("Environment", "99999999999")],
    ["node(id:) with environment id 0", encodeId("Environment", "0")],
  ])("answers %s with NOT_FOUND", async (_what, id) => {
    const res = await h.fails("NOT_FOUND", `query($id: ID!) { node(id: $id) { id } }`, { id });
    expect(res.data).toEqual({ node: null });
  });

  it.each([0, 101, -1])("refuses first: %d on projects, environments and activity with BAD_USER_INPUT", async (first) => {
    await h.fails("BAD_USER_INPUT", `query($id: ID!, $first: Int) { organization(id: $id) { projects(first: $first) { totalCount } } }`, {
      id: t.org.id,
      first,
    });
    await h.fails("BAD_USER_INPUT", `query($id: ID!, $first: Int) { project(id: $id) { environments(first: $first) { totalCount } } }`, {
      id: String(one.project.id),
      first,
    });
    await h.fails("BAD_USER_INPUT", `query($id: ID!, $first: Int) { project(id: $id) { activity(first: $first) { totalCount } } }`, {
      id: String(one.project.id),
      first,
    });
    await h.fails("BAD_USER_INPUT", `query($id: ID!, $first: Int) { environment(id: $id) { activity(first: $first) { totalCount } } }`, {
      id: String(oneEnv.id),
      first,
    });
  });

  it("accepts first: 1 and first: 100", async () => {
    for (const first of [1, 100]) {
      await h.ok(
        `query($id: ID!, $first: Int) { organization(id: $id) { projects(first: $first) { totalCount } }
          project(id: "${one.project.id}") { environments(first: $first) { totalCount } activity(first: $first) { totalCount } } }`,
        { id: t.org.id, first },
      );
    }
  });

  it("refuses first with last, and a search over 200 characters", async () => {
    await h.fails("BAD_USER_INPUT", `query($id: ID!) { organization(id: $id) { projects(first: 1, last: 1) { totalCount } } }`, {
      id: t.org.id,
    });
    await h.fails("BAD_USER_INPUT", `query($id: ID!, $s: String) { organization(id: $id) { projects(search: $s) { totalCount } } }`, {
      id: t.org.id,
      s: "x".repeat(201),
    });
    await h.fails("BAD_USER_INPUT", `query($id: ID!) { organization(id: $id) { projects(after: "garbage") { totalCount } } }`, {
      id: t.org.id,
    });
  });

  it.each([
    ["an object as an ID", `query($id: ID!) { project(id: $id) { name } }`, { id: { a: 1 } }],
    ["a missing required variable", `query($id: ID!) { project(id: $id) { name } }`, {}],
    [
      "a string as an Int",
      `query($id: ID!, $first: Int) { project(id: $id) { environments(first: $first) { totalCount } } }`,
      { id: "1", first: "ten" },
    ],
    ["a number as a String in an input", mutation("updateProject", "UpdateProjectInput"), { input: { id: "1", timezone: 5 } }],
    [
      "a string as an Int in an input",
      mutation("updateProject", "UpdateProjectInput"),
      { input: { id: "1", sessionRecordingMinimumDurationMilliseconds: "abc" } },
    ],
    ["a string as a Boolean in an input", mutation("updateProject", "UpdateProjectInput"), { input: { id: "1", anonymizeIps: "yes" } }],
    ["an unknown input field", mutation("updateProject", "UpdateProjectInput"), { input: { id: "1", apiToken: "phc_x" } }],
    ["a missing input field", mutation("createProject", "CreateProjectInput"), { input: { organizationId: "x" } }],
    [
      "a DateTime that is not one",
      `query($at: DateTime!) { project(id: "1") { settingsAsOf(at: $at) { timezone } } }`,
      { at: "not a date" },
    ],
  ])("answers %s with BAD_USER_INPUT, writing nothing", async (_what, query, variables) => {
    const before = await h.everything();
    const res = await t.gql(query, variables as Record<string, unknown>);
    expect(res.errors?.length).toBeGreaterThan(0);
    expect(res.errors![0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.data ?? null).toBeNull();
    expect(await h.everything()).toBe(before);
  });

  it("answers read-only fields in an input document with GRAPHQL_VALIDATION_FAILED", async () => {
    for (const field of [
      'apiToken: "phc_x"',
      'secretApiToken: "phs_x"',
      'liveEventsToken: "x"',
      "effectiveMembershipLevel: ADMIN",
      "groupTypes: []",
    ]) {
      const res = await t.gql(`mutation { updateProject(input: { id: "${one.project.id}", ${field} }) { ${USER_ERRORS} } }`);
      expect(res.errors?.[0].extensions?.code, field).toBe("GRAPHQL_VALIDATION_FAILED");
    }
  });
});

describe("nodes(ids:) with a malformed id among good ones", () => {
  it.each([
    ["a non-integer", (type: string) => encodeId(type, "abc")],
    ["one beyond int4", (type: string) => encodeId(type, "99999999999")],
    ["zero", (type: string) => encodeId(type, "0")],
  ])("answers the good ones and NOT_FOUND for %s", async (_what, bad) => {
    const res = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: [projectGid(one.project.id), bad("Project"), environmentGid(oneEnv.id), bad("Environment")],
    });
    expect(res.data.nodes).toEqual([{ id: projectGid(one.project.id) }, null, { id: environmentGid(oneEnv.id) }, null]);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND", "NOT_FOUND"]);
  });
});
